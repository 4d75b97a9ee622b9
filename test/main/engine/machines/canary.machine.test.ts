import { beforeEach, describe, expect, it } from 'vitest';
import { startRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import { canaryPlan, statusIs as is, useHarness, type Harness } from '../runner/release-harness.ts';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness.h();
});

describe('canary machine', () => {
  it('walks every step on healthy numbers and ends with all traffic on the new version', async () => {
    const handle = harness.track(await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'good' }));
    const end = await h.runUntil(handle, is('completed'));
    expect(h.ops.weights).toEqual({ stable: 100, canary: 0 });
    expect(h.ops.stableImage).toBe('registry.platform.com/workflow-engine:v1.25.0');
    expect(h.ops.writesOf('setCanaryWeight').map((w) => w.args[0])).toEqual([10, 50]);
    expect(end.steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(end.decisions.filter((d) => d.cause === 'analysis-passed')).toHaveLength(2);
    expect(end.decisions.at(-1)?.summary).toMatch(/All 5 steps passed/);
    expect((await handle.done).kind).toBe('completed');
  });

  it('aborts on a failing metric, citing the query, the samples and the counter arithmetic', async () => {
    h.analysis.set('latency-p95', 800, 'v1.25.0');
    const handle = harness.track(await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'faulty' }));
    const end = await h.runUntil(handle, is('aborted'));
    expect(h.ops.weights).toEqual({ stable: 100, canary: 0 });
    expect(h.ops.canary?.replicas).toBe(0);
    const abort = end.decisions.find((d) => d.kind === 'abort');
    expect(abort?.cause).toBe('analysis-failed');
    expect(abort?.stepIndex).toBe(2);
    expect(abort?.summary).toContain('latency-p95 (quick): failed 4 > failureLimit 3');
    const evidence = abort?.evidence[0];
    expect(evidence?.metric).toBe('latency-p95');
    expect(evidence?.query).toContain('histogram_quantile(0.95');
    expect(evidence?.query).toContain('version="v1.25.0"');
    expect(evidence?.samples.map((s) => s.value)).toEqual([800, 800, 800, 800]);
    expect(evidence).toMatchObject({ op: '<', threshold: 500, result: 'failed' });
    expect(end.steps[2]?.state).toBe('failed');
    const outcome = await handle.done;
    expect(outcome.kind).toBe('aborted');
    expect(outcome.reason).toContain('failed 4 > failureLimit 3');
  });

  it('pauses instead of aborting when the plan says onFailure: pause, and RESUME re-measures', async () => {
    h.analysis.set('error-rate', 0.05, 'v1.25.0');
    const handle = harness.track(
      await startRelease({
        ...h.deps,
        plan: canaryPlan({ onFailure: 'pause', rollbackTriggers: [] }),
        releaseId: 'fail-pause',
      }),
    );
    const paused = await h.runUntil(handle, is('paused'));
    expect(paused.pause?.cause).toBe('analysis-failed');
    expect(h.ops.weights).toEqual({ stable: 90, canary: 10 });
    expect(h.ops.writesOf('abortCanary')).toHaveLength(0);
    h.analysis.set('error-rate', 0.001, 'v1.25.0');
    handle.send({ type: 'RESUME', reason: 'query fixed' });
    const end = await h.runUntil(handle, is('completed'));
    expect(end.decisions.some((d) => d.kind === 'resume' && d.by === 'alice')).toBe(true);
  });

  it.each([
    ['no series', { kind: 'inconclusive', reason: 'noData', message: 'The query returned no series.' }],
    [
      'Prometheus down',
      { kind: 'inconclusive', reason: 'unreachable', message: 'Prometheus did not answer.' },
    ],
  ] as const)('pauses on missing data (%s) and never promotes', async (_label, sample) => {
    h.analysis.set('error-rate', sample, 'v1.25.0');
    const handle = harness.track(await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'nodata' }));
    const paused = await h.runUntil(handle, is('paused'));
    expect(paused.pause?.cause).toBe('analysis-inconclusive');
    expect(paused.pause?.message).toContain('inconclusive 2 > inconclusiveLimit 1');
    expect(paused.decisions.some((d) => d.kind === 'promote')).toBe(false);
    // Hours later it still has not moved past the analysis step.
    h.clock.set(h.clock.now() + 3 * 3_600_000);
    await h.settle(handle);
    expect(handle.getSnapshot().currentStep).toBe(2);
    expect(h.ops.weights).toEqual({ stable: 90, canary: 10 });
    expect(h.ops.writesOf('promoteCanary')).toHaveLength(0);
  });

  it('aborts when onInconclusive is abort', async () => {
    h.analysis.set(
      'error-rate',
      { kind: 'inconclusive', reason: 'noData', message: 'No series.' },
      'v1.25.0',
    );
    const handle = harness.track(
      await startRelease({
        ...h.deps,
        plan: canaryPlan({ onInconclusive: 'abort' }),
        releaseId: 'inc-abort',
      }),
    );
    const end = await h.runUntil(handle, is('aborted'));
    expect(end.decisions.find((d) => d.kind === 'abort')?.cause).toBe('analysis-inconclusive');
  });

  it('keeps a bad query (error) apart from failures and missing data', async () => {
    h.analysis.set(
      'latency-p95',
      { kind: 'error', reason: 'badQuery', message: 'parse error at char 5' },
      'v1.25.0',
    );
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: canaryPlan({ rollbackTriggers: [] }), releaseId: 'err' }),
    );
    const end = await h.runUntil(handle, is('aborted'));
    const evidence = end.decisions.find((d) => d.kind === 'abort')?.evidence[0];
    expect(evidence?.result).toBe('error');
    expect(evidence?.arithmetic).toMatch(/consecutive errors > consecutiveErrorLimit 4/);
    expect(evidence?.samples.every((s) => s.outcome === 'error' && s.note === 'parse error at char 5')).toBe(
      true,
    );
  });

  it('rolls back on a background trigger: error rate above 2 % held for 2 minutes', async () => {
    const start = h.clock.now();
    // Healthy for the first 5 minutes (the pause step), then 3 % errors.
    h.analysis.set('error-rate', (t) => (t - start >= 5 * 60_000 ? 0.03 : 0.001), 'v1.25.0');
    const handle = harness.track(await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'trigger' }));
    const end = await h.runUntil(handle, is('aborted'));
    const abort = end.decisions.find((d) => d.kind === 'abort');
    expect(abort?.cause).toBe('rollback-trigger');
    expect(abort?.evidence[0]?.arithmetic).toMatch(/^3 % > 2 % held 2 min of 2 min$/);
    expect((end.finishedAtMs ?? 0) - start).toBe(7 * 60_000);
    expect(h.ops.weights).toEqual({ stable: 100, canary: 0 });
  });

  it('rolls back at once on 3 pod restarts in 5 minutes', async () => {
    h.analysis.set('pod-restarts', 3, 'v1.25.0');
    const handle = harness.track(await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'crashes' }));
    const end = await h.runUntil(handle, is('aborted'));
    const abort = end.decisions.find((d) => d.kind === 'abort');
    expect(abort?.evidence[0]?.arithmetic).toBe('3 >= 3 over 5 min');
    expect(abort?.evidence[0]?.query).toContain('kube_pod_container_status_restarts_total');
  });
});

