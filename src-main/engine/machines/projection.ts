import type { BlueGreenStrategy, CanaryStrategy } from '../../../src-shared/plan/plan.schema.ts';
import type {
  ReleaseRunStatus,
  ReleaseSnapshot,
  StepView,
  TrafficView,
} from '../../../src-shared/release/release.schema.ts';
import { flagStepLabel } from '../../../src-shared/plan/flag-rollout.schema.ts';
import { rampPlanOf } from '../../../src-shared/plan/flag-with-deploy.ts';
import type { AbContext } from './ab-test.machine.ts';
import { flagSteps } from './flag-ramp.ts';
import type { BlueGreenContext } from './blue-green.machine.ts';
import { canaryStepLabel, type CanaryContext } from './canary.machine.ts';
import { mergeDecisions, type MigrationContext } from './migration.machine.ts';
import type { ReleaseContextBase } from './release-common.ts';
import type { RollingContext } from './rolling.machine.ts';
import { cohortTraffic, cohortView, rolloutView, splitDiffers } from './traffic-detail.ts';

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
  const mismatch = actual !== null && splitDiffers(actual, context.intended);
  const onResume = context.split?.onResume;
  return {
    intended: context.intended,
    actual,
    source: context.split?.source ?? null,
    mismatch,
    ...(onResume ? { onResume } : {}),
  };
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
  const labels = (context.plan.strategy as CanaryStrategy).steps.map(canaryStepLabel);
  return projectNumberedSteps('canary', value, context, labels);
}

/** Where a release of numbered plan steps (canary, flag ramp) stands. */
export interface NumberedStepsContext extends ReleaseContextBase {
  stepIndex: number;
  skipped: number[];
  failedStep: number | null;
}

/**
 * The view of a release that walks numbered plan steps (a canary, a flag ramp): paused in `held`,
 * `untilPromoted` or `stuck`, each step pending, active, done, skipped or failed.
 */
export function projectNumberedSteps(
  strategy: string,
  value: StateValueLike,
  context: NumberedStepsContext,
  labels: readonly string[],
): ReleaseSnapshot {
  const phase = phaseOf(value);
  const paused = /steps\.held|untilPromoted|^stuck/.test(phase);
  const status: ReleaseRunStatus =
    phase === 'completed' ? 'completed' : phase === 'aborted' ? 'aborted' : paused ? 'paused' : 'running';
  const finished = phase === 'completed';
  // An aborted release stopped at its step (an operator's abort or a fired trigger: the step itself did not fail,
  // a failed analysis marks its step failed instead) and the rest were never reached.
  const ended = status === 'aborted';
  const stepViews: StepView[] = labels.map((label, index) => {
    let state: StepView['state'] = 'pending';
    if (context.skipped.includes(index)) state = 'skipped';
    else if (context.failedStep === index) state = 'failed';
    else if (index < context.stepIndex || finished) state = 'done';
    else if (index === context.stepIndex && phase.startsWith('running')) state = 'active';
    else if (ended)
      state = index === context.stepIndex && context.failedStep === null ? 'stopped' : 'skipped';
    return { index, label, state };
  });
  return {
    ...baseProjection(strategy, value, context, status),
    currentStep: context.stepIndex < labels.length && !finished ? context.stepIndex : null,
    steps: stepViews,
  };
}

/** A fixed sequence of stages, as `[state name, label]`, shown as the steps of a step-less strategy. */
type Stages = readonly (readonly [string, string])[];

/** Where a release of stages stands outside them (held, rolling back, ended), from what its machine remembers. */
interface StagesLeft {
  /** The last stage entered (`ReleaseContextBase.reached`); absent in releases journaled before it was kept. */
  reached?: string | undefined;
  /** True when the release is held at a stage and RESUME goes on from it (not held while rolling back). */
  heldAtStage: boolean;
  /** True when every stage finished before the release left them (it completes, or was rolled back later). */
  allDone: boolean;
}

function stageViews(
  stages: Stages,
  phase: string,
  status: ReleaseRunStatus,
  /** For an ended release: the last stage known to have finished (-1 when none is known). */
  doneThrough = -1,
  left?: StagesLeft,
): { steps: StepView[]; current: number | null } {
  const segments = phase.split('.');
  const at = stages.findIndex(([name]) => segments.includes(name));
  const reachedAt = left?.reached ? stages.findIndex(([name]) => name === left.reached) : -1;
  if (at < 0 && status !== 'completed' && left && reachedAt >= 0) return stagesLeft(stages, reachedAt, left);
  const steps = stages.map(([, label], index): StepView => {
    if (status === 'completed') return { index, label, state: 'done' };
    if (at < 0 && index <= doneThrough) return { index, label, state: 'done' };
    if (at < 0) return { index, label, state: status === 'running' ? 'pending' : 'skipped' };
    if (index < at) return { index, label, state: 'done' };
    if (index === at) return { index, label, state: 'active' };
    return { index, label, state: 'pending' };
  });
  return { steps, current: at < 0 || status === 'completed' ? null : at };
}

