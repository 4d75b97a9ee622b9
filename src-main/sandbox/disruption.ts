import { matchesLabelSelector, type KubeObject } from './selectors.ts';

/** How a PodDisruptionBudget stands over its pods (the numbers its status and an eviction use). */
export interface BudgetState {
  /** Pods the budget covers (active ones). */
  readonly expected: number;
  /** Covered pods that are Ready. */
  readonly healthy: number;
  /** Ready pods the budget wants to keep. */
  readonly desired: number;
  /** Ready pods that may go now (never below 0). */
  readonly allowed: number;
}

function isReady(p: KubeObject): boolean {
  return (p.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
  );
}

/** The covered pods of `budget` among `pods` (same namespace), leaving out finished and deleted ones. */
export function coveredPods(budget: KubeObject, pods: readonly KubeObject[]): KubeObject[] {
  return pods.filter(
    (p) =>
      !p.metadata.deletionTimestamp &&
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed' &&
      budget.spec?.selector !== undefined &&
      matchesLabelSelector(budget.spec.selector, p.metadata.labels),
  );
}

/**
 * A budget's state over the pods it covers: `minAvailable` (a count, or a percentage rounded up) or
 * `maxUnavailable` (rounded down) of the covered pods, as the disruption controller computes it.
 */
export function budgetState(budget: KubeObject, covered: readonly KubeObject[]): BudgetState {
  const expected = covered.length;
  const healthy = covered.filter(isReady).length;
  const resolve = (v: unknown, roundUp: boolean) => {
    const m = /^(\d+)%$/.exec(String(v));
    if (!m) return Number(v) || 0;
    const x = (Number(m[1]) * expected) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  };
  const desired =
    budget.spec?.minAvailable !== undefined
      ? resolve(budget.spec.minAvailable, true)
      : Math.max(0, expected - resolve(budget.spec?.maxUnavailable ?? 0, false));
  return { expected, healthy, desired, allowed: Math.max(0, healthy - desired) };
}

/** True when evicting `pod` keeps the budget (an unready pod may go while the budget holds, or always with `AlwaysAllow`). */
export function evictionAllowed(budget: KubeObject, pod: KubeObject, state: BudgetState): boolean {
  if (isReady(pod)) return state.allowed > 0;
  return budget.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' || state.healthy >= state.desired;
}
