import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor, type Snapshot } from 'xstate';
import { createCanaryMachine } from '../../../../src-main/engine/machines/canary.machine.ts';
import type { OpInput, OpOutput } from '../../../../src-main/engine/machines/release-common.ts';
import { upgradePersistedSnapshot } from '../../../../src-main/engine/machines/snapshot-upgrade.ts';
import type { WorkloadState } from '../../../../src-main/ports/release.port.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import { assessMeasurements } from '../../../../src-shared/stats/threshold-analysis.ts';

// Saved by the build before the machines named their actions and guards (commit 04e51b0): a canary at its
// first weight step, waiting for 2 ready canary pods (0 ready so far) until 601000.
const saved = JSON.parse(
  readFileSync(new URL('./fixtures/canary-waiting-for-pods.json', import.meta.url), 'utf8'),
) as Snapshot<unknown> & { context: { plan: ReleasePlan } };

const ready = (n: number): WorkloadState => ({
  desired: 2,
  current: 2,
  ready: n,
  updated: 2,
  available: n,
  image: 'registry.platform.com/workflow-engine:v1.25.0',
  revision: 1,
  restarts: 0,
  failingPods: 0,
  progressDeadlineExceeded: false,
});

describe('a canary saved by an earlier build', () => {
  it('restores in its ready-pods wait and sends the weight once the pods are ready', async () => {
    const weights: number[] = [];
    const machine = createCanaryMachine(assessMeasurements).provide({
      actors: {
        now: fromPromise<{ atMs: number }, void>(() => Promise.resolve({ atMs: 3_000 })),
        wait: fromPromise<{ atMs: number }, { untilMs: number }>(({ input }) =>
          Promise.resolve({ atMs: input.untilMs }),
        ),
        workloadState: fromPromise<OpOutput<'workloadState'>, OpInput<'workloadState'>>(() =>
          Promise.resolve({ atMs: 3_000, result: ready(2) }),
        ),
        setCanaryWeight: fromPromise<OpOutput<'setCanaryWeight'>, OpInput<'setCanaryWeight'>>(({ input }) => {
          weights.push(input.args[0]);
          return Promise.resolve({
            atMs: 3_000,
            result: { weights: { stable: 100 - input.args[0], canary: input.args[0] }, source: 'fake' },
          });
        }),
      },
    });
    const actor = createActor(machine, {
      snapshot: upgradePersistedSnapshot(saved),
      input: { releaseId: 'fixture', plan: saved.context.plan },
    });
    actor.start();
    expect(actor.getSnapshot().status).toBe('active');
    // The next step is a timed pause: the weight was set and the release moved on.
    const paused = await waitFor(actor, (s) => s.matches({ running: { steps: 'pause' } }));
    actor.stop();
    expect(weights).toEqual([10]);
    expect(paused.context).toMatchObject({
      stepIndex: 1,
      intended: { stable: 90, canary: 10 },
      readyNeed: null,
      readyDeadlineMs: null,
    });
  });
});
