import { beforeEach, describe, expect, it } from 'vitest';
import { startRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import { blueGreenPlan, statusIs as is, useHarness, type Harness } from '../runner/release-harness.ts';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness.h();
});

const NEW = 'registry.platform.com/workflow-engine:v1.25.0';
const OLD = 'registry.platform.com/workflow-engine:v1.24.0';

describe('blue-green machine', () => {
  it('deploys the idle colour, switches, validates and keeps the old colour running', async () => {
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: blueGreenPlan(), releaseId: 'bg-good' }),
    );
    const end = await h.runUntil(handle, is('completed'));
    expect(h.ops.active).toBe('green');
    expect(h.ops.colourImages).toEqual({ blue: OLD, green: NEW });
    expect(h.ops.calls.filter((c) => c.op === 'warmup').map((c) => c.args)).toEqual([
      ['green', '/health/ready', 100, 100],
    ]);
    expect(end.traffic).toMatchObject({ intended: { green: 100, blue: 0 }, mismatch: false });
    expect(end.steps.every((s) => s.state === 'done')).toBe(true);
    const last = end.decisions.at(-1);
    expect(last?.cause).toBe('validation-passed');
    expect(last?.summary).toMatch(/blue keeps running for an instant rollback/);
    expect(end.samples.some((s) => s.source === 'validation')).toBe(true);
    expect((await handle.done).kind).toBe('completed');

    handle.send({ type: 'ROLLBACK', reason: 'customer reports' });
    await h.settle(handle);
    expect(h.ops.active).toBe('blue');
    expect(handle.getSnapshot().status).toBe('rolledBack');
  });

  it('rolls back to the old colour when validation finds a 5 % error rate, citing the query', async () => {
    h.analysis.set('error-rate', 0.05, 'v1.25.0');
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: blueGreenPlan(), releaseId: 'bg-bad' }),
    );
    const end = await h.runUntil(handle, is('rolledBack'));
    expect(h.ops.writesOf('switchTo').map((w) => w.args[0])).toEqual(['green', 'blue']);
    expect(h.ops.active).toBe('blue');
    const rollback = end.decisions.find((d) => d.kind === 'rollback');
    expect(rollback?.cause).toBe('validation-failed');
    expect(rollback?.summary).toMatch(
      /^Validation of v1.25.0 failed on error-rate: 1 consecutive failed checks > maxConsecutiveFailures 0\. Rolling traffic back to blue\.$/,
    );
    expect(rollback?.evidence[0]).toMatchObject({
      metric: 'error-rate',
      op: '>',
      threshold: 0.01,
      result: 'breached',
    });
    expect(rollback?.evidence[0]?.query).toContain('status=~"5.."');
    expect((await handle.done).kind).toBe('rolledBack');
  });

  it('abandons before the switch when a smoke check fails; traffic never moves', async () => {
    h.ops.smokeFails = true;
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: blueGreenPlan(), releaseId: 'bg-smoke' }),
    );
    const end = await h.runUntil(handle, is('aborted'));
    expect(h.ops.writesOf('switchTo')).toHaveLength(0);
    expect(end.decisions.at(-1)?.summary).toBe(
      '1 smoke check(s) failed on green (/health/ready: answered 503, expected 200); traffic stays on blue.',
    );
  });

  it('gives up when the idle colour is not ready within readyTimeout', async () => {
    h.ops.colourState.green = { ready: 1 };
    const start = h.clock.now();
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: blueGreenPlan(), releaseId: 'bg-ready' }),
    );
    const end = await h.runUntil(handle, is('aborted'));
    expect(end.decisions.at(-1)?.cause).toBe('ready-timeout');
    expect(h.clock.now() - start).toBe(600_000);
    expect(h.ops.writesOf('switchTo')).toHaveLength(0);
  });

  it('ROLLBACK during the settle wait switches straight back', async () => {
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: blueGreenPlan(), releaseId: 'bg-op' }),
    );
    await h.runUntil(handle, (s) => s.phase === 'live.steps.settling');
    expect(h.ops.active).toBe('green');
    handle.send({ type: 'ROLLBACK' });
    await h.settle(handle);
    expect(h.ops.active).toBe('blue');
    expect(handle.getSnapshot().decisions.at(-1)?.summary).toBe('alice rolled traffic back to blue.');
  });

  it('pauses when the cluster is unreachable during the switch and finishes after RESUME', async () => {
    h.ops.failNext('switchTo', 'timeout');
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: blueGreenPlan(), releaseId: 'bg-unreachable' }),
    );
    const paused = await h.runUntil(handle, is('paused'));
    expect(paused.pause?.message).toMatch(/^The cluster could not be reached while switching traffic/);
    handle.send({ type: 'RESUME' });
    const end = await h.runUntil(handle, is('completed'));
    expect(h.ops.writesOf('switchTo')).toHaveLength(1);
    expect(end.decisions.find((d) => d.kind === 'resume')?.summary).toBe('alice resumed the release.');
  });
});