/**
 * The stages of a release outside them: held at the stage it reached (that one current), or rolling back or ended
 * (the stages before it done, it failed, the rest never reached), or all done.
 */
function stagesLeft(
  stages: Stages,
  reachedAt: number,
  left: StagesLeft,
): { steps: StepView[]; current: number | null } {
  const steps = stages.map(([, label], index): StepView => {
    if (left.allDone || index < reachedAt) return { index, label, state: 'done' };
    if (index > reachedAt) return { index, label, state: left.heldAtStage ? 'pending' : 'skipped' };
    return { index, label, state: left.heldAtStage ? 'active' : 'failed' };
  });
  return { steps, current: left.heldAtStage ? reachedAt : null };
}

const BLUE_GREEN_STAGES: Stages = [
  ['locating', 'find the active colour'],
  ['deploying', 'deploy the idle colour'],
  ['ready', 'wait until ready'],
  ['warming', 'warm up'],
  ['smoking', 'smoke checks'],
  ['switching', 'switch traffic'],
  ['settling', 'settle'],
  ['validating', 'validate'],
];

const ROLLING_STAGES: Stages = [
  ['setting', 'set the image'],
  ['following', 'follow the rollout'],
  ['validating', 'validate'],
];

function terminalStatus(phase: string): ReleaseRunStatus {
  if (phase === 'completed') return 'completed';
  if (phase === 'rolledBack') return 'rolledBack';
  if (phase === 'abandoned') return 'aborted';
  if (/(^|\.)held$/.test(phase)) return 'paused';
  return 'running';
}

/** The stages of one blue-green plan: a wait for promotion and a scale-down only when the plan has them. */
function blueGreenStages(strategy: BlueGreenStrategy): Stages {
  return BLUE_GREEN_STAGES.flatMap((stage): Stages => {
    if (stage[0] === 'switching' && !strategy.autoPromote)
      return [['awaitingPromotion', 'wait for promotion'], stage];
    if (stage[0] === 'validating' && !strategy.keepPrevious)
      return [stage, ['scalingDown', 'scale down the previous colour']];
    return [stage];
  });
}

/** The renderer's view of a blue-green release. */
export function projectBlueGreen(value: StateValueLike, context: BlueGreenContext): ReleaseSnapshot {
  const phase = phaseOf(value);
  const status = /awaitingPromotion$/.test(phase) ? 'paused' : terminalStatus(phase);
  const stages = blueGreenStages(context.plan.strategy as BlueGreenStrategy);
  // Only a switched release rolls back (one stopped before the switch is abandoned), so a rolled-back one did
  // every stage up to the switch.
  const switchedAt = stages.findIndex(([name]) => name === 'switching');
  const wasSwitched = context.switched || status === 'rolledBack';
  const { steps, current } = stageViews(stages, phaseOf(value), status, wasSwitched ? switchedAt : -1, {
    // A release journaled before the stage reached was kept: where it is held, if it is.
    reached: context.reached ?? context.stuckAt ?? undefined,
    heldAtStage: heldAtStage(phase, context.stuckAt, stages),
    // A release rolled back after it completed (or after its validation passed) did every stage.
    allDone: context.decisions.some(
      (d) => d.kind === 'complete' && (d.cause === 'validation-passed' || d.cause === 'completed'),
    ),
  });
  return { ...baseProjection('blue-green', value, context, status), currentStep: current, steps };
}

/** True when the release is held at one of `stages` (not while rolling back or undoing). */
function heldAtStage(phase: string, stuckAt: string | null, stages: Stages): boolean {
  return /(^|\.)held$/.test(phase) && stages.some(([name]) => name === stuckAt);
}

/** The renderer's view of a rolling release. */
export function projectRolling(value: StateValueLike, context: RollingContext): ReleaseSnapshot {
  const phase = phaseOf(value);
  const status = terminalStatus(phase);
  const { steps, current } = stageViews(ROLLING_STAGES, phase, status, -1, {
    // A release journaled before the stage reached was kept: where it is held, if it is.
    reached: context.reached ?? context.stuckAt ?? undefined,
    heldAtStage: heldAtStage(phase, context.stuckAt, ROLLING_STAGES),
    allDone: context.endsAs === 'completed',
  });
  return {
    ...baseProjection('rolling', value, context, status),
    rollout: rolloutView(phase, context),
    currentStep: current,
    steps,
  };
}

/**
 * The step labels a strategy's projection shows for `plan`, before it runs (`flag-after-ramp`: the plan's
 * flag ramp after its deploy).
 */
export function plannedSteps(plan: CanaryContext['plan'], strategy: string): string[] {
  if (strategy === 'flag-after-ramp') return flagSteps(rampPlanOf(plan)).map(flagStepLabel);
  if (strategy.startsWith('flag-after:'))
    return [
      ...plannedSteps(plan, strategy.slice('flag-after:'.length)),
      ...plannedSteps(plan, 'flag-after-ramp'),
    ];
  if (strategy === 'canary' && plan.strategy.kind === 'canary')
    return plan.strategy.steps.map((step) => canaryStepLabel(step));
  if (strategy === 'blue-green' && plan.strategy.kind === 'blue-green')
    return blueGreenStages(plan.strategy).map(([, label]) => label);
  if (strategy === 'rolling') return ROLLING_STAGES.map(([, label]) => label);
  return [`${strategy} release`];
}

