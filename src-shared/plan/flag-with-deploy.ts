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

/**
 * A release's machine name for people: a flag with deploy reads `canary + flag ramp` (`flag-after:canary` in
 * the journal); other names are shown as they are.
 */
export function strategyWords(strategy: string): string {
  return strategy.replace(/flag-after:([\w-]+)/, '$1 + flag ramp');
}

/**
 * True while a release moves a flag rather than traffic: a flag-rollout, or a flag with deploy in its ramp
 * (its projected phase runs through `ramp.`), so the console's Abort is the kill switch then.
 */
export function rampsFlagNow(s: { strategy: string; phase: string }): boolean {
  return (
    s.strategy === 'flag-rollout' || (s.strategy.includes('flag-after:') && /(^|\.)ramp\./.test(s.phase))
  );
}
