import { describe, expect, it } from 'vitest';
import { renderReleaseMarkdown } from '../../../src-main/app/release-report.ts';
import type { AuditEntry } from '../../../src-main/ports/journal.port.ts';
import type { ReleaseSnapshot, SampleRecord } from '../../../src-shared/release/release.schema.ts';

const T0 = Date.UTC(2026, 11, 6, 2, 40, 0);
const query = 'sum(rate(http_requests_total{job="workflow-engine",status=~"5.."}[2m])) / sum(rate(...))';

/** A failing read of the error-rate rollback trigger. */
function triggerSample(atMs: number, value: number): SampleRecord {
  const labels = { stepIndex: null, group: 'rollbackTriggers', metric: 'error-rate', version: 'v1.25.0' };
  return { atMs, source: 'trigger', ...labels, query, outcome: 'failure', value };
}

/** A canary aborted by its error-rate trigger at step 2 of 4, traffic back on stable. */
const aborted: ReleaseSnapshot = {
  id: 'r-42',
  planName: 'workflow-engine-canary',
  strategy: 'canary',
  phase: 'aborted',
  status: 'aborted',
  pause: null,
  currentStep: null,
  steps: (
    [
      ['set weight 10 %', 'done'],
      ['analysis initial-canary', 'failed'],
      ['set weight 50 %', 'pending'],
      ['pause 10 min', 'pending'],
    ] as const
  ).map(([label, state], index) => ({ index, label, state })),
  traffic: {
    intended: { stable: 100, canary: 0 },
    actual: { stable: 90, canary: 10 },
    source: 'VirtualService platform-production/workflow-engine',
    mismatch: true,
  },
  decisions: [
    {
      seq: 1,
      kind: 'abort',
      cause: 'rollback-trigger',
      atMs: T0 + 150_000,
      by: 'engine',
      stepIndex: 1,
      summary: 'error-rate 7 % > 2 % held for 2 min: traffic sent back to stable.',
      evidence: [
        {
          metric: 'error-rate',
          group: 'rollbackTriggers',
          query,
          op: '>',
          threshold: 0.02,
          arithmetic: '7 % > 2 % held for 2 min ≥ 2 min',
          result: 'breached',
          samples: [triggerSample(T0 + 30_000, 0.021), triggerSample(T0 + 150_000, 0.07)],
        },
      ],
    },
  ],
  samples: [],
  startedAtMs: T0,
  updatedAtMs: T0 + 160_000,
  finishedAtMs: T0 + 160_000,
  waitUntilMs: null,
};

const audit: AuditEntry[] = [
  {
    seq: 1,
    at: '2026-12-06T02:40:00.000Z',
    who: { user: 'dana', context: 'prod-eu' },
    what: 'release started',
    why: 'hotfix 1.25',
    prevHash: '',
    hash: '',
  },
  {
    seq: 2,
    at: '2026-12-06T02:42:30.000Z',
    who: { user: 'engine', context: 'prod-eu' },
    what: 'aborted',
    why: 'rollback trigger',
    prevHash: '',
    hash: '',
  },
];

describe('the Markdown export reads like a post-incident report', () => {
  const md = renderReleaseMarkdown('r-42', aborted, audit, 'The audit chain is intact.', { timeZone: 'UTC' });
  const sections = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);

  it('opens with the outcome, then summary, timeline, steps and audit log in that order', () => {
    expect(md.split('\n')[0]).toBe('# Release of workflow-engine-canary: aborted');
    expect(sections).toEqual(['Summary', 'Timeline', 'Steps', 'Audit log']);
  });

  it('answers what, who, when, outcome and why in the summary', () => {
    const summary = md.slice(md.indexOf('## Summary'), md.indexOf('## Timeline'));
    expect(summary).toContain('- What: a canary release of plan workflow-engine-canary');
    expect(summary).toContain('- Who: started by dana on prod-eu');
    expect(summary).toMatch(
      /- When: started 2026-12-06 \d\d:40:00 \S+; finished 2026-12-06 \d\d:42:40 \S+ \(took 2 min 40 s\)/,
    );
    expect(summary).toContain('- Outcome: **aborted**');
    expect(summary).toContain('- Why: Aborted at step 2 of 4: error-rate 7 % > 2 % held for 2 min');
    expect(summary).toContain(
      '- Traffic (read back from VirtualService platform-production/workflow-engine): stable 90 % · canary 10 % — differs from the intended stable 100 % · canary 0 %',
    );
  });

  it('gives each decision in the timeline with its evidence, and marks steps never reached', () => {
    expect(md).toMatch(
      /^- 2026-12-06 \d\d:42:30 \S+ \*\*Aborted\*\* at step 2 of 4, by engine: error-rate 7 %/m,
    );
    expect(md).toMatch(/^ {4}- \d\d:42:30 \S+ v1\.25\.0: 7 % → failure$/m);
    expect(md).toContain('3. set weight 50 % — not reached');
    expect(md).toContain('4. pause 10 min — not reached');
    expect(md).not.toMatch(/pending|\{"stable"/);
  });

  it('shows audit times in one readable format with the zone, never ISO', () => {
    expect(md).toMatch(
      /^\| 1 \| 2026-12-06 \d\d:40:00 \S+ \| dana@prod-eu \| release started \| hotfix 1\.25 \|$/m,
    );
    expect(md).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });
});
