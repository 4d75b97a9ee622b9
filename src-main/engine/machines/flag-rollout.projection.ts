import { flagStepLabel } from '../../../src-shared/plan/flag-rollout.schema.ts';
import type {
  ReleaseRunStatus,
  ReleaseSnapshot,
  StepView,
} from '../../../src-shared/release/release.schema.ts';
import { flagSteps } from './flag-ramp.ts';
import type { FlagRolloutContext } from './flag-rollout.states.ts';
import { baseProjection, phaseOf, type StateValueLike } from './projection.ts';

/**
 * The renderer's view of a flag ramp: its steps, and as traffic the exposure per variant the ramp asked
 * for (intended) beside what the flag system reports (actual, read back after every change).
 */
export function projectFlagRollout(value: StateValueLike, context: FlagRolloutContext): ReleaseSnapshot {
  const phase = phaseOf(value);
  const paused = /steps\.(held|untilPromoted)|^stuck/.test(phase);
  const status: ReleaseRunStatus =
    phase === 'completed' ? 'completed' : phase === 'aborted' ? 'aborted' : paused ? 'paused' : 'running';
  const steps = flagSteps(context.plan);
  const finished = phase === 'completed';
  const stepViews: StepView[] = steps.map((step, index) => {
    let state: StepView['state'] = 'pending';
    if (context.skipped.includes(index)) state = 'skipped';
    else if (context.failedStep === index) state = 'failed';
    else if (index < context.stepIndex || finished) state = 'done';
    else if (index === context.stepIndex && phase.startsWith('running')) state = 'active';
    return { index, label: flagStepLabel(step), state };
  });
  return {
    ...baseProjection('flag-rollout', value, context, status),
    currentStep: context.stepIndex < steps.length && !finished ? context.stepIndex : null,
    steps: stepViews,
  };
}
