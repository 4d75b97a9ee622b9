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
    await h.runUntil(handle, (s) => s.phase === 'live.settling');
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
    await h.runUntil(handle, is('completed'));
    expect(h.ops.writesOf('switchTo')).toHaveLength(1);
  });
});
