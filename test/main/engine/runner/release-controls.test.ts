import { afterEach, describe, expect, it } from 'vitest';
import { startRelease, type ReleaseHandle } from '../../../../src-main/engine/runner/release-runner.ts';
import { planCommands } from '../../../../src-shared/plan/plan-commands.ts';
import type { ReleasePlan, ReleasePlanInput } from '../../../../src-shared/plan/plan.schema.ts';
import { CONTROL_EVENTS, type ReleaseSnapshot } from '../../../../src-shared/release/release.schema.ts';
import {
  abPlan,
  blueGreenPlan,
  canaryPlan,
  createHarness,
  rollingPlan,
  type Harness,
} from './release-harness.ts';

/**
 * Abort and roll back, table-tested over every state a release stops in. Each scenario is first driven to its
 * end by an operator who resumes, confirms and promotes wherever the release waits for one, recording every
 * state it rests in; then, for each of those states, a fresh release is driven there and aborted (and, in
 * another run, rolled back), and must end at once without waiting for anything.
 */

const canaryWithPauses: Partial<ReleasePlanInput> = {
  strategy: {
    kind: 'canary',
    steps: [
      { setWeight: 10 },
      { pause: {} },
      { analysis: { templates: ['quick'] } },
      { setWeight: 50 },
      { pause: { duration: '10m' } },
    ],
  },
};

const migration = {
  expand: { action: { kind: 'manual' as const, instructions: 'Add the nullable column.' } },
  contract: { action: { kind: 'job' as const, command: ['migrate', 'contract'] } },
};

interface Scenario {
  name: string;
  plan: () => ReleasePlan;
  /** Faults and numbers set before the release starts, so that it also rests in its paused states. */
  prepare?: (h: Harness) => void;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'canary',
    plan: () => canaryPlan(canaryWithPauses),
    prepare: (h) => {
      h.ops.failNext('setCanaryWeight', 'unreachable');
      h.ops.failNext('promoteCanary', 'unreachable');
    },
  },
  {
    name: 'blue-green',
    plan: () => blueGreenPlan(),
    prepare: (h) => h.ops.failNext('warmup', 'unreachable'),
  },
  { name: 'rolling', plan: () => rollingPlan(), prepare: (h) => h.ops.failNext('setImage', 'unreachable') },
  {
    name: 'ab-test',
    plan: abPlan,
    prepare: (h) => {
      h.ops.failNext('routeExperiment', 'unreachable');
      h.analysis
        .setQuery('conversions_total{variant="control"}', 1000)
        .setQuery('conversions_total{variant="treatment"}', 1300)
        .setQuery('sessions_total', 10_000);
    },
  },
  { name: 'migration:canary', plan: () => canaryPlan({ ...canaryWithPauses, migration }) },
  { name: 'migration:rolling', plan: () => rollingPlan({ migration }) },
];

const ENDED = new Set<ReleaseSnapshot['status']>(['completed', 'aborted', 'rolledBack', 'failed']);
/** A machine state path such as `running.steps.held`; no sentence for people may contain one. */
const STATE_PATH = /\b[a-z]+[A-Za-z]*\.[a-z]+[A-Za-z]*\b/;

const harnesses: Harness[] = [];
const handles: ReleaseHandle[] = [];
afterEach(async () => {
  for (const handle of handles.splice(0)) await handle.stop();
  for (const h of harnesses.splice(0)) await h.cleanup();
});

async function launch(scenario: Scenario) {
  const h = await createHarness();
  harnesses.push(h);
  scenario.prepare?.(h);
  const plan = scenario.plan();
  const handle = await startRelease({
    ...h.deps,
    plan,
    confirmedCommands: planCommands(plan).digest,
    releaseId: `controls-${scenario.name.replace(':', '-')}`,
  });
  handles.push(handle);
  const seen: ReleaseSnapshot[] = [];
  handle.subscribe((s) => seen.push(s));
  return { h, handle, seen };
}

/**
 * Drives the release as an operator who continues wherever it waits for one, and lets time pass otherwise.
 * Returns the snapshot of every state it rested in, in order; stops early after `stopAfter` resting states.
 */
