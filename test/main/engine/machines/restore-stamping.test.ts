import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor, type AnyStateMachine, type Snapshot } from 'xstate';
import { createCanaryMachine } from '../../../../src-main/engine/machines/canary.machine.ts';
import { createFlagRolloutMachine } from '../../../../src-main/engine/machines/flag-rollout.machine.ts';
import { upgradePersistedSnapshot } from '../../../../src-main/engine/machines/snapshot-upgrade.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import { assessMeasurements } from '../../../../src-shared/stats/threshold-analysis.ts';

// Saved by the builds before the "stamping" states (ask the clock once, note the time) were one factory: each
// release was journaled while it waited for the clock's answer in such a state (commit d35599f; the rollback
// trigger watch's by the next commit, where that one was still written out by hand).
type Saved = Snapshot<unknown> & { context: { plan: ReleasePlan } };
const saved = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Saved;

const NOW = 10_000;

/** Restores `fixture` into `machine` whose clock reads NOW and whose waits never end, and settles it. */
async function restored(machine: AnyStateMachine, fixture: Saved, settled: Record<string, unknown>) {
  const actor = createActor(
    machine.provide({
      actors: {
        now: fromPromise<{ atMs: number }, void>(() => Promise.resolve({ atMs: NOW })),
        wait: fromPromise<{ atMs: number }, { untilMs: number }>(() => new Promise(() => {})),
      },
    }),
    {
      snapshot: upgradePersistedSnapshot(fixture),
      input: { releaseId: 'fixture', plan: fixture.context.plan },
    },
  );
  actor.start();
  try {
    return await waitFor(actor, (s) => s.matches(settled), { timeout: 5_000 });
  } finally {
    actor.stop();
  }
}

const canary = () => createCanaryMachine(assessMeasurements);
const flagRamp = () => createFlagRolloutMachine(assessMeasurements);

describe('a release saved while it asked the clock for the time', () => {
  it.each([
    {
      what: 'a canary at its timed pause stamps the pause end, 10 minutes from the restored time',
      machine: canary,
      fixture: 'canary-stamping-pause',
      settled: { running: { steps: { pause: 'waiting' } } },
      context: { pauseUntilMs: NOW + 600_000 },
    },
    {
      what: 'a flag ramp at its timed pause stamps the pause end, 1 minute from the restored time',
      machine: flagRamp,
      fixture: 'flag-rollout-stamping-pause',
      settled: { running: { steps: { pausing: 'waiting' } } },
      context: { pauseUntilMs: NOW + 60_000 },
    },
    {
      what: 'a flag ramp at its analysis starts the run at the restored time',
      machine: flagRamp,
      fixture: 'flag-rollout-stamping-analysis',
      settled: { running: { steps: { analysis: 'waiting' } } },
      context: {
        analysis: {
          stepIndex: 1,
          status: 'running',
          metrics: [{ key: 'variant-health/error-rate', nextAtMs: NOW }],
        },
      },
    },
    {
      what: 'a flag ramp arming its rollback triggers schedules them from the restored time',
      machine: flagRamp,
      fixture: 'flag-rollout-stamping-triggers',
      settled: { running: { steps: 'untilPromoted', guard: 'waiting' } },
      context: { triggers: [{ trigger: { metric: 'error-rate' } }] },
    },
  ])('$what', async ({ machine, fixture, settled, context }) => {
    const s = await restored(machine(), saved(fixture), settled);
    expect(s.context).toMatchObject({ stepIndex: 1, nowMs: NOW, ...context });
  });
});
