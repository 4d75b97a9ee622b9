import type { AbTestStrategy, RollingStrategy } from '../../../src-shared/plan/plan.schema.ts';
import type { TrafficView } from '../../../src-shared/release/release.schema.ts';
import type { CohortRoutingView, RolloutView } from '../../../src-shared/release/traffic-detail.schema.ts';
import type { AbContext } from './ab-test-readings.ts';
import type { RollingContext } from './rolling.machine.ts';

/**
 * A rolling release as pods: the counts last read from the workload's status, or (before the first read) none,
 * so the panel shows the intended end state. Once the rollout is being undone, the counts are those of the undo.
 */
export function rolloutView(phase: string, context: RollingContext): RolloutView {
  const strategy = context.plan.strategy as RollingStrategy;
  const { target } = context.plan;
  const undo =
    /^(undoing|unwinding|rolledBack)/.test(phase) ||
    context.endsAs === 'rolledBack' ||
    context.stuckAt === 'undoing' ||
    context.stuckAt === 'unwinding';
  const w = context.workload;
  const previous = `revision ${context.previousRevision ?? 'before'}`;
  return {
    direction: undo ? 'undo' : 'forward',
    // While undoing, the pods move back to the image the workload ran before: known once read after the undo.
    image: undo && w && w.image !== target.image ? w.image : undo ? previous : target.image,
    desired: w?.desired ?? null,
    updated: w?.updated ?? null,
    ready: w?.ready ?? null,
    available: w?.available ?? null,
    pods: w?.current ?? null,
    ...(w?.observed === false ? { stale: true } : {}),
    maxSurge: strategy.maxSurge,
    maxUnavailable: strategy.maxUnavailable,
    source: w ? `${target.kind} ${target.namespace}/${target.name} status` : null,
    readAtMs: w ? (context.workloadReadAtMs ?? context.nowMs ?? null) : null,
  };
}

/**
 * How an A/B test routes requests, in the order the routers apply the rules: each pin to its variant, the
 * cohort by the variants' weights, everyone else to the default variant. Which share of traffic a rule
 * catches is not measured yet, so it is null (the panel says "not known").
 */
export function cohortView(context: AbContext): CohortRoutingView {
  const s = context.plan.strategy as AbTestStrategy;
  return {
    rules: [
      ...s.pins.map((p) => ({
        kind: 'pin' as const,
        match: p.match,
        to: [{ variant: p.variant, weight: 100 }],
        share: null,
      })),
      {
        kind: 'cohort' as const,
        match: s.cohort,
        to: s.variants.map((v) => ({ variant: v.name, weight: v.weight })),
        share: null,
      },
      { kind: 'default' as const, to: [{ variant: s.defaultVariant, weight: 100 }], share: null },
    ],
    stickyHeader: s.stickyHeader ?? null,
    notes: context.routingNotes ?? [],
    routed: context.routingNotes !== undefined,
  };
}

/** True when a read-back split differs from the intended one by more than half a percent on any track. */
export function splitDiffers(actual: Record<string, number>, intended: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(intended), ...Object.keys(actual)]);
  return [...keys].some((k) => Math.abs((actual[k] ?? 0) - (intended[k] ?? 0)) > 0.5);
}

/**
 * The traffic of an A/B test. Before the router has routed it, the cohort's split the plan asks for stands as
 * the intended one (shown marked as such), so the panel is never blank. Once the test has ended (deployed or
 * rejected), the router's main route is read back and all traffic is meant to be on stable, so that is the
 * intended split (not the cohort's, which would flag a difference that is none).
 */
export function cohortTraffic(traffic: TrafficView, context: AbContext): TrafficView {
  const s = context.plan.strategy as AbTestStrategy;
  const actual = traffic.actual;
  if (actual && !s.variants.some((v) => v.name in actual)) {
    const intended = { stable: 100, canary: 0 };
    return { ...traffic, intended, mismatch: splitDiffers(actual, intended) };
  }
  if (Object.keys(traffic.intended).length > 0) return traffic;
  return { ...traffic, intended: Object.fromEntries(s.variants.map((v) => [v.name, v.weight])) };
}
