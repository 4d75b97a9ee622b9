import { describe, expect, it } from 'vitest';
import type { ReleasePlanInput } from '../../../../src-shared/plan/plan.schema.ts';
import { abPlan, statusIs as is, type Harness } from '../runner/release-harness.ts';
import { useMachineHarness } from './machine-harness.ts';

let h: Harness;
const { release } = useMachineHarness((current) => (h = current));

function conversions(control: number, treatment: number): void {
  h.analysis
    .setQuery('conversions_total{variant="control"}', control)
    .setQuery('conversions_total{variant="treatment"}', treatment)
    .setQuery('sessions_total', 10_000);
}

describe('A/B test machine', () => {
  it('deploys the treatment when it converts significantly better at the end of the test', async () => {
    conversions(1000, 1300);
    const start = h.clock.now();
    const handle = await release(abPlan(), 'ab-deploy');
    const end = await h.runUntil(handle, is('completed'));
    expect(h.clock.now() - start).toBe(2 * 3_600_000);
    expect(h.ops.writesOf('routeExperiment')).toHaveLength(1);
    expect(h.ops.stableImage).toContain('v1.25.0');
    const decision = end.decisions.find((d) => d.cause === 'experiment-result');
    expect(decision?.summary).toMatch(/control 1000\/10000, treatment 1300\/10000, lift 30\.0 %, p = /);
  });

  it('stops at once when a guardrail breaches for a variant', async () => {
    conversions(1000, 1300);
    h.analysis.set('error-rate', 0.05, 'v1.25.0');
    const handle = await release(abPlan(), 'ab-guard');
    const end = await h.runUntil(handle, is('aborted'));
    expect(end.decisions.at(-1)?.summary).toBe(
      'Guardrail error-rate breached: 5 % > 2 % for variant treatment; stopping the A/B test.',
    );
    expect(h.ops.experiment).toBeNull();
    expect(h.ops.writesOf('promoteCanary')).toHaveLength(0);
  });

  it('pauses for the operator when the test is not conclusive, and never decides on missing data', async () => {
    h.analysis.setQuery('sessions_total', 10_000).setQuery('conversions_total', 1000);
    const handle = await release(abPlan(), 'ab-undecided');
    const paused = await h.runUntil(handle, is('paused'));
    expect(paused.pause?.cause).toBe('experiment-result');
    expect(paused.pause?.message).toMatch(/lift 0\.0 %/);
    handle.send({ type: 'PROMOTE', reason: 'product call' });
    await h.runUntil(handle, is('completed'));
    expect(h.ops.stableImage).toContain('v1.25.0');
  });
});

describe('A/B routing notes', () => {
  it('tells the user what the router does not enforce, and only then', async () => {
    conversions(1000, 1300);
    h.ops.stickyNotes = ['Stickiness on x-user-id is not enforced by this router.'];
    const sticky = abPlan();
    const strategy = { ...sticky.strategy, stickyHeader: 'x-user-id' } as ReleasePlanInput['strategy'];
    const handle = await release(abPlan({ strategy }), 'ab-note');
    const end = await h.runUntil(handle, is('completed'));
    const notes = end.decisions.filter((d) => d.summary.startsWith('Routing the A/B test'));
    expect(notes.map((d) => [d.kind, d.summary])).toEqual([
      ['continue', 'Routing the A/B test: Stickiness on x-user-id is not enforced by this router.'],
    ]);
  });

  it('records no note when the router does everything asked', async () => {
    conversions(1000, 1300);
    const handle = await release(abPlan(), 'ab-no-note');
    const end = await h.runUntil(handle, is('completed'));
    expect(end.decisions.some((d) => d.summary.startsWith('Routing the A/B test'))).toBe(false);
  });
});

describe('A/B test rollback triggers', () => {
  it('stops the test when the treatment crash-loops, citing the trigger', async () => {
    conversions(1000, 1300);
    const start = h.clock.now();
    h.analysis.set('pod-restarts', (t) => (t - start >= 10 * 60_000 ? 5 : 0), 'v1.25.0');
    const plan = abPlan({
      rollbackTriggers: [{ metric: 'pod-restarts', op: '>=', threshold: 3, for: '5m' }],
    });
    const handle = await release(plan, 'ab-trigger');
    const end = await h.runUntil(handle, is('aborted'));
    const abort = end.decisions.at(-1);
    expect(abort?.cause).toBe('rollback-trigger');
    expect(abort?.summary).toBe(
      'Rollback trigger pod-restarts fired: 5 >= 3 over 5 min; stopping the A/B test.',
    );
    expect(abort?.evidence[0]?.query).toContain('kube_pod_container_status_restarts_total');
    expect((end.finishedAtMs ?? 0) - start).toBe(10 * 60_000);
    expect(h.ops.experiment).toBeNull();
    expect(h.ops.writesOf('promoteCanary')).toHaveLength(0);
  });
});
