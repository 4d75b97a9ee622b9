import { describe, expect, it } from 'vitest';
import { sleepReport, spokenDuration } from '../../../src-main/app/sleep-report.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import { canaryPlan } from '../engine/runner/release-harness.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 26, 14, 0, 0);
const gap = { fromMs: T0, toMs: T0 + 30 * MIN, sleptMs: 30 * MIN };

function plan(): ReleasePlan {
  return canaryPlan({
    strategy: {
      kind: 'canary',
      steps: [{ setWeight: 10 }, { pause: { duration: '10m' } }, { analysis: { templates: ['health'] } }],
    },
    analysis: {
      templates: [
        {
          name: 'health',
          metrics: [
            {
              name: 'errors',
              kind: 'error-rate',
              interval: '1m',
              count: 5,
              successCondition: { op: '<', threshold: 0.01 },
            },
            {
              name: 'p95',
              kind: 'latency-p95',
              interval: '5m',
              count: 3,
              successCondition: { op: '<', threshold: 500 },
            },
          ],
        },
      ],
    },
    rollbackTriggers: [],
  });
}

function snap(
  step: number,
  waitUntilMs: number | null,
  status: ReleaseSnapshot['status'] = 'running',
): ReleaseSnapshot {
  const labels = ['set weight 10 %', 'pause 10m', 'analysis health'];
  return {
    id: 'r1',
    planName: 'workflow-engine-canary',
    strategy: 'canary',
    phase: 'running.steps',
    status,
    pause: null,
    currentStep: step,
    steps: labels.map((label, index) => ({
      index,
      label,
      state: index < step ? 'done' : index === step ? 'active' : 'pending',
    })),
    traffic: { intended: { stable: 90, canary: 10 }, actual: null, source: null, mismatch: false },
    decisions: [],
    samples: [],
    startedAtMs: T0 - 5 * MIN,
    updatedAtMs: T0,
    finishedAtMs: null,
    waitUntilMs,
  };
}

describe('sleepReport', () => {
  it.each([
    {
      name: 'a pause that ended during the sleep',
      before: snap(1, T0 + 4 * MIN),
      after: snap(2, T0 + 30 * MIN),
      says: [
        /^The computer slept for 30 min, from 14:00:00 UTC to 14:30:00 UTC\. workflow-engine-canary was running at step 2 \(pause 10m\)\.$/m,
        /^The 10m pause at step 2 \(pause 10m\) was due to end at 14:04:00 UTC, during the sleep; the sleep counts as elapsed time, so the release moved on to step 3 \(analysis health\)\.$/m,
        /^Check the service's dashboards for 14:00:00 UTC–14:30:00 UTC/m,
      ],
      not: [/Analysis measurements/, /rehearsal/],
      pending: [],
      missed: {},
    },
    {
      name: 'an analysis whose measurements fell due while asleep',
      before: snap(2, T0 + 2 * MIN),
      after: snap(2, T0 + 31 * MIN),
      says: [
        /^Analysis measurements fell due during the sleep and were not taken \(health\/errors: 29, health\/p95: 6\); nothing is filled in for them: a missing measurement counts as neither a pass nor a failure/m,
        /^The wait at step 3 \(analysis health\) was due to end at 14:02:00 UTC, during the sleep; the sleep counts as elapsed time, so the release went on from there and is at step 3 \(analysis health\)\.$/m,
      ],
      not: [/moved on/],
      // As the runner reports them: each metric keeps its own schedule.
      pending: [
        { key: 'health/errors', nextAtMs: T0 + 2 * MIN, intervalMs: MIN },
        { key: 'health/p95', nextAtMs: T0 + 4 * MIN, intervalMs: 5 * MIN },
        { key: 'health/later', nextAtMs: T0 + 31 * MIN, intervalMs: MIN },
      ],
      missed: { 'health/errors': 29, 'health/p95': 6 },
    },
    {
      name: 'a wait that outlasts the sleep',
      before: snap(1, T0 + 45 * MIN),
      after: snap(1, T0 + 45 * MIN),
      says: [
        /^The sleep counted toward the wait at step 2 \(pause 10m\), which now ends at 14:45:00 UTC\.$/m,
      ],
      not: [/due to end/, /Analysis measurements/],
      pending: [],
      missed: {},
    },
  ])('$name', ({ before, after, says, not, pending, missed }) => {
    const r = sleepReport({
      gap,
      plan: plan(),
      before,
      pending,
      after,
      wokeAtMs: T0 + 30 * MIN,
      rehearsal: false,
      timeZone: 'UTC',
    });
    expect(r.title).toBe('The computer slept for 30 min');
    for (const re of says) expect(r.body).toMatch(re);
    for (const re of not) expect(r.body).not.toMatch(re);
    expect(r.data.missedMeasurements).toEqual(missed);
    expect(r.data).toMatchObject({ sleptMs: 30 * MIN, before: { step: before.currentStep } });
  });

  it('names a pause that began on waking', () => {
    const after = {
      ...snap(2, null, 'paused'),
      pause: {
        cause: 'cluster-unreachable' as const,
        message: 'The cluster could not be reached.',
        sinceMs: T0,
      },
    };
    const r = sleepReport({
      gap,
      plan: plan(),
      before: snap(1, T0 + MIN),
      pending: [],
      after,
      wokeAtMs: T0 + 30 * MIN,
      rehearsal: true,
      timeZone: 'UTC',
    });
    // The computer's sleep is wall-clock time; the release's wait is on the sandbox's compressed clock.
    expect(r.body).toMatch(/^The computer slept for 30 min, from 14:00:00 UTC to 14:30:00 UTC\./m);
    expect(r.body).toMatch(/was due to end at sim 14:01:00, during the sleep/);
    expect(r.body).toMatch(/^It is now paused: The cluster could not be reached\.$/m);
    expect(r.body).toMatch(/moved on to step 3 \(analysis health\), paused\./);
    expect(r.body).toMatch(/^This is a rehearsal: the sandbox slept too/m);
  });
});

describe('spokenDuration', () => {
  it.each([
    [45_000, '45 s'],
    [30 * MIN, '30 min'],
    [89 * MIN, '89 min'],
    [125 * MIN, '2 h 5 min'],
    [180 * MIN, '3 h'],
  ])('%i ms is "%s"', (ms, text) => expect(spokenDuration(ms)).toBe(text));
});