describe('blue-green rollback triggers', () => {
  const triggers = [
    { metric: 'latency-p95' as const, op: '>' as const, threshold: 1000, for: '5m' },
    { metric: 'pod-restarts' as const, op: '>=' as const, threshold: 3, for: '5m' },
  ];

  it('switches back to the old colour when p95 stays above 1000 ms for 5 minutes after the switch', async () => {
    const start = h.clock.now();
    // Validation only warns on p95, so the trigger is what catches it.
    h.analysis.set('latency-p95', 1500, 'v1.25.0');
    const handle = harness.track(
      await startRelease({
        ...h.deps,
        plan: blueGreenPlan({ rollbackTriggers: triggers }),
        releaseId: 'bg-trigger',
      }),
    );
    const end = await h.runUntil(handle, is('rolledBack'));
    expect(h.ops.writesOf('switchTo').map((w) => w.args[0])).toEqual(['green', 'blue']);
    const rollback = end.decisions.find((d) => d.kind === 'rollback');
    expect(rollback?.cause).toBe('rollback-trigger');
    expect(rollback?.summary).toBe(
      'Rollback trigger latency-p95 fired: 1,500 ms > 1,000 ms held 5 min of 5 min; rolling traffic back to blue.',
    );
    const e = rollback?.evidence[0];
    expect(e).toMatchObject({ metric: 'latency-p95', op: '>', threshold: 1000, result: 'breached' });
    expect(e?.query).toContain('histogram_quantile(0.95');
    expect(e?.samples.map((s) => s.value)).toEqual(Array(11).fill(1500));
    expect((end.finishedAtMs ?? 0) - start).toBe(300_000);
    expect(end.traffic.intended).toEqual({ blue: 100, green: 0 });
  });

  it('abandons before the switch when the new pods crash, leaving traffic where it was', async () => {
    h.analysis.set('pod-restarts', 4, 'v1.25.0');
    const handle = harness.track(
      await startRelease({
        ...h.deps,
        plan: blueGreenPlan({ rollbackTriggers: triggers }),
        releaseId: 'bg-trigger-early',
      }),
    );
    const end = await h.runUntil(handle, is('aborted'));
    expect(h.ops.writesOf('switchTo')).toHaveLength(0);
    expect(h.ops.active).toBe('blue');
    const abort = end.decisions.find((d) => d.cause === 'rollback-trigger');
    expect(abort?.kind).toBe('abort');
    expect(abort?.summary).toBe(
      'Rollback trigger pod-restarts fired: 4 >= 3 over 5 min; abandoning the release; traffic stays on blue.',
    );
    expect(abort?.evidence[0]?.query).toContain('kube_pod_container_status_restarts_total');
  });

  it('watches quietly until completion, then stops reading', async () => {
    const handle = harness.track(
      await startRelease({
        ...h.deps,
        plan: blueGreenPlan({ rollbackTriggers: triggers }),
        releaseId: 'bg-trigger-quiet',
      }),
    );
    const end = await h.runUntil(handle, is('completed'));
    const triggerSamples = end.samples.filter((s) => s.source === 'trigger');
    expect(triggerSamples.length).toBeGreaterThan(10);
    expect(triggerSamples.every((s) => s.outcome === 'success')).toBe(true);
    expect(end.decisions.some((d) => d.cause === 'rollback-trigger')).toBe(false);
    // Completed keeps the old colour for ROLLBACK, but nothing waits on the clock any more.
    expect(h.clock.nextDue()).toBeNull();
    expect(h.ops.active).toBe('green');
  });
});

