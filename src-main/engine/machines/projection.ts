import type { CanaryStrategy } from '../../../src-shared/plan/plan.schema.ts';
import type {
  ReleaseRunStatus,
  ReleaseSnapshot,
  StepView,
  TrafficView,
} from '../../../src-shared/release/release.schema.ts';
import { canaryStepLabel, type CanaryContext } from './canary.machine.ts';
import type { ReleaseContextBase } from './release-common.ts';

/** A machine state value: a state name, or nested regions. */
export type StateValueLike = string | { [key: string]: StateValueLike | undefined };

/** Every active leaf state as a dotted path, e.g. `running.steps.analysis.waiting`. */
export function leafPaths(value: StateValueLike, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value];
  return Object.entries(value).flatMap(([k, v]) =>
    v === undefined ? [] : leafPaths(v, prefix ? `${prefix}.${k}` : k),
  );
}

/** The phase shown to the user: the first leaf path outside the background `guard` region. */
export function phaseOf(value: StateValueLike): string {
  const paths = leafPaths(value);
  return paths.find((p) => !p.includes('.guard.')) ?? paths[0] ?? '';
}

/** Traffic as intended and as read back, with a mismatch flag when the router disagrees. */
export function trafficView(context: ReleaseContextBase): TrafficView {
  const actual = context.split?.weights ?? null;
  const keys = new Set([...Object.keys(context.intended), ...Object.keys(actual ?? {})]);
  const mismatch =
    actual !== null && [...keys].some((k) => Math.abs((actual[k] ?? 0) - (context.intended[k] ?? 0)) > 0.5);
  return { intended: context.intended, actual, source: context.split?.source ?? null, mismatch };
}

/** The projection fields every strategy shares. */
export function baseProjection(
  strategy: string,
  value: StateValueLike,
  context: ReleaseContextBase,
  status: ReleaseRunStatus,
): Omit<ReleaseSnapshot, 'currentStep' | 'steps'> {
  return {
    id: context.releaseId,
    planName: context.plan.name,
    strategy,
    phase: phaseOf(value),
    status,
    pause: status === 'paused' ? context.pause : null,
    traffic: trafficView(context),
    decisions: context.decisions,
    samples: context.samples.slice(-200),
    startedAtMs: context.startedAtMs,
    updatedAtMs: context.nowMs,
    finishedAtMs: context.finishedAtMs,
    waitUntilMs: status === 'running' ? context.waitUntilMs : null,
  };
}

/** The renderer's view of a canary release from its machine state and context. */
export function projectCanary(value: StateValueLike, context: CanaryContext): ReleaseSnapshot {
  const phase = phaseOf(value);
  const paused = /steps\.held|untilPromoted|^stuck/.test(phase);
  const status: ReleaseRunStatus =
    phase === 'completed' ? 'completed' : phase === 'aborted' ? 'aborted' : paused ? 'paused' : 'running';
  const steps = (context.plan.strategy as CanaryStrategy).steps;
  const finished = phase === 'completed';
  const stepViews: StepView[] = steps.map((step, index) => {
    let state: StepView['state'] = 'pending';
    if (context.skipped.includes(index)) state = 'skipped';
    else if (context.failedStep === index) state = 'failed';
    else if (index < context.stepIndex || finished) state = 'done';
    else if (index === context.stepIndex && phase.startsWith('running')) state = 'active';
    return { index, label: canaryStepLabel(step), state };
  });
  return {
    ...baseProjection('canary', value, context, status),
    currentStep: context.stepIndex < steps.length && !finished ? context.stepIndex : null,
    steps: stepViews,
  };
}
