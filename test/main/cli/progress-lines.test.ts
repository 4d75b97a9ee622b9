import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Decision, ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import type { CliIo } from '../../../src-main/shells/cli/output.ts';
import { createProgressPrinter } from '../../../src-main/shells/cli/progress-lines.ts';

const ESC = String.fromCharCode(27);

const T0 = Date.UTC(2026, 11, 6, 2, 43, 25);

function snapshot(over: Partial<ReleaseSnapshot>): ReleaseSnapshot {
  return {
    id: 'r1',
    planName: 'checkout',
    strategy: 'canary',
    phase: 'running.steps.analysis.waiting',
    status: 'running',
    pause: null,
    currentStep: 2,
    steps: [
      { index: 0, label: 'set weight 10 %', state: 'done' },
      { index: 1, label: 'pause 1 min', state: 'done' },
      { index: 2, label: 'analysis health', state: 'active' },
    ],
    traffic: {
      intended: { stable: 90, canary: 10 },
      actual: { stable: 90, canary: 10 },
      source: 'vs',
      mismatch: false,
    },
    decisions: [],
    samples: [],
    startedAtMs: T0,
    updatedAtMs: T0,
    finishedAtMs: null,
    waitUntilMs: T0 + 20_000,
    ...over,
  };
}

const QUERY =
  'sum(rate(http_requests_total{job="checkout",namespace="shop",version="v2",status=~"5.."}[1m])) / sum(rate(http_requests_total{job="checkout",namespace="shop",version="v2"}[1m]))';

const promotedWithFailures: Decision = {
  seq: 1,
  kind: 'promote',
  cause: 'analysis-passed',
  atMs: T0 + 60_000,
  by: 'engine',
  stepIndex: 2,
  summary:
    'Analysis of step 3 passed: error-rate (health): 5 of 5 measurements taken, failed 2 ≤ failureLimit 3; promoting to the next step.',
  evidence: [
    {
      metric: 'error-rate',
      group: 'health',
      query: QUERY,
      op: '<',
      threshold: 0.01,
      arithmetic: 'failed 2 ≤ failureLimit 3',
      result: 'successful',
      samples: [0.021, 0.004, 0.07].map((value, i) => ({
        atMs: T0 + i * 10_000,
        source: 'analysis' as const,
        stepIndex: 2,
        group: 'health',
        metric: 'error-rate',
        version: 'v2',
        query: QUERY,
        outcome: value > 0.01 ? ('failure' as const) : ('success' as const),
        value,
      })),
    },
  ],
};

function capture(tty: boolean, columns = 60) {
  const stdout = Object.assign(new PassThrough(), tty ? { isTTY: true, columns } : {});
  let text = '';
  stdout.on('data', (c: Buffer) => (text += c.toString()));
  const io: CliIo = { stdout, stderr: new PassThrough(), cwd: '/', env: {} };
  return { io, text: () => text };
}

describe('switchyard run output for people', () => {
  it('on a terminal: wraps at its width, colours the verdict, and rewrites one progress line in place', () => {
    const { io, text } = capture(true, 60);
    const print = createProgressPrinter(io, { json: false, columns: 60, simulated: true, now: () => T0 });
    print.snapshot(snapshot({}));
    print.snapshot(snapshot({ decisions: [promotedWithFailures], updatedAtMs: T0 + 60_000 }));
    print.close();
    const out = text();
    expect(out).toContain('\r\x1b[2K… step 3 of 3 (analysis health) · next in 20 s');
    expect(out).toContain('\x1b[33mPromoted with failures\x1b[0m');
    expect(out).toMatch(
      /error-rate: 2\.1 % → 7 %, rising \(pass when < 1 %\);\s+failed 2 ≤\s+failureLimit 3/,
    );
    const lines = out
      .replaceAll(`\r${ESC}[2K`, '\n')
      .replace(new RegExp(`${ESC}\\[\\d+m`, 'g'), '')
      .split('\n');
    for (const l of lines) if (!l.includes(QUERY.slice(0, 20))) expect(l.length, l).toBeLessThanOrEqual(60);
  });

  it('piped: no escape codes and no in-place line, one line per step change, not per machine state', () => {
    const { io, text } = capture(false);
    const print = createProgressPrinter(io, { json: false, simulated: true });
    print.snapshot(snapshot({ phase: 'running.steps.analysis.measuring' }));
    print.snapshot(snapshot({ phase: 'running.steps.analysis.waiting' }));
    print.snapshot(
      snapshot({ currentStep: null, status: 'completed', phase: 'completed', waitUntilMs: null }),
    );
    print.close();
    const out = text();
    expect(out).not.toContain('\r');
    expect(out).not.toContain(ESC);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^sim \d\d:\d\d:\d\d {2}running step 3 of 3 \(analysis health\) · traffic stable 90 % · canary 10 %$/,
    );
    expect(lines[1]).toMatch(/^sim \d\d:\d\d:\d\d {2}completed · traffic stable 90 % · canary 10 %$/);
  });

  it('--verbose keeps a line per machine state', () => {
    const { io, text } = capture(false);
    const print = createProgressPrinter(io, { json: false, verbose: true, simulated: true });
    print.snapshot(snapshot({ phase: 'running.steps.analysis.measuring' }));
    print.snapshot(snapshot({ phase: 'running.steps.analysis.waiting' }));
    expect(text().trimEnd().split('\n')).toHaveLength(2);
  });
});