/** A machine snapshot as the projections read it; `children` holds invoked child actors. */
export interface SnapshotLike {
  value: StateValueLike;
  context: unknown;
  children?: Record<string, { getSnapshot(): unknown } | undefined>;
}

/**
 * The renderer's view of a release wrapped in migration gates: the expand gate, the strategy's own steps
 * (from its child machine while it runs), and the contract gate.
 */
export function projectMigration(
  snapshot: SnapshotLike,
  strategy: string,
  projectInner: (s: SnapshotLike) => ReleaseSnapshot,
): ReleaseSnapshot {
  const context = snapshot.context as MigrationContext;
  const phase = phaseOf(snapshot.value);
  const childSnap = snapshot.children?.strategy?.getSnapshot() as SnapshotLike | undefined;
  const inner = phase === 'strategy' && childSnap ? projectInner(childSnap) : null;
  let status: ReleaseRunStatus = 'running';
  if (inner) status = inner.status === 'completed' ? 'running' : inner.status;
  else if (phase === 'completed') status = 'completed';
  else if (phase === 'stopped') status = context.strategyOutcome ?? 'aborted';
  else if (/awaiting|held/.test(phase)) status = 'paused';
  const base = baseProjection(`migration:${strategy}`, snapshot.value, context, status);
  // Before and after the wrapped strategy runs, its planned steps stand in for it, so the numbering stays the
  // same all through (step 1 of 5 … 5 of 5, not 1 of 3 → 2 of 5 → 3 of 3).
  const outside: StepView['state'] =
    context.strategyOutcome === 'completed' ? 'done' : context.strategyOutcome ? 'failed' : 'pending';
  // A strategy that stopped keeps its step list as it ended (a flag with deploy's needs its children: planned).
  const ended =
    !inner && outside === 'failed' && context.strategyEnd && !strategy.startsWith('flag-after')
      ? projectInner({
          value:
            strategy === 'blue-green' && context.strategyOutcome === 'aborted'
              ? 'abandoned'
              : (context.strategyOutcome ?? ''),
          context: { ...context, workload: null, ...context.strategyEnd },
        })
      : null;
  const innerSteps: StepView[] =
    inner?.steps ??
    ended?.steps ??
    plannedSteps(context.plan, strategy).map((label, index) => ({
      index,
      label,
      state: outside === 'failed' && index > 0 ? 'skipped' : outside,
    }));
  const gate = (name: 'expand' | 'contract'): StepView['state'] => {
    if (phase.startsWith(name)) return 'active';
    if (status === 'completed') return 'done';
    if (name === 'expand')
      return phase === 'stopped' && !context.strategyOutcome
        ? 'failed'
        : phase.startsWith('expand')
          ? 'active'
          : 'done';
    return phase === 'stopped' ? 'skipped' : 'pending';
  };
  const steps: StepView[] = [
    { index: 0, label: 'expand migration', state: gate('expand') },
    ...innerSteps.map((s, i) => ({ ...s, index: i + 1 })),
    { index: innerSteps.length + 1, label: 'contract migration', state: gate('contract') },
  ];
  const current = phase.startsWith('expand')
    ? 0
    : inner
      ? inner.currentStep === null
        ? null
        : inner.currentStep + 1
      : phase.startsWith('contract')
        ? innerSteps.length + 1
        : null;
  return {
    ...base,
    phase: inner ? `strategy.${inner.phase}` : phase,
    pause: inner ? inner.pause : base.pause,
    traffic: inner ? inner.traffic : base.traffic,
    ...(inner?.rollout ? { rollout: inner.rollout } : {}),
    ...(inner?.cohorts ? { cohorts: inner.cohorts } : {}),
    decisions: inner ? mergeDecisions(context.decisions, inner.decisions) : context.decisions,
    samples: inner ? inner.samples : base.samples,
    updatedAtMs: inner?.updatedAtMs ?? base.updatedAtMs,
    waitUntilMs: inner ? inner.waitUntilMs : base.waitUntilMs,
    currentStep: current,
    steps,
  };
}

const AB_STAGES: Stages = [
  ['starting', 'start the treatment'],
  ['routing', 'route the cohort'],
  ['running', 'collect and test'],
  ['undecided', 'decide'],
];

/** The renderer's view of an A/B test. */
export function projectAbTest(value: StateValueLike, context: AbContext): ReleaseSnapshot {
  const phase = phaseOf(value);
  const status: ReleaseRunStatus =
    phase === 'rejected' ? 'aborted' : /undecided/.test(phase) ? 'paused' : terminalStatus(phase);
  const { steps, current } = stageViews(AB_STAGES, phase, status);
  const base = baseProjection('ab-test', value, context, status);
  return {
    ...base,
    traffic: cohortTraffic(base.traffic, context),
    cohorts: cohortView(context),
    currentStep: current,
    steps,
  };
}
