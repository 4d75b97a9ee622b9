import { budgetState, coveredPods } from '../disruption.ts';
import { kubeTime } from '../store.ts';
import { writeStatus, type ControllerContext } from './context.ts';

/**
 * The disruption controller for one namespace: each PodDisruptionBudget's status (expected, healthy and
 * desired pods, disruptions allowed, the DisruptionAllowed condition), as `kubectl get pdb` and a
 * zero-downtime audit read it.
 */
export function syncDisruptionBudgets(ctx: ControllerContext, namespace: string): void {
  const budgets = ctx.store.list('poddisruptionbudgets.policy', namespace);
  if (budgets.length === 0) return;
  const pods = ctx.store.list('pods', namespace);
  for (const budget of budgets) {
    const state = budgetState(budget, coveredPods(budget, pods));
    const ok = state.allowed > 0;
    const prev = (budget.status?.conditions ?? []).find(
      (c: { type: string }) => c.type === 'DisruptionAllowed',
    );
    const status = ok ? 'True' : 'False';
    writeStatus(ctx, 'poddisruptionbudgets.policy', budget, {
      observedGeneration: budget.metadata.generation,
      disruptionsAllowed: state.allowed,
      currentHealthy: state.healthy,
      desiredHealthy: state.desired,
      expectedPods: state.expected,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status,
          reason: ok ? 'SufficientPods' : 'InsufficientPods',
          message: '',
          observedGeneration: budget.metadata.generation,
          lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : kubeTime(ctx.clock.now()),
        },
      ],
    });
  }
}
