import type { ReleasePlan } from './plan.schema.ts';

/**
 * Warnings about how the plan's router will route the experiment, for plan validation and preflight to show
 * before the run starts (the run itself records what the router reports). Empty when there is nothing to say.
 */
export function abRoutingWarnings(plan: ReleasePlan): string[] {
  if (plan.strategy.kind !== 'ab-test' || !plan.strategy.stickyHeader) return [];
  const header = plan.strategy.stickyHeader;
  if (plan.router.kind === 'gateway-api')
    return [
      `stickyHeader ${header} is not enforced by a gateway-api router: HTTPRoute has no standard way to keep a user on one variant, so a cohort user may see both variants.`,
    ];
  if (plan.router.kind === 'istio')
    return [
      `stickyHeader ${header} keeps a user on one pod of a variant (DestinationRule consistent hash), but Istio draws the weighted choice between variants per request; pin users with a header match for a strict assignment.`,
    ];
  return [];
}
