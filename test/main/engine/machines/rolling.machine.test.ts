import { beforeEach, describe, expect, it } from 'vitest';
import { resumeRelease, startRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import {
  createHarness,
  rollingPlan,
  statusIs as is,
  useHarness,
  type Harness,
} from '../runner/release-harness.ts';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness.h();
});

const NEW = 'registry.platform.com/workflow-engine:v1.25.0';
const OLD = 'registry.platform.com/workflow-engine:v1.24.0';

describe('rolling machine', () => {
  it('sets the image, follows the rollout and validates for 300 s', async () => {
    const start = h.clock.now();
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: rollingPlan(), releaseId: 'roll-good' }),
    );
    const end = await h.runUntil(handle, is('completed'));
    expect(h.ops.revisions).toEqual([OLD, NEW]);
    expect(end.finishedAtMs).toBe(start + 300_000);
    expect(end.decisions.at(-1)?.summary).toMatch(/^Validation of v1.25.0 passed/);
  });

  it.each([
    [{ failingPods: 2 }, /2 pod\(s\) are failing or crash-looping/],
    [{ progressDeadlineExceeded: true }, /ProgressDeadlineExceeded/],
    [{ updated: 1 }, /no full progress before its deadline \(1 of 3 updated, 3 ready\)/],
  ])('undoes the rollout when it fails (%o)', async (state, reason) => {
    h.ops.rollout = state;
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: rollingPlan(), releaseId: 'roll-bad' }),
    );
    const end = await h.runUntil(handle, is('rolledBack'));
    expect(h.ops.revisions.at(-1)).toBe(OLD);
    const rollback = end.decisions.find((d) => d.kind === 'rollback');
    expect(rollback?.cause).toBe('rollout-failed');
    expect(rollback?.summary).toMatch(reason);
    expect((await handle.done).kind).toBe('rolledBack');
  });

  it('undoes after more than 3 consecutive validation failures, not before', async () => {
    const start = h.clock.now();
    h.analysis.set('latency-p95', 700, 'v1.25.0');
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: rollingPlan(), releaseId: 'roll-validate' }),
    );
    const end = await h.runUntil(handle, is('rolledBack'));
    const rollback = end.decisions.find((d) => d.kind === 'rollback');
    expect(rollback?.cause).toBe('validation-failed');
    expect(rollback?.summary).toContain('4 consecutive failed checks > maxConsecutiveFailures 3');
    expect(rollback?.evidence[0]?.samples.map((s) => s.value)).toEqual([700, 700, 700, 700]);
    expect((end.finishedAtMs ?? 0) - start).toBe(90_000);
    expect(h.ops.revisions.at(-1)).toBe(OLD);
  });

  it('never passes validation on missing data', async () => {
    h.analysis.set(
      'error-rate',
      { kind: 'inconclusive', reason: 'noData', message: 'No series.' },
      'v1.25.0',
    );
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: rollingPlan(), releaseId: 'roll-nodata' }),
    );
    const end = await h.runUntil(handle, is('rolledBack'));
    expect(end.decisions.find((d) => d.kind === 'rollback')?.evidence[0]?.result).toBe('inconclusive');
  });
});

describe('rolling rollback triggers', () => {
  const triggers = [
    { metric: 'error-rate' as const, op: '>' as const, threshold: 0.02, for: '2m' },
    { metric: 'pod-restarts' as const, op: '>=' as const, threshold: 3, for: '5m' },
  ];

  it('undoes the rollout when the new pods restart 3 times, citing the query and the count', async () => {
    const start = h.clock.now();
    // The rollout itself looks fine; the pods start crashing after 100 s, during validation.
    h.analysis.set('pod-restarts', (t) => (t - start >= 100_000 ? 3 : 0), 'v1.25.0');
    const handle = harness.track(
      await startRelease({
        ...h.deps,
        plan: rollingPlan({ rollbackTriggers: triggers }),
        releaseId: 'roll-trigger',
      }),
    );
    const end = await h.runUntil(handle, is('rolledBack'));
    expect(h.ops.revisions).toEqual([OLD, NEW, OLD]);
    const rollback = end.decisions.find((d) => d.kind === 'rollback');
    expect(rollback?.cause).toBe('rollback-trigger');
    expect(rollback?.summary).toBe(
      'Rollback trigger pod-restarts fired: 3 >= 3 over 5 min; undoing to revision 1.',
    );
    expect(rollback?.evidence[0]).toMatchObject({ metric: 'pod-restarts', arithmetic: '3 >= 3 over 5 min' });
    expect(rollback?.evidence[0]?.query).toContain('kube_pod_container_status_restarts_total');
    // Read every 30 s (an eighth of 5m, capped at 30 s): the first read at or after 100 s is at 120 s.
    expect((end.finishedAtMs ?? 0) - start).toBe(120_000);
    expect((await handle.done).kind).toBe('rolledBack');
  });

  it('lets a healthy rollout complete while the triggers watch it', async () => {
    const handle = harness.track(
      await startRelease({
        ...h.deps,
        plan: rollingPlan({ rollbackTriggers: triggers }),
        releaseId: 'roll-trigger-quiet',
      }),
    );
    const end = await h.runUntil(handle, is('completed'));
    expect(h.ops.revisions).toEqual([OLD, NEW]);
    const samples = end.samples.filter((s) => s.source === 'trigger');
    expect(new Set(samples.map((s) => s.metric))).toEqual(new Set(['error-rate', 'pod-restarts']));
    expect(samples.every((s) => s.outcome === 'success')).toBe(true);
  });
});

describe('rolling rollback triggers across a restart', () => {
  it('keeps a breach that began before the app stopped and fires on schedule after the restore', async () => {
    const fh = await createHarness({ journal: 'file' });
    try {
      const start = fh.clock.now();
      fh.analysis.set('latency-p99', 1500, 'v1.25.0');
      const plan = rollingPlan({
        rollbackTriggers: [{ metric: 'latency-p99', op: '>', threshold: 1000, for: '2m' }],
      });
      const first = await startRelease({ ...fh.deps, plan, releaseId: 'roll-restart' });
      await fh.runUntil(first, () => fh.clock.now() >= start + 60_000);
      await first.stop();

      const resumed = await resumeRelease({ ...fh.deps, releaseId: 'roll-restart' });
      try {
        const end = await fh.runUntil(resumed, is('rolledBack'));
        const rollback = end.decisions.find((d) => d.kind === 'rollback');
        expect(rollback?.summary).toBe(
          'Rollback trigger latency-p99 fired: 1,500 ms > 1,000 ms held 2 min of 2 min; undoing to revision 1.',
        );
        // Read every 15 s from the image change: 0 s … 120 s, before and after the restart.
        expect(rollback?.evidence[0]?.samples.map((x) => x.atMs - start)).toEqual(
          [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => i * 15_000),
        );
        expect((end.finishedAtMs ?? 0) - start).toBe(120_000);
      } finally {
        await resumed.stop();
      }
    } finally {
      await fh.cleanup();
    }
  });
});
