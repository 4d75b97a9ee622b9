import { describe, expect, it } from 'vitest';
import { decisionTitle, decisionVerdict } from '../../../src-shared/release/decision-verdict.ts';
import type { Decision, SampleRecord } from '../../../src-shared/release/release.schema.ts';

const sample = (outcome: SampleRecord['outcome'], value: number | null): SampleRecord => ({
  atMs: 0,
  source: 'analysis',
  stepIndex: 2,
  group: 'health',
  metric: 'error-rate',
  version: 'v2',
  query: 'q',
  outcome,
  value,
});

const decision = (
  kind: Decision['kind'],
  cause: Decision['cause'],
  outcomes: SampleRecord['outcome'][] = [],
): Pick<Decision, 'kind' | 'cause' | 'evidence'> => ({
  kind,
  cause,
  evidence: [
    {
      metric: 'error-rate',
      group: 'health',
      query: 'q',
      op: '<',
      threshold: 0.01,
      samples: outcomes.map((o) => sample(o, o === 'failure' ? 0.07 : 0.001)),
      arithmetic: 'failed 2 ≤ failureLimit 3',
      result: 'successful',
    },
  ],
});

describe('decision verdicts: each has its own word', () => {
  it.each([
    [decision('promote', 'analysis-passed', ['success', 'success']), 'pass', 'Promoted'],
    [
      decision('promote', 'analysis-passed', ['failure', 'success', 'failure']),
      'pass-with-failures',
      'Promoted with failures',
    ],
    [decision('continue', 'validation-warning'), 'pass-with-failures', 'Continued with warnings'],
    [decision('abort', 'analysis-failed', ['failure']), 'fail', 'Aborted'],
    [decision('rollback', 'rollback-trigger', ['failure']), 'fail', 'Rolled back'],
    [decision('pause', 'analysis-failed', ['failure']), 'fail', 'Paused: failed'],
    [decision('pause', 'analysis-inconclusive', ['inconclusive']), 'inconclusive', 'Paused: inconclusive'],
    [decision('pause', 'operator'), 'info', 'Paused'],
    [decision('abort', 'operator'), 'info', 'Aborted'],
  ])('%# %j → %s, %s', (d, verdict, title) => {
    expect(decisionVerdict(d)).toBe(verdict);
    expect(decisionTitle(d)).toBe(title);
  });
});