describe('canary background analysis', () => {
  const withBackground = () =>
    canaryPlan({
      strategy: {
        kind: 'canary',
        steps: [
          { setWeight: 10 },
          { pause: { duration: '10m' } },
          { setWeight: 50 },
          { pause: { duration: '10m' } },
        ],
        background: { templates: ['quick'], startingStep: 1 },
      },
      rollbackTriggers: [],
    });

  it('watches from its starting step to the end and lets a healthy release complete', async () => {
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: withBackground(), releaseId: 'bg-ok' }),
    );
    const end = await h.runUntil(handle, is('completed'));
    const background = end.samples.filter((s) => s.source === 'analysis');
    expect(background.length).toBeGreaterThanOrEqual(2 * 20);
    expect(Math.min(...background.map((s) => s.stepIndex ?? 0))).toBe(1);
  });

  it('aborts during a pause step when the background analysis fails', async () => {
    h.analysis.set('latency-p95', 800, 'v1.25.0');
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: withBackground(), releaseId: 'bg-fail' }),
    );
    const end = await h.runUntil(handle, is('aborted'));
    const abort = end.decisions.find((d) => d.kind === 'abort');
    expect(abort?.summary).toBe(
      'Background analysis failed: latency-p95 (quick): failed 4 > failureLimit 3; aborting the canary.',
    );
    expect(abort?.stepIndex).toBe(1);
    expect(h.ops.writesOf('setCanaryWeight').map((w) => w.args[0])).toEqual([10]);
  });
});

