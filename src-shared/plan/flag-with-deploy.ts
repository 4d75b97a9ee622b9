import type { FlagRolloutPlanStrategy } from './flag-rollout.schema.ts';
import type { ReleasePlan } from './plan.schema.ts';

/**
 * The flag ramp a plan runs: its `flag-rollout` strategy, or the `flagRamp` that follows a strategy deploying
 * the code dark (flag with deploy); undefined when the plan ramps no flag.
 */
export function flagRampOf(plan: ReleasePlan): FlagRolloutPlanStrategy | undefined {
  if (plan.strategy.kind === 'flag-rollout') return plan.strategy;
  return plan.flagRamp;
}

/**
 * The plan of a flag with deploy's second phase: the same plan with its `flagRamp` as the strategy, so the
 * flag ramp (its machine, preflight checks and provider) reads it as it reads a plain flag-rollout plan.
 * A plan without `flagRamp` is returned as it is.
 */
export function rampPlanOf(plan: ReleasePlan): ReleasePlan {
  if (!plan.flagRamp) return plan;
  const { flagRamp, ...rest } = plan;
  return { ...rest, strategy: flagRamp };
}
