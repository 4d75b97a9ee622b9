import { describe, expect, it } from 'vitest';
import type { ReleaseListItem } from '../../../src-shared/bridge/contract.ts';
import type { Decision, ReleaseSnapshot, SampleRecord } from '../../../src-shared/release/release.schema.ts';
import { distinct, filterReleases } from '../../../src-renderer/lib/history-filter.ts';
import { planThresholds } from '../../../src-renderer/lib/plan-thresholds.ts';
import { preflightView, sortFindings } from '../../../src-renderer/lib/preflight-view.ts';
import { analysisRows, lastDecision, stepRows, trafficRows } from '../../../src-renderer/lib/release-view.ts';

describe('trafficRows', () => {
  it.each([
    [{ stable: 90, canary: 10 }, { stable: 90, canary: 10 }, [false, false]],
    [{ stable: 90, canary: 10 }, { stable: 100, canary: 0 }, [true, true]],
    [{ stable: 90, canary: 10 }, null, [false, false]],
    [{ blue: 100 }, { blue: 0, green: 100 }, [true, true]],
  ])('intended %j vs actual %j flags %j', (intended, actual, differs) => {
    const rows = trafficRows({ intended, actual, source: null, mismatch: false });
    expect(rows.map((r) => r.differs)).toEqual(differs);
    if (actual === null) expect(rows.every((r) => r.actual === null)).toBe(true);
  });
});

describe('preflightView', () => {
  it.each([
    [[{ severity: 'error', message: 'no RBAC' }], 'findings', 1],
    [
      { ok: false, findings: [{ level: 'warning', message: 'one replica', check: 'zero-downtime' }] },
      'findings',
      1,
    ],
    [{ checks: [] }, 'findings', 0],
    [
      {
        ok: false,
        findings: [{ severity: 'blocker', title: 'Not allowed to patch', explanation: 'Ask for it.' }],
        passed: [{ id: 'a', check: 'access', title: 'may get' }],
      },
      'findings',
      2,
    ],
    [{ weird: true }, 'raw', 0],
    [[{ nothing: 1 }], 'raw', 0],
    [null, 'raw', 0],
  ])('%j reads as %s', (report, kind, count) => {
    const v = preflightView(report);
    expect(v.kind).toBe(kind);
    if (v.kind === 'findings') expect(v.findings).toHaveLength(count);
    else expect(v.json).toBe(JSON.stringify(report, null, 2));
  });
  it('puts errors before warnings before info', () => {
    const sorted = sortFindings([
      { severity: 'info', message: 'a', check: null },
      { severity: 'error', message: 'b', check: null },
      { severity: 'warning', message: 'c', check: null },
    ]);
    expect(sorted.map((f) => f.message)).toEqual(['b', 'c', 'a']);
  });
});

describe('filterReleases', () => {
  const item = (id: string, status: string, strategy: string, planName: string): ReleaseListItem => ({
    id,
    status,
    strategy,
    planName,
    context: 'sandbox',
    namespace: 'shop',
    rehearsal: true,
    startedAtMs: 0,
    savedAtMs: 0,
  });
  const list = [
    item('r1', 'aborted', 'canary', 'web-canary'),
    item('r2', 'succeeded', 'blue-green', 'api-bg'),
    item('r3', 'aborted', 'blue-green', 'Web-BG'),
  ];
  it.each([
    [{ status: '', strategy: '', text: '' }, ['r1', 'r2', 'r3']],
    [{ status: 'aborted', strategy: '', text: '' }, ['r1', 'r3']],
    [{ status: 'aborted', strategy: 'blue-green', text: '' }, ['r3']],
    [{ status: '', strategy: '', text: 'WEB' }, ['r1', 'r3']],
    [{ status: '', strategy: '', text: 'r2' }, ['r2']],
    [{ status: 'failed', strategy: '', text: '' }, []],
  ])('%j keeps %j', (f, ids) => {
    expect(filterReleases(list, f).map((r) => r.id)).toEqual(ids);
  });
  it('offers each status once', () => {
    expect(distinct(list, 'status')).toEqual(['aborted', 'succeeded']);
  });
});

const sample = (atMs: number, metric: string, group = 'latency-check'): SampleRecord => ({
  atMs,
  source: 'analysis',
  stepIndex: 2,
  group,
  metric,
  version: 'v2',
  query: 'q',
  outcome: 'failure',
  value: 900,
});