async function drive(h: Harness, handle: ReleaseHandle, stopAfter = Infinity): Promise<ReleaseSnapshot[]> {
  const rests: ReleaseSnapshot[] = [];
  for (let turn = 0; turn < 500; turn++) {
    await h.settle(handle);
    const s = handle.getSnapshot();
    if (ENDED.has(s.status)) return rests;
    rests.push(s);
    if (rests.length >= stopAfter) return rests;
    const controls = s.controls;
    if (!controls) throw new Error('The projection carries no controls.');
    if (controls.CONFIRM.enabled) handle.send({ type: 'CONFIRM' });
    else if (s.status === 'paused' && controls.RESUME.enabled) handle.send({ type: 'RESUME' });
    else if (s.status === 'paused' && controls.PROMOTE.enabled) handle.send({ type: 'PROMOTE' });
    else {
      const due = h.clock.nextDue();
      if (due === null) throw new Error(`The release rests in ${s.phase} with nothing to wait for.`);
      h.clock.set(due);
    }
  }
  throw new Error('The release did not end within 500 turns.');
}

/** The resting states of a scenario driven to its end, one per distinct state, with their turn. */
async function restingStates(scenario: Scenario): Promise<{ turn: number; snapshot: ReleaseSnapshot }[]> {
  const { h, handle } = await launch(scenario);
  const rests = await drive(h, handle);
  const firsts = new Map<string, number>();
  rests.forEach((s, turn) => {
    if (!firsts.has(s.phase)) firsts.set(s.phase, turn);
  });
  if (process.env.SHOW_STATES) console.log(scenario.name, [...firsts.keys()]);
  return [...firsts.values()].map((turn) => ({ turn, snapshot: rests[turn] as ReleaseSnapshot }));
}

describe.each(SCENARIOS)('$name: abort and roll back in every state', (scenario) => {
  it('rests in its paused states on the way and completes', async () => {
    const { h, handle, seen } = await launch(scenario);
    await drive(h, handle);
    await h.settle(handle);
    expect(handle.getSnapshot().status).toBe('completed');
    expect(seen.some((s) => s.status === 'paused')).toBe(true);
    // Every projection on the way: every action is either enabled or says why not, in words.
    for (const s of seen) {
      for (const type of CONTROL_EVENTS) {
        const c = s.controls?.[type];
        expect(c, `${type} in ${s.phase}`).toBeDefined();
        if (!c?.enabled) {
          expect(c?.reason, `${type} in ${s.phase}`).toMatch(/\w/);
          expect(c?.reason, `${type} in ${s.phase}`).not.toMatch(STATE_PATH);
        }
      }
    }
    // Once completed, nothing is left to do on the run screen: roll back lives in History.
    const end = handle.getSnapshot();
    for (const type of CONTROL_EVENTS) expect(end.controls?.[type].enabled).toBe(false);
    expect(end.controls?.ROLLBACK.reason).toBe('The release completed; roll it back from History.');
  });

  for (const type of ['ABORT', 'ROLLBACK'] as const) {
    it(`takes ${type} at once in every state it rests in`, async () => {
      const states = await restingStates(scenario);
      expect(states.length).toBeGreaterThan(1);
      for (const { turn, snapshot } of states) {
        const where = `${type} in ${snapshot.phase}`;
        const { h, handle } = await launch(scenario);
        const rests = await drive(h, handle, turn + 1);
        expect(rests.at(-1)?.phase, where).toBe(snapshot.phase);
        const atContractGate = /^contract\./.test(snapshot.phase);
        if (type === 'ROLLBACK' && atContractGate) {
          // The strategy completed: there is nothing live to roll back, and the control says so.
          expect(rests.at(-1)?.controls?.ROLLBACK, where).toEqual({
            enabled: false,
            reason: expect.stringMatching(
              /^Roll back does not apply now: the release is paused at step \d of \d/,
            ),
          });
          expect(() => handle.send({ type })).toThrow(/^Roll back does not apply now/);
          continue;
        }
        expect(rests.at(-1)?.controls?.[type], where).toEqual({ enabled: true });
        const before = h.clock.now();
        handle.send({ type, reason: 'table test' });
        await h.settle(handle);
        const end = handle.getSnapshot();
        expect(h.clock.now(), `${where}: no time passed`).toBe(before);
        expect(end.status, where).toMatch(atContractGate ? /^completed$/ : /^(aborted|rolledBack)$/);
        // The operator's decision is recorded; a rolling update then ends with the engine's word that the undo finished.
        const last = end.decisions.findLast((d) => d.by !== 'engine');
        expect(last?.by, where).toBe('alice');
        expect(last?.summary, where).toMatch(/\(table test\)\.$/);
        await handle.stop();
      }
    });
  }
});
