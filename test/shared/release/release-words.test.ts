import { describe, expect, it } from 'vitest';
import {
  disabledReason,
  stateWords,
  stepWords,
  type ReleaseWhere,
} from '../../../src-shared/release/release-words.ts';

const steps = ['set weight 10 %', 'pause until promoted', 'analysis quick', 'set weight 50 %'].map(
  (label, index) => ({ index, label, state: 'pending' as const }),
);
const at = (
  status: ReleaseWhere['status'],
  currentStep: number | null,
  cause?: NonNullable<ReleaseWhere['pause']>['cause'],
): ReleaseWhere => ({
  status,
  currentStep,
  steps,
  pause: cause ? { cause, message: 'paused', sinceMs: 0 } : null,
});

describe('stepWords and stateWords', () => {
  it.each([
    [at('running', 2), 'step 3 of 4 (analysis quick)', 'running step 3 of 4 (analysis quick)'],
    [
      at('paused', 1, 'step-pause'),
      'step 2 of 4 (pause until promoted)',
      'paused at step 2 of 4 (pause until promoted)',
    ],
    [at('running', null), '', 'running'],
    [at('paused', null, 'cluster-error'), '', 'paused'],
    [at('completed', null), '', 'completed'],
    [at('rolledBack', null), '', 'rolled back'],
  ])('%j → %s / %s', (where, step, state) => {
    expect(stepWords(where)).toBe(step);
    expect(stateWords(where)).toBe(state);
  });
});

describe('disabledReason', () => {
  it.each([
    [
      'RESUME',
      at('running', 2),
      undefined,
      'Nothing to resume: the release is running step 3 of 4 (analysis quick).',
    ],
    [
      'PAUSE',
      at('paused', 1, 'step-pause'),
      undefined,
      'The release is already paused at step 2 of 4 (pause until promoted).',
    ],
    [
      'CONFIRM',
      at('running', 0),
      undefined,
      'No gate waits for a confirmation: the release is running step 1 of 4 (set weight 10 %).',
    ],
    [
      'PROMOTE',
      at('paused', 0, 'gate'),
      undefined,
      'The release waits at a migration gate: confirm it, or abort.',
    ],
    [
      'RESUME',
      at('paused', 0, 'gate'),
      undefined,
      'The release waits at a migration gate: confirm it, or abort.',
    ],
    ['ROLLBACK', at('completed', null), undefined, 'The release completed; roll it back from History.'],
    ['PAUSE', at('completed', null), undefined, 'The release completed; roll it back from History.'],
    ['RESUME', at('aborted', null), undefined, 'The release was aborted; nothing is left to control here.'],
    [
      'ABORT',
      at('running', null),
      'promoting the canary to all traffic',
      'Abort does not apply now: the release is promoting the canary to all traffic.',
    ],
    [
      'ROLLBACK',
      at('paused', 3, 'gate'),
      undefined,
      'Roll back does not apply now: the release is paused at step 4 of 4 (set weight 50 %).',
    ],
    [
      'PAUSE',
      { ...at('running', 2), strategy: 'migration:blue-green' },
      undefined,
      'A blue-green release cannot be paused: abort or roll back to stop it.',
    ],
    [
      'PAUSE',
      { ...at('running', 2), strategy: 'migration:flag-after:rolling' },
      undefined,
      'A rolling release cannot be paused: abort or roll back to stop it.',
    ],
    [
      'PAUSE',
      { ...at('running', 2), strategy: 'ab-test' },
      undefined,
      'An ab-test release cannot be paused: abort or roll back to stop it.',
    ],
    [
      'PAUSE',
      { ...at('running', 2), strategy: 'canary' },
      undefined,
      'This step cannot be paused: the release is running step 3 of 4 (analysis quick).',
    ],
  ] as const)('%s when %j (busy %s) → %s', (event, where, busy, reason) => {
    expect(disabledReason(event, where, busy)).toBe(reason);
  });
});