describe('analysisRows', () => {
  it('lists every sample once, oldest first, with the condition from the evidence or else the plan', () => {
    const cited = sample(100, 'p95-latency');
    const decisions: Decision[] = [
      {
        seq: 1,
        kind: 'abort',
        cause: 'analysis-failed',
        atMs: 300,
        by: 'engine',
        stepIndex: 2,
        summary: 'aborted',
        evidence: [
          {
            metric: 'p95-latency',
            group: 'latency-check',
            query: 'q',
            op: '<=',
            threshold: 500,
            samples: [cited],
            arithmetic: 'failed 4 > 3',
            result: 'failed',
          },
        ],
      },
    ];
    const rows = analysisRows([sample(200, 'p99-latency'), cited], decisions, [
      { group: 'latency-check', metric: 'p99-latency', op: '<=', threshold: 1000 },
      { group: 'latency-check', metric: 'p95-latency', op: '<', threshold: 1 },
    ]);
    expect(rows.map((r) => [r.atMs, r.metric, r.condition])).toEqual([
      [100, 'p95-latency', '<= 500 ms'],
      [200, 'p99-latency', '<= 1,000 ms'],
    ]);
    expect(lastDecision(decisions)?.summary).toBe('aborted');
    expect(lastDecision([])).toBeNull();
  });
});

describe('planThresholds', () => {
  const text = `
name: web-canary
target: { namespace: shop, name: web, image: registry/web:v2 }
router: { kind: istio, virtualService: web, destinationRule: web, route: primary }
strategy:
  kind: canary
  steps: [{ setWeight: 10 }, { analysis: { templates: [success-rate, latency-check] } }, { setWeight: 100 }]
analysis:
  templates:
    - name: success-rate
      metrics: [{ name: success-rate, kind: success-rate, successCondition: { op: '>=', threshold: 0.95 } }]
    - name: latency-check
      metrics:
        - { name: p95-latency, kind: latency-p95, successCondition: { op: '<=', threshold: 500 } }
        - { name: p99-latency, kind: latency-p99, successCondition: { op: '<=', threshold: 1000 } }
rollbackTriggers:
  - { metric: error-rate, op: '>', threshold: 0.02, for: 2m }
  - { metric: latency-p95, op: '>', threshold: 1000, for: 5m }
`;
  it('draws latency and error thresholds from analysis and triggers', () => {
    const t = planThresholds(text);
    expect(t.lines.map((l) => [l.metric, l.value])).toEqual([
      ['p95Ms', 500],
      ['p99Ms', 1000],
      ['errorRate', 0.02],
      ['p95Ms', 1000],
    ]);
    expect(t.conditions).toContainEqual({
      group: 'success-rate',
      metric: 'success-rate',
      op: '>=',
      threshold: 0.95,
    });
  });
  it.each([[null], [''], ['name: [']])('is empty for %j', (text) => {
    expect(planThresholds(text)).toEqual({ lines: [], conditions: [] });
  });
});

describe('stepRows', () => {
  const snapshot = (status: ReleaseSnapshot['status'], current: number | null): ReleaseSnapshot => ({
    id: 'r',
    planName: 'p',
    strategy: 'canary',
    phase: 'x',
    status,
    pause: null,
    currentStep: current,
    steps: [
      { index: 0, label: 'set weight 10 %', state: 'done' },
      { index: 1, label: 'pause 10m', state: 'pending' },
      { index: 2, label: 'set weight 100 %', state: 'pending' },
    ],
    traffic: { intended: {}, actual: null, source: null, mismatch: false },
    decisions: [],
    samples: [],
    startedAtMs: 1,
    updatedAtMs: 2,
    finishedAtMs: null,
    waitUntilMs: null,
  });
  it.each([
    ['running', ['done', 'pending', 'pending'], 'pause 10m'],
    ['paused', ['done', 'pending', 'pending'], 'pause 10m'],
    ['aborted', ['done', 'stopped', 'pending'], 'nothing: the release was aborted'],
    ['rolledBack', ['done', 'stopped', 'pending'], 'nothing: the release was rolled back'],
    ['failed', ['done', 'stopped', 'pending'], 'nothing: the release failed'],
  ] as const)('a %s release shows its steps as %j and next %j', (status, states, next) => {
    const view = stepRows(snapshot(status, 1));
    expect(view.rows.map((r) => r.state)).toEqual(states);
    expect(view.rows.map((r) => r.current)).toEqual([false, true, false]);
    expect(view.next).toBe(next);
  });
});
