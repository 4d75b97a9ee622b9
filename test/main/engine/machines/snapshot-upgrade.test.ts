import { createActor, fromPromise, type Snapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { blueGreenMachine } from '../../../../src-main/engine/machines/blue-green.machine.ts';
import { createCanaryMachine } from '../../../../src-main/engine/machines/canary.machine.ts';
import type { OpInput, OpOutput } from '../../../../src-main/engine/machines/release-common.ts';
import { rollingMachine } from '../../../../src-main/engine/machines/rolling.machine.ts';
import { upgradePersistedSnapshot } from '../../../../src-main/engine/machines/snapshot-upgrade.ts';
import { assessMeasurements } from '../../../../src-shared/stats/threshold-analysis.ts';
import { blueGreenPlan, canaryPlan, rollingPlan } from '../runner/release-harness.ts';

type Persisted = Snapshot<unknown> & {
  value: unknown;
  context: Record<string, unknown>;
  children: Record<string, unknown>;
};

type Op = 'setImage' | 'activeColour' | 'setCanaryWeight' | 'ensureCanary' | 'scaleForWeight';
/** A cluster operation that never returns. */
const pending = <K extends Op>() => fromPromise<OpOutput<K>, OpInput<K>>(() => new Promise(() => undefined));
/** A cluster operation that returns `result` at once, at time 1. */
const returns = <K extends Op>(result: OpOutput<K>['result']) =>
  fromPromise<OpOutput<K>, OpInput<K>>(() => Promise.resolve({ atMs: 1, result }));
const triggers = [{ metric: 'pod-restarts' as const, op: '>=' as const, threshold: 3, for: '5m' }];

/** A snapshot as the build before the trigger regions wrote it: `live.<stage>`, no trigger fields. */
function asSavedBefore(p: Persisted, machineId: string): Persisted {
  const old = structuredClone(p);
  old.value = { live: (p.value as { live: { steps: unknown } }).live.steps };
  delete old.context.triggers;
  delete old.context.firedTrigger;
  old.children = Object.fromEntries(
    Object.entries(p.children).map(([id, c]) => [
      id.replace(`${machineId}.live.steps.`, `${machineId}.live.`),
      c,
    ]),
  );
  return old;
}

const cases = [
  {
    name: 'rolling',
    id: 'rolling',
    machine: rollingMachine.provide({ actors: { setImage: pending<'setImage'>() } }),
    input: { releaseId: 'r', plan: rollingPlan({ rollbackTriggers: triggers }) },
    stage: 'setting',
  },
  {
    name: 'blue-green',
    id: 'blueGreen',
    machine: blueGreenMachine.provide({ actors: { activeColour: pending<'activeColour'>() } }),
    input: { releaseId: 'b', plan: blueGreenPlan({ rollbackTriggers: triggers }) },
    stage: 'locating',
  },
];

describe('upgradePersistedSnapshot', () => {
  it.each(cases)(
    'restores a $name release saved before the trigger watch at its stage',
    ({ id, machine, input, stage }) => {
      const actor = createActor(machine, { input });
      actor.start();
      const current = actor.getPersistedSnapshot() as Persisted;
      actor.stop();
      const old = asSavedBefore(current, id);
      // Not started: a started actor would report the error asynchronously.
      const before = createActor(machine, { snapshot: old, input }).getSnapshot();
      expect(before.status).toBe('error');
      expect(String(before.error)).toMatch(/does not exist/);

      const upgraded = upgradePersistedSnapshot(old);
      expect(upgraded).toEqual(current);
      const restored = createActor(machine, { snapshot: upgraded, input });
      restored.start();
      expect(restored.getSnapshot().value).toEqual({ live: { steps: stage, guard: 'arming' } });
      restored.stop();
    },
  );

  it('leaves a current snapshot, and one of another strategy, as they are', () => {
    const actor = createActor(cases[0]!.machine, { input: cases[0]!.input });
    actor.start();
    const current = actor.getPersistedSnapshot();
    actor.stop();
    expect(upgradePersistedSnapshot(current)).toEqual(current);
    const canaryLike = {
      value: { running: { steps: 'next' } },
      context: { plan: { strategy: { kind: 'canary' } } },
    };
    expect(upgradePersistedSnapshot(canaryLike)).toEqual(canaryLike);
  });

  it('restores a canary saved while setting a weight, before weight steps waited for ready pods', async () => {
    const machine = createCanaryMachine(assessMeasurements).provide({
      actors: {
        now: fromPromise(() => Promise.resolve({ atMs: 1 })),
        ensureCanary: returns<'ensureCanary'>(undefined),
        scaleForWeight: returns<'scaleForWeight'>({ replicas: 0 }),
        setCanaryWeight: pending<'setCanaryWeight'>(),
      },
    });
    const input = { releaseId: 'c', plan: canaryPlan() };
    const actor = createActor(machine, { input });
    actor.start();
    await new Promise<void>((resolve) =>
      actor.subscribe((s) => {
        if (JSON.stringify(s.value).includes('"setting"')) resolve();
      }),
    );
    const current = actor.getPersistedSnapshot() as Persisted;
    actor.stop();
    const old = structuredClone(current);
    (old.value as { running: { steps: unknown } }).running.steps = 'weight';
    old.children = Object.fromEntries(
      Object.entries(current.children).map(([id, c]) => [id.replace(/\.weight\.setting$/, '.weight'), c]),
    );
    expect(Object.keys(old.children)).toContain('0.canary.running.steps.weight');

    const upgraded = upgradePersistedSnapshot(old);
    expect(upgraded).toEqual(current);
    const restored = createActor(machine, { snapshot: upgraded, input });
    restored.start();
    expect(restored.getSnapshot().value).toMatchObject({ running: { steps: { weight: 'setting' } } });
    restored.stop();
  });

  it('upgrades the strategy child of a migration wrapper', () => {
    const wrapped = {
      value: 'strategy',
      context: { plan: { strategy: { kind: 'rolling' } } },
      children: {
        strategy: {
          src: 'strategy',
          snapshot: {
            value: { live: { following: 'sleeping' } },
            context: { plan: { strategy: { kind: 'rolling' } } },
            children: { '0.rolling.live.following.sleeping': { src: 'wait' } },
          },
        },
      },
    };
    const inner = upgradePersistedSnapshot(wrapped).children.strategy.snapshot;
    expect(inner.value).toEqual({ live: { steps: { following: 'sleeping' }, guard: 'arming' } });
    expect(Object.keys(inner.children)).toEqual(['0.rolling.live.steps.following.sleeping']);
    expect(inner.context).toMatchObject({ triggers: [], firedTrigger: null });
    expect(wrapped.children.strategy.snapshot.value).toEqual({ live: { following: 'sleeping' } });
  });
});