describe('canary operator events', () => {
  it('PAUSE holds the release, RESUME carries on from the same step', async () => {
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'op-pause' }),
    );
    await h.runUntil(handle, (s) => s.currentStep === 1);
    handle.send({ type: 'PAUSE', reason: 'checking dashboards' });
    await h.settle(handle);
    const paused = handle.getSnapshot();
    expect(paused.status).toBe('paused');
    expect(paused.pause?.message).toBe('alice paused the release at step 2 (checking dashboards).');
    h.clock.set(h.clock.now() + 60 * 60_000);
    await h.settle(handle);
    expect(handle.getSnapshot().currentStep).toBe(1);
    handle.send({ type: 'RESUME' });
    await h.runUntil(handle, is('completed'));
  });

  it('PROMOTE skips the current step, PROMOTE_FULL goes straight to 100 %', async () => {
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'op-promote' }),
    );
    await h.runUntil(handle, (s) => s.currentStep === 1);
    handle.send({ type: 'PROMOTE' });
    await h.settle(handle);
    expect(handle.getSnapshot().currentStep).toBe(2);
    expect(handle.getSnapshot().steps[1]?.state).toBe('skipped');
    handle.send({ type: 'PROMOTE_FULL', reason: 'hotfix' });
    const end = await h.runUntil(handle, is('completed'));
    expect(h.ops.writesOf('setCanaryWeight').map((w) => w.args[0])).toEqual([10]);
    expect(h.ops.stableImage).toContain('v1.25.0');
    expect(end.decisions.at(-1)?.summary).toMatch(/promoted the canary fully from step 3/);
  });

  it('ABORT sends traffic back to stable at once; RETRY starts over', async () => {
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'op-abort' }),
    );
    await h.runUntil(handle, (s) => s.currentStep === 1);
    expect(h.ops.weights).toEqual({ stable: 90, canary: 10 });
    handle.send({ type: 'ABORT', reason: 'wrong image' });
    await h.settle(handle);
    expect(handle.getSnapshot().status).toBe('aborted');
    expect(h.ops.weights).toEqual({ stable: 100, canary: 0 });
    expect(h.ops.canary?.replicas).toBe(0);
    expect(() => handle.send({ type: 'RESUME' })).toThrow(
      'The release was aborted; nothing is left to control here.',
    );
    handle.send({ type: 'RETRY' });
    await h.runUntil(handle, is('completed'));
    expect(h.ops.writesOf('ensureCanary')).toHaveLength(2);
  });

  it('pauses and says so when the cluster cannot be reached, and applies the step once it answers', async () => {
    h.ops.failNext('setCanaryWeight', 'unreachable');
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'unreachable' }),
    );
    const paused = await h.runUntil(handle, is('paused'));
    expect(paused.pause?.cause).toBe('cluster-unreachable');
    expect(paused.pause?.message).toMatch(
      /^The cluster could not be reached while setting the canary weight to 10 %/,
    );
    expect(h.ops.weights).toEqual({ stable: 100, canary: 0 });
    handle.send({ type: 'RESUME' });
    await h.runUntil(handle, is('completed'));
    expect(h.ops.writesOf('setCanaryWeight').map((w) => w.args[0])).toEqual([10, 50]);
  });
});
