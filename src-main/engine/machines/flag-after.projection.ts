import type {
  ReleaseRunStatus,
  ReleaseSnapshot,
  StepView,
} from '../../../src-shared/release/release.schema.ts';
import { rampDecisions, type FlagAfterContext, type StepRecord } from './flag-after.machine.ts';
import { mergeDecisions } from './migration.machine.ts';
import { baseProjection, phaseOf, plannedSteps, type SnapshotLike } from './projection.ts';

/** A phase of the release as the projection needs it: its machine's name and view. */
interface PhaseEntry {
  name: string;
  project(
    value: SnapshotLike['value'],
    context: unknown,
    children?: SnapshotLike['children'],
  ): ReleaseSnapshot;
}

/**
 * The steps of a phase that is not running: all done once it completed; where it stood when it ended (its
 * numbered steps), or its first step failed and the rest skipped; all pending before it ran, all skipped
 * when it never will (`never`).
 */
function standIn(
  labels: readonly string[],
  outcome: ReleaseRunStatus | 'pending' | 'never',
  record: StepRecord | undefined,
): StepView[] {
  return labels.map((label, index): StepView => {
    if (outcome === 'completed') return { index, label, state: 'done' };
    if (outcome === 'pending') return { index, label, state: 'pending' };
    if (outcome === 'never') return { index, label, state: 'skipped' };
    if (record) {
      if (record.skipped.includes(index)) return { index, label, state: 'skipped' };
      if (record.failedStep === index) return { index, label, state: 'failed' };
      if (index === record.stepIndex && outcome === 'aborted') return { index, label, state: 'stopped' };
      return { index, label, state: index < record.stepIndex ? 'done' : 'skipped' };
    }
    return { index, label, state: index === 0 ? 'failed' : 'skipped' };
  });
}

/**
 * The renderer's view of a flag with deploy: the deploy's steps, then the ramp's, numbered as one list (step
 * 4 of 9 is the ramp's first step after a canary of 3), from the running phase's own machine while it runs.
 * Before each phase the wrapper checks that the flag is off for everyone (paused, naming it, when not).
 */
export function projectFlagAfter(
  snapshot: SnapshotLike,
  deploy: PhaseEntry,
  ramp: PhaseEntry,
): ReleaseSnapshot {
  const context = snapshot.context as FlagAfterContext;
  const phase = phaseOf(snapshot.value);
  const running = phase === 'deploying' ? deploy : phase === 'ramping' ? ramp : null;
  const childSnap = running
    ? (snapshot.children?.[phase === 'deploying' ? 'strategy' : 'ramp']?.getSnapshot() as
        SnapshotLike | undefined)
    : undefined;
  const inner =
    running && childSnap ? running.project(childSnap.value, childSnap.context, childSnap.children) : null;

  let status: ReleaseRunStatus = 'running';
  if (inner) status = inner.status === 'completed' ? 'running' : inner.status;
  else if (phase === 'completed') status = 'completed';
  else if (phase === 'stopped') status = context.outcome ?? 'aborted';
  else if (phase === 'held') status = 'paused';

  const deployLabels = plannedSteps(context.plan, deploy.name);
  const rampLabels = plannedSteps(context.plan, 'flag-after-ramp');
  const deployed = context.deployOutcome === 'completed';
  const deploySteps =
    phase === 'deploying' && inner
      ? inner.steps
      : standIn(deployLabels, context.deployOutcome ?? 'pending', context.ended.deploy);
  // The ramp never runs after a deploy that did not complete, nor after a stop before it.
  const rampOutcome =
    phase === 'stopped' && (!deployed || context.ended.ramp === undefined)
      ? 'never'
      : !deployed || phase === 'checking' || phase === 'held'
        ? 'pending'
        : (context.outcome ?? 'pending');
  const rampSteps =
    phase === 'ramping' && inner ? inner.steps : standIn(rampLabels, rampOutcome, context.ended.ramp);
  const steps = [
    ...deploySteps.map((s, i) => ({ ...s, index: i })),
    ...rampSteps.map((s, i) => ({ ...s, index: deploySteps.length + i })),
  ];
  const offset = phase === 'ramping' ? deploySteps.length : 0;
  const currentStep = inner && inner.currentStep !== null ? inner.currentStep + offset : null;
  const base = baseProjection(`flag-after:${deploy.name}`, snapshot.value, context, status);
  return {
    ...base,
    // Once the ramp ran, the release ended in it (its traffic is the flag's exposure): `ramp.stopped`.
    phase: inner
      ? `${phase === 'deploying' ? 'deploy' : 'ramp'}.${inner.phase}`
      : context.ended.ramp
        ? `ramp.${phase}`
        : phase,
    pause: inner ? inner.pause : base.pause,
    traffic: inner ? inner.traffic : base.traffic,
    decisions: inner
      ? mergeDecisions(
          context.decisions,
          phase === 'ramping' ? rampDecisions(context, inner.decisions) : inner.decisions,
        )
      : context.decisions,
    samples: inner ? [...context.samples, ...inner.samples].slice(-200) : base.samples,
    updatedAtMs: inner?.updatedAtMs ?? base.updatedAtMs,
    waitUntilMs: inner ? inner.waitUntilMs : base.waitUntilMs,
    currentStep,
    steps,
  };
}
