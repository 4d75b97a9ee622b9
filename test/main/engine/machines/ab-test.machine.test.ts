import { beforeEach, describe, expect, it } from 'vitest';
import { abRoutingWarnings } from '../../../../src-main/engine/machines/ab-test.machine.ts';
import { startRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import type { ReleasePlanInput } from '../../../../src-shared/plan/plan.schema.ts';
import { planFrom, statusIs as is, useHarness, type Harness } from '../runner/release-harness.ts';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness.h();
});

const abPlan = (overrides: Partial<ReleasePlanInput> = {}) =>
  planFrom({
    name: 'workflow-engine-ab',
    target: {
      namespace: 'platform-production',
      name: 'workflow-engine',
      image: 'registry.platform.com/workflow-engine:v1.25.0',
    },
    router: { kind: 'istio', virtualService: 'workflow-engine', destinationRule: 'workflow-engine' },
    strategy: {
      kind: 'ab-test',
      variants: [
        { name: 'control', version: 'v1.24.0', weight: 50 },
        { name: 'treatment', version: 'v1.25.0', weight: 50 },
      ],
      cohort: { header: 'x-user-segment', regex: 'free|basic' },
      defaultVariant: 'control',
      primaryMetrics: [
        {
          name: 'conversion_rate',
          goal: 'maximize',
          minEffect: 0.05,
          successQuery: 'sum(increase(conversions_total{variant="{{variant}}"}[2h]))',
          totalQuery: 'sum(increase(sessions_total{variant="{{variant}}"}[2h]))',
        },
      ],
      guardrails: [{ metric: 'error-rate', op: '>', threshold: 0.02, severity: 'fail' }],
      duration: '2h',
    },
    ...overrides,
  });

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
    const handle = harness.track(await startRelease({ ...h.deps, plan: abPlan(), releaseId: 'ab-deploy' }));
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
    const handle = harness.track(await startRelease({ ...h.deps, plan: abPlan(), releaseId: 'ab-guard' }));
    const end = await h.runUntil(handle, is('aborted'));
    expect(end.decisions.at(-1)?.summary).toBe(
      'Guardrail error-rate breached: 5 % > 2 % for variant treatment; stopping the A/B test.',
    );
    expect(h.ops.experiment).toBeNull();
    expect(h.ops.writesOf('promoteCanary')).toHaveLength(0);
  });

  it('pauses for the operator when the test is not conclusive, and never decides on missing data', async () => {
    h.analysis.setQuery('sessions_total', 10_000).setQuery('conversions_total', 1000);
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: abPlan(), releaseId: 'ab-undecided' }),
    );
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
    const handle = harness.track(
      await startRelease({ ...h.deps, plan: abPlan({ strategy }), releaseId: 'ab-note' }),
    );
    const end = await h.runUntil(handle, is('completed'));
    const notes = end.decisions.filter((d) => d.summary.startsWith('Routing the A/B test'));
    expect(notes.map((d) => [d.kind, d.summary])).toEqual([
      ['continue', 'Routing the A/B test: Stickiness on x-user-id is not enforced by this router.'],
    ]);
  });

  it('records no note when the router does everything asked', async () => {
    conversions(1000, 1300);
    const handle = harness.track(await startRelease({ ...h.deps, plan: abPlan(), releaseId: 'ab-no-note' }));
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
    const handle = harness.track(await startRelease({ ...h.deps, plan, releaseId: 'ab-trigger' }));
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

describe('abRoutingWarnings', () => {
  const gateway = {
    kind: 'gateway-api' as const,
    httpRoute: 'workflow-engine',
    backendRefs: { stable: 'workflow-engine-stable', canary: 'workflow-engine-canary' },
  };
  const withSticky = (router: ReleasePlanInput['router'], stickyHeader?: string) => {
    const base = abPlan();
    const strategy = {
      ...base.strategy,
      ...(stickyHeader ? { stickyHeader } : {}),
    } as ReleasePlanInput['strategy'];
    return abPlan({ router, strategy });
  };

  it.each([
    [
      'gateway-api with a sticky header',
      withSticky(gateway, 'x-user-id'),
      /x-user-id is not enforced by a gateway-api router/,
    ],
    [
      'istio with a sticky header',
      withSticky(abPlan().router, 'x-user-id'),
      /one pod of a variant .* per request/,
    ],
  ])('warns for %s', (_name, plan, warning) => {
    expect(abRoutingWarnings(plan)).toEqual([expect.stringMatching(warning)]);
  });

  it('says nothing without a sticky header', () => {
    expect(abRoutingWarnings(withSticky(gateway))).toEqual([]);
  });
});
