import { durationMs } from '../../../src-shared/plan/duration.ts';
import {
  DEFAULT_READY_TIMEOUT,
  type CanaryStep,
  type CanaryStrategy,
} from '../../../src-shared/plan/plan.schema.ts';
import type { OperatorEvent } from '../../../src-shared/release/release.schema.ts';
import type { AnalysisRun, TriggerWatchContext } from './analysis-run.ts';
import type { ReadyWaitContext } from './ready-wait.ts';

/** An operator event as the runner delivers it: stamped with the clock time and the operator's name. */
export type StampedOperatorEvent = OperatorEvent & { atMs?: number; by?: string };

/** What the canary machine remembers; all of it survives a persisted snapshot. */
export interface CanaryContext extends TriggerWatchContext, ReadyWaitContext {
  /** The plan's background analysis (`strategy.background`), measured from its starting step to the end. */
  background: AnalysisRun | null;
  /** 0-based index of the current plan step (equals the number of steps once all are done). */
  stepIndex: number;
  /** Steps an operator skipped with PROMOTE. */
  skipped: number[];
  /** Absolute end of the current timed pause step, milliseconds since the Unix epoch. */
  pauseUntilMs: number | null;
  analysis: AnalysisRun | null;
  /** Step index of the analysis that failed or was inconclusive, shown as failed. */
  failedStep: number | null;
  /** The top-level state a failed operation should be retried in on RESUME. */
  stuckAt: 'starting' | 'promoting' | 'aborting' | null;
}

/** The argument of a canary's guards, inputs and dynamic params that read context. */
export type Ctx = { context: CanaryContext };

/** The two analysis runs of a canary: the current step's and the background one. */
export type RunField = 'analysis' | 'background';

export const canaryStrategy = (context: Pick<CanaryContext, 'plan'>) =>
  context.plan.strategy as CanaryStrategy;

export function canarySteps(context: Pick<CanaryContext, 'plan'>): CanaryStep[] {
  return canaryStrategy(context).steps;
}

export function currentStep(context: CanaryContext): CanaryStep | undefined {
  return canarySteps(context)[context.stepIndex];
}

/** The weight of the current step (a weight step), percent. */
export function stepWeight(context: CanaryContext): number {
  const step = currentStep(context);
  return step && 'setWeight' in step ? step.setWeight : 0;
}

/** The plan's readyTimeout as written, e.g. `10m`. */
export const readyTimeoutOf = (context: Pick<CanaryContext, 'plan'>) =>
  canaryStrategy(context).readyTimeout ?? DEFAULT_READY_TIMEOUT;

/** The plan's wait for canary pods to become ready, milliseconds. */
export const readyTimeoutMs = (context: Pick<CanaryContext, 'plan'>) => durationMs(readyTimeoutOf(context));

/** A short label of a canary step, e.g. `set weight 10 %`, `pause 10m`, `analysis initial-canary`. */
export function canaryStepLabel(step: CanaryStep): string {
  if ('setWeight' in step) return `set weight ${step.setWeight} %`;
  if ('pause' in step) return step.pause.duration ? `pause ${step.pause.duration}` : 'pause until promoted';
  return `analysis ${step.analysis.templates.join(', ')}`;
}

/** The context change that moves on to the next step. */
export const advance = (context: CanaryContext) => ({
  stepIndex: context.stepIndex + 1,
  readyDeadlineMs: null,
  pauseUntilMs: null,
  analysis: null,
  waitUntilMs: null,
  pause: null,
});