describe('blue-green as planned: autoPromote, keepPrevious, warnings', () => {
  const bg = (extra: Record<string, unknown>) =>
    blueGreenPlan({
      strategy: {
        kind: 'blue-green',
        smoke: { checks: [{ path: '/health/ready', expectStatus: 200 }] },
        ...extra,
      },
    });

  it('with autoPromote false waits for the operator after the smoke checks, then switches on PROMOTE', async () => {
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: bg({ autoPromote: false }), releaseId: 'bg-manual' }),
    );
    const paused = await h.runUntil(handle, is('paused'));
    expect(h.ops.writesOf('switchTo')).toHaveLength(0);
    expect(h.ops.calls.some((c) => c.op === 'smoke')).toBe(true);
    expect(paused.pause?.message).toMatch(
      /^Waiting for an operator to promote: green runs .*v1\.25\.0.*traffic stays on blue/,
    );
    expect(paused.pause?.message).not.toMatch(/live\.steps|awaitingPromotion/);
    expect(paused.steps.find((s) => s.state === 'active')?.label).toBe('wait for promotion');
    // Nothing happens by itself while it waits.
    expect(h.clock.nextDue()).toBeNull();
    handle.send({ type: 'PROMOTE' });
    const end = await h.runUntil(handle, is('completed'));
    expect(h.ops.writesOf('switchTo').map((w) => w.args[0])).toEqual(['green']);
    expect(end.decisions.find((d) => d.kind === 'promote')?.summary).toBe(
      'alice promoted: switching all traffic from blue to green.',
    );
  });

  it('with keepPrevious false scales the old colour to 0 scaleDownDelay after the switch, not before validation passed', async () => {
    const handle = harness.track(
      await startRelease({
        ...h.deps,
        plan: bg({ keepPrevious: false, scaleDownDelay: '10m' }),
        releaseId: 'bg-scale-down',
      }),
    );
    await h.runUntil(handle, (s) => s.phase === 'live.steps.settling');
    const switchedAt = h.clock.now();
    await h.runUntil(handle, (s) => s.phase === 'live.steps.scalingDown.waiting');
    expect(h.ops.writesOf('scaleColour')).toHaveLength(0);
    const end = await h.runUntil(handle, is('completed'));
    expect(h.ops.writesOf('scaleColour').map((w) => w.args)).toEqual([['blue', 0]]);
    expect((end.finishedAtMs ?? 0) - switchedAt).toBe(600_000);
    expect(end.decisions.at(-1)?.summary).toMatch(/^blue was scaled to 0, 10m after the switch/);

    // A rollback later sizes the old colour up again before traffic goes back to it.
    handle.send({ type: 'ROLLBACK' });
    await h.settle(handle);
    expect(h.ops.writesOf('scaleColour').map((w) => w.args)).toEqual([
      ['blue', 0],
      ['blue', 3],
    ]);
    expect(h.ops.active).toBe('blue');
  });

  it('with keepPrevious true (the default) never scales the old colour', async () => {
    const handle = harness.track(await startRelease({ ...h.deps, plan: bg({}), releaseId: 'bg-keep' }));
    await h.runUntil(handle, is('completed'));
    expect(h.ops.calls.some((c) => c.op === 'scaleColour')).toBe(false);
  });

  it('reports a breached warn check as a decision: passed with warnings', async () => {
    h.analysis.set('latency-p95', 1500, 'v1.25.0');
    const handle = harness.track(await startRelease({ ...h.deps, plan: bg({}), releaseId: 'bg-warn' }));
    const end = await h.runUntil(handle, is('completed'));
    const warning = end.decisions.find((d) => d.cause === 'validation-warning');
    expect(warning?.summary).toMatch(
      /^Validation passed with warnings: latency-p95 > 1,000 ms breached in \d+ of \d+ checks/,
    );
    expect(warning?.evidence[0]).toMatchObject({ metric: 'latency-p95', result: 'breached' });
    expect(end.decisions.at(-1)?.summary).toMatch(/passed with warnings \(latency-p95 > 1,000 ms breached/);
  });
});
