import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RELEASE_SNAPSHOT_FORMAT,
  resumeRelease,
  startRelease,
  type ReleaseHandle,
} from '../../../../src-main/engine/runner/release-runner.ts';
import type { ReleaseOps } from '../../../../src-main/ports/release.port.ts';
import {
  ReleaseSnapshotSchema,
  type ReleaseSnapshot,
} from '../../../../src-shared/release/release.schema.ts';
import { canaryPlan, createHarness, type Harness } from './release-harness.ts';

let h: Harness;
const handles: ReleaseHandle[] = [];
beforeEach(async () => {
  h = await createHarness({ journal: 'file' });
});
afterEach(async () => {
  for (const x of handles.splice(0)) await x.stop();
  await h.cleanup();
});
const track = (x: ReleaseHandle) => (handles.push(x), x);
const is = (status: ReleaseSnapshot['status']) => (s: ReleaseSnapshot) => s.status === status;
const MIN = 60_000;

/**
 * Wraps the fake so that the `nth` mutating call (0-based) "crashes" the run: the run is stopped and the
 * call never returns, either before the fake applied it or after. Like a killed process, nothing after
 * that point reaches the journal.
 */
function crashAt(nth: number, when: 'before' | 'after', onCrash: () => void): ReleaseOps {
  const mutating = new Set(['ensureCanary', 'setCanaryWeight', 'promoteCanary', 'abortCanary']);
  let seen = 0;
  return new Proxy(h.ops, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || !mutating.has(String(prop))) return value;
      return async (...args: unknown[]) => {
        if (seen++ !== nth) return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (when === 'after') await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        onCrash();
        return new Promise(() => undefined);
      };
    },
  });
}

