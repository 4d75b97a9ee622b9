import { flagStepLabel } from '../../../src-shared/plan/flag-rollout.schema.ts';
import type { ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import { flagSteps } from './flag-ramp.ts';
import type { FlagRolloutContext } from './flag-rollout.states.ts';
import { projectNumberedSteps, type StateValueLike } from './projection.ts';

/**
 * The renderer's view of a flag ramp: its steps, and as traffic the exposure per variant the ramp asked
 * for (intended) beside what the flag system reports (actual, read back after every change).
 */
export function projectFlagRollout(value: StateValueLike, context: FlagRolloutContext): ReleaseSnapshot {
  return projectNumberedSteps('flag-rollout', value, context, flagSteps(context.plan).map(flagStepLabel));
}