describe('release runner', () => {
  it('journals the state before every cluster mutation, naming who, what and why', async () => {
    const seen: { op: string; journaled: number }[] = [];
    const ops = new Proxy(h.ops, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function' || !['setCanaryWeight', 'promoteCanary'].includes(String(prop)))
          return value;
        return async (...args: unknown[]) => {
          const loaded = await (await h.journal.open('journaled')).load();
          seen.push({ op: String(prop), journaled: loaded.entries.filter((e) => e.what === prop).length });
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    const handle = track(await startRelease({ ...h.deps, ops, plan: canaryPlan(), releaseId: 'journaled' }));
    await h.runUntil(handle, is('completed'));
    expect(seen).toEqual([
      { op: 'setCanaryWeight', journaled: 1 },
      { op: 'setCanaryWeight', journaled: 2 },
      { op: 'promoteCanary', journaled: 1 },
    ]);
    const loaded = await (await h.journal.open('journaled')).load();
    expect(loaded.record.status).toBe('succeeded');
    const weight = loaded.entries.find((e) => e.what === 'setCanaryWeight');
    expect(weight?.who).toEqual({ user: 'alice', context: 'sandbox' });
    expect(weight?.why).toBe('step 1: send 10 % of traffic to the canary');
    expect(loaded.entries.filter((e) => e.what === 'promote').map((e) => e.why)).toContain(
      'All 5 steps passed; promoting v1.25.0 to all traffic.',
    );
    expect(ReleaseSnapshotSchema.parse(handle.getSnapshot()).traffic).toEqual({
      intended: { stable: 100, canary: 0 },
      actual: { stable: 100, canary: 0 },
      source: 'fake router',
      mismatch: false,
    });
  });

  it('restores a release stopped mid-pause and waits only the remainder of the pause', async () => {
    const first = track(await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'mid-pause' }));
    const paused = await h.runUntil(first, (s) => s.currentStep === 1 && s.waitUntilMs !== null);
    const pauseEnds = paused.waitUntilMs as number;
    const t0 = h.clock.now();
    expect(pauseEnds - t0).toBe(10 * MIN);
    await h.runUntil(first, () => h.clock.now() >= t0 + 4 * MIN);
    await first.stop();

    const resumed = track(await resumeRelease({ ...h.deps, releaseId: 'mid-pause' }));
    expect(resumed.getSnapshot().currentStep).toBe(1);
    expect(resumed.getSnapshot().waitUntilMs).toBe(pauseEnds);
    await h.runUntil(resumed, (s) => s.currentStep === 2);
    expect(h.clock.now()).toBe(t0 + 10 * MIN);
    await h.runUntil(resumed, is('completed'));
    expect(h.ops.writesOf('setCanaryWeight').map((w) => w.args[0])).toEqual([10, 50]);
    const loaded = await (await h.journal.open('mid-pause')).load();
    expect(loaded.entries.filter((e) => e.what === 'resume')).toHaveLength(1);
  });

  it.each([
    [0, 'before'],
    [0, 'after'],
    [1, 'before'],
    [1, 'after'],
    [2, 'before'],
    [2, 'after'],
    [3, 'before'],
    [3, 'after'],
  ] as const)(
    // The in-memory journal keeps only what was written before the crash, as the file journal would.
    'resumes after a crash at mutation %i (%s it applied) and applies every change exactly once',
    async (nth, when) => {
      await h.cleanup();
      h = await createHarness({ journal: 'memory' });
      let crashed!: () => void;
      const crash = new Promise<void>((r) => (crashed = r));
      const ops = crashAt(nth, when, () => {
        void first.stop().then(crashed);
      });
      const first: ReleaseHandle = track(
        await startRelease({ ...h.deps, ops, plan: canaryPlan(), releaseId: `crash-${nth}-${when}` }),
      );
      const driving = h.runUntil(first, is('completed')).catch(() => undefined);
      await crash;
      await driving;
      const resumed = track(await resumeRelease({ ...h.deps, releaseId: `crash-${nth}-${when}` }));
      await h.runUntil(resumed, is('completed'));
      expect(h.ops.writes.map((w) => `${w.op}(${w.args.join(',')})`)).toEqual([
        'ensureCanary(registry.platform.com/workflow-engine:v1.25.0,v1.25.0)',
        'setCanaryWeight(10)',
        'setCanaryWeight(50)',
        'promoteCanary(registry.platform.com/workflow-engine:v1.25.0)',
      ]);
    },
  );

  it('stops a headless run when the release pauses, and the release resumes from the journal', async () => {
    h.analysis.set('error-rate', {
      kind: 'inconclusive',
      reason: 'unreachable',
      message: 'Prometheus did not answer.',
    });
    const first = track(
      await startRelease({
        ...h.deps,
        plan: canaryPlan({ rollbackTriggers: [] }),
        releaseId: 'headless',
        stopWhenPaused: true,
      }),
    );
    await h.runUntil(first, is('paused'));
    const outcome = await first.done;
    expect(outcome.kind).toBe('paused');
    expect(outcome.reason).toMatch(
      /^Analysis of step 3 was inconclusive: error-rate \(quick\): inconclusive 2 > inconclusiveLimit 1/,
    );
    expect((await h.journal.listReleases({ unfinishedOnly: true })).map((r) => r.releaseId)).toEqual([
      'headless',
    ]);

    h.analysis.set('error-rate', 0.001);
    const resumed = track(await resumeRelease({ ...h.deps, releaseId: 'headless' }));
    expect(resumed.getSnapshot().status).toBe('paused');
    resumed.send({ type: 'RESUME', reason: 'Prometheus is back' });
    await h.runUntil(resumed, is('completed'));
    expect((await resumed.done).kind).toBe('completed');
  });

  it('a release that completes after a failed promotion is not explained by that failure', async () => {
    h.ops.failNext('promoteCanary', 'conflict');
    const handle = track(
      await startRelease({
        ...h.deps,
        plan: canaryPlan({ rollbackTriggers: [] }),
        releaseId: 'promote-retry',
      }),
    );
    const paused = await h.runUntil(handle, is('paused'));
    expect(paused.pause?.message).toMatch(
      /^Promoting the canary failed \(The fake cluster refused promoteCanary/,
    );
    handle.send({ type: 'RESUME' });
    await h.runUntil(handle, is('completed'));
    const outcome = await handle.done;
    expect(outcome.kind).toBe('completed');
    expect(outcome.reason).not.toMatch(/failed/);
    expect(outcome.reason).toMatch(/promoting v1\.25\.0 to all traffic/);
  });

  it('refuses a snapshot written by another machine snapshot version', async () => {
    await h.journal.create(
      {
        releaseId: 'old',
        context: 'sandbox',
        namespace: 'platform-production',
        strategy: 'canary',
        planName: 'p',
        startedAtMs: 0,
      },
      { format: RELEASE_SNAPSHOT_FORMAT, version: 99, machine: 'canary', plan: canaryPlan(), xstate: null },
    );
    await expect(resumeRelease({ ...h.deps, releaseId: 'old' })).rejects.toThrow(
      'Release old was saved by a build with machine snapshot version 99; this build reads version 1.',
    );
  });

  it('rejects an event that is not an operator event', async () => {
    const handle = track(await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'bad-event' }));
    expect(() => handle.send({ type: 'EXPLODE' } as never)).toThrow('"EXPLODE" is not an operator event.');
  });
});
