import { assign, setup } from 'xstate';
import type { RollingStrategy } from '../../../src-shared/plan/plan.schema.ts';
import type { WorkloadRole, WorkloadState } from '../../ports/release.port.ts';
import { noTriggerWatch, triggerWatchRegion, type TriggerWatchContext } from './analysis-run.ts';
import type { StampedOperatorEvent } from './canary-context.ts';
import { operatorWords, rollingWords } from './decision-words.ts';
import { heldOn, heldState, reachingOn, sharedActions, sharedGuards } from './held-state.ts';
import {
  baseActors,
  baseContext,
  engineDecision,
  opActor,
  pollState,
  strategyOutput,
  type ReleaseInput,
  type OpDone,
} from './release-common.ts';
import {
  validationActions,
  validationGuards,
  validationInput,
  validationIs,
  validated,
} from './validation-outcome.ts';
import { validationMachine, type ValidationSamplesEvent } from './validation.machine.ts';

export type RollingStage = 'setting' | 'following' | 'undoing' | 'unwinding' | 'restoring';

/** What the rolling machine remembers; all of it survives a persisted snapshot. */
export interface RollingContext extends TriggerWatchContext {
  /** Revision before the new image (the one `undo` returns to); null until the image is set. */
  previousRevision: number | null;
  revision: number | null;
  /** Absolute progress deadline, milliseconds since the Unix epoch. */
  progressDeadlineMs: number | null;
  /** The last workload counts read. */
  workload: WorkloadState | null;
  /** When `workload` was read, milliseconds since the Unix epoch (absent in releases started before it was kept). */
  workloadReadAtMs?: number | null;
  /** Absolute deadline of the undo (the plan's progress deadline after it), milliseconds since the Unix epoch. */
  undoDeadlineMs?: number | null;
  /** How the release ends once the rollout settings are put back. */
  endsAs?: 'completed' | 'rolledBack';
  stuckAt: RollingStage | null;
}

type RollingEvent = StampedOperatorEvent | ValidationSamplesEvent;

const strategyOf = (c: RollingContext) => c.plan.strategy as RollingStrategy;
/** The runbook watches a rollout every 5 s. */
const FOLLOW_POLL_MS = 5_000;
/** An undo is followed every 2 s: the release is reported rolled back as soon as it has finished. */
const UNDO_POLL_MS = 2_000;

/** Why a rollout counts as failed, or null while it may still progress. */
export function rolloutProblem(w: WorkloadState, nowMs: number, deadlineMs: number | null): string | null {
  if (w.failingPods > 0) return `${w.failingPods} pod(s) are failing or crash-looping`;
  if (w.progressDeadlineExceeded) return 'the controller reports ProgressDeadlineExceeded';
  if (deadlineMs !== null && nowMs >= deadlineMs)
    return `the rollout made no full progress before its deadline (${w.updated} of ${w.desired} updated, ${w.ready} ready)`;
  return null;
}

const rolledOut = (w: WorkloadState) =>
  w.updated >= w.desired && w.ready >= w.desired && w.available >= w.desired && w.desired > 0;

/**
 * True once a rollout (or an undo) has finished: the controller has seen the latest spec (a resumed release may
 * read counts left from the revision before), every pod runs the new revision and is ready, no other pod is left.
 */
export const rolloutFinished = (w: WorkloadState) =>
  w.observed !== false && rolledOut(w) && (w.current ?? w.desired) <= w.desired;

/** The counts of a workload in words, e.g. `18 of 20 pods updated, 17 ready, 22 in all`. */
export function podCounts(w: WorkloadState): string {
  return `${w.updated} of ${w.desired} pods updated, ${w.ready} ready${w.current !== undefined ? `, ${w.current} in all` : ''}`;
}

type C = RollingContext;
type E = RollingEvent;

/** An operator's roll back or abort: the rollout is undone. */
const operatorUndo = (kind: 'abort' | 'rollback') => ({
  target: 'undoing',
  actions: {
    type: 'operatorSays' as const,
    params: { kind, stepIndex: null, what: operatorWords.workloadRolledBack(kind) },
  },
});

const HELD = '#rolling.live.steps.held';
const deadlineAfter = (context: C, atMs: number) => atMs + strategyOf(context).progressDeadlineSeconds * 1000;

/** The workload counts a probe read. */
const WORKLOAD_READ = {
  type: 'workloadRead' as const,
  params: ({ event }: OpDone<'workloadState'>) => ({
    atMs: event.output.atMs,
    workload: event.output.result,
  }),
};

const FINISHED = {
  type: 'finished' as const,
  params: ({ event }: OpDone<'restoreRollout'>) => ({ atMs: event.output.atMs }),
};

/**
 * Follows the workload: reads its counts (`why` for the audit log), takes the first of `checks` that holds,
 * else reads again after `pollMs` or at `deadlineOf`, whichever comes first. A failed read holds the release
 * at `stage`.
 */
function followWorkload<const T>(
  read: { why: string; stage: RollingStage; doing: string },
  checks: readonly T[],
  pollMs: number,
  deadlineOf: (context: C) => number | null,
) {
  return {
    initial: 'probe' as const,
    states: {
      probe: {
        invoke: {
          src: 'workloadState' as const,
          input: () => ({ args: ['stable'] as [WorkloadRole], why: read.why }),
          onDone: { target: 'check', actions: WORKLOAD_READ },
          onError: heldOn<C>(read.stage, read.doing, HELD),
        },
      },
      check: { always: [...checks, { target: 'sleeping' }] },
      sleeping: pollState<C, E>(pollMs, deadlineOf),
    },
  };
}

const HELD_STATE = heldState<RollingStage, 'forgetUndoDeadline'>(
  [
    { stage: 'setting', target: 'setting' },
    { stage: 'undoing', target: '#rolling.undoing' },
    // The undo that did not finish in time gets the plan's whole progress deadline again.
    { stage: 'unwinding', target: '#rolling.unwinding', actions: 'forgetUndoDeadline' },
    { stage: 'restoring', target: '#rolling.restoring' },
  ],
  'following',
);

/**
 * The rolling machine: set the image, follow the rollout every 5 s (failing or crash-looping pods and the
 * progress deadline fail it), validate with the child validation machine, and `rollout undo` to the
 * previous revision on any failure or on `ROLLBACK`. From the image change until completion a parallel
 * `guard` region watches the plan's `rollbackTriggers` and undoes the rollout when one fires.
 */
export const rollingMachine = setup({
  types: { context: {} as C, events: {} as E, input: {} as ReleaseInput },
  actors: {
    ...baseActors,
    setImage: opActor('setImage'),
    workloadState: opActor('workloadState'),
    undo: opActor('undo'),
    restoreRollout: opActor('restoreRollout'),
    validation: validationMachine,
  },
  actions: {
    ...sharedActions<C, E>(),
    ...validationActions<C, E>(),
    imageSet: assign(({ context }, p: { atMs: number; revision: number }) => ({
      nowMs: p.atMs,
      startedAtMs: context.startedAtMs ?? p.atMs,
      revision: p.revision,
      previousRevision: context.previousRevision ?? Math.max(1, p.revision - 1),
      progressDeadlineMs: context.progressDeadlineMs ?? deadlineAfter(context, p.atMs),
    })),
    workloadRead: assign((_, p: { atMs: number; workload: WorkloadState }) => ({
      nowMs: p.atMs,
      workload: p.workload,
      workloadReadAtMs: p.atMs,
    })),
    rolloutFailed: assign(({ context }) => ({
      decisions: engineDecision(
        context,
        'rollback',
        'rollout-failed',
        rollingWords.rolloutFailed(
          context.version,
          rolloutProblem(context.workload as WorkloadState, context.nowMs ?? 0, context.progressDeadlineMs),
          context.previousRevision,
        ),
      ),
    })),
    endsAs: assign((_, p: { endsAs: 'completed' | 'rolledBack' }) => ({ endsAs: p.endsAs })),
    undone: assign(({ context }, p: { atMs: number }) => ({
      nowMs: p.atMs,
      undoDeadlineMs: context.undoDeadlineMs ?? deadlineAfter(context, p.atMs),
    })),
    forgetUndoDeadline: assign({ undoDeadlineMs: null }),
    rolledBack: assign(({ context }) => {
      const w = context.workload as WorkloadState;
      // The reason for the undo stays in the sentence that ends the release.
      const why = context.decisions.findLast((d) => d.kind === 'rollback');
      return {
        undoDeadlineMs: null,
        endsAs: 'rolledBack' as const,
        decisions: engineDecision(
          context,
          'complete',
          why?.cause ?? 'rollout-failed',
          rollingWords.rolledBack(context.previousRevision ?? w.revision, w.desired, w.image, why?.summary),
        ),
      };
    }),
    undoUnfinished: assign(({ context }) => {
      const w = context.workload as WorkloadState;
      const summary = rollingWords.undoUnfinished(
        context.previousRevision ?? w.revision,
        strategyOf(context).progressDeadlineSeconds,
        podCounts(w),
      );
      return {
        stuckAt: 'unwinding' as const,
        pause: { cause: 'rollout-failed' as const, message: summary, sinceMs: context.nowMs ?? 0 },
        decisions: engineDecision(context, 'pause', 'rollout-failed', summary),
      };
    }),
  },
  guards: {
    ...sharedGuards<C>(),
    ...validationGuards,
    rolloutFailing: ({ context }) =>
      rolloutProblem(context.workload as WorkloadState, context.nowMs ?? 0, context.progressDeadlineMs) !==
      null,
    rolloutFinished: ({ context }) => rolloutFinished(context.workload as WorkloadState),
    undoTooLong: ({ context }) => (context.nowMs ?? 0) >= (context.undoDeadlineMs ?? Infinity),
    endsRolledBack: ({ context }) => context.endsAs === 'rolledBack',
  },
}).createMachine({
  id: 'rolling',
  output: strategyOutput,
  context: ({ input }) => ({
    ...baseContext(input, {}),
    previousRevision: null,
    revision: null,
    progressDeadlineMs: null,
    workload: null,
    stuckAt: null,
    ...noTriggerWatch(),
  }),
  initial: 'live',
  states: {
    live: {
      type: 'parallel',
      on: {
        ROLLBACK: operatorUndo('rollback'),
        // Aborting a rolling update undoes it, as rolling back does.
        ABORT: operatorUndo('abort'),
        VALIDATION_SAMPLES: { actions: 'collectSamples' },
      },
      states: {
        steps: {
          initial: 'setting',
          states: {
            setting: {
              entry: { type: 'reached', params: { stage: 'setting' } },
              invoke: {
                src: 'setImage',
                input: ({ context }) => ({
                  args: [context.plan.target.image] as [string],
                  why: `set the image of ${context.plan.target.name} to ${context.plan.target.image}`,
                }),
                onDone: {
                  target: 'following',
                  actions: {
                    type: 'imageSet',
                    params: ({ event }) => ({
                      atMs: event.output.atMs,
                      revision: event.output.result.revision,
                    }),
                  },
                },
                onError: heldOn<C>('setting', 'setting the image'),
              },
            },
            following: reachingOn(
              'following',
              followWorkload(
                { why: 'follow the rollout', stage: 'following', doing: 'following the rollout' },
                [
                  { guard: 'rolloutFailing', target: '#rolling.undoing', actions: 'rolloutFailed' },
                  { guard: 'rolloutFinished', target: '#rolling.live.steps.validating' },
                ],
                FOLLOW_POLL_MS,
                (context) => context.progressDeadlineMs,
              ),
            ),
            validating: {
              entry: [{ type: 'reached', params: { stage: 'validating' } }, 'clearWait'],
              invoke: {
                src: 'validation',
                input: validationInput<C>(
                  () => 'stable',
                  (context) => strategyOf(context).validation,
                ),
                onDone: [
                  {
                    guard: validationIs('passed'),
                    target: '#rolling.restoring',
                    actions: [validated<C>(), { type: 'endsAs', params: { endsAs: 'completed' } }],
                  },
                  {
                    guard: validationIs('failed'),
                    target: '#rolling.undoing',
                    actions: validated<C>((context) => ({
                      then: rollingWords.undoingTo(context.previousRevision),
                    })),
                  },
                  {
                    target: 'held',
                    actions: validated<C, RollingStage>(() => ({ stuckAt: 'following' })),
                  },
                ],
              },
            },
            held: HELD_STATE,
          },
        },
        guard: triggerWatchRegion<C, E>([
          {
            target: '#rolling.undoing',
            kind: 'rollback',
            then: (context) => rollingWords.triggerUndoes(context.previousRevision),
          },
        ]),
      },
    },
    undoing: {
      entry: 'clearWait',
      invoke: {
        src: 'undo',
        input: ({ context }) => ({
          args: (context.previousRevision === null ? [] : [context.previousRevision]) as [number?],
          why: `undo the rollout to revision ${context.previousRevision ?? 'before'}`,
        }),
        onDone: {
          target: 'unwinding',
          actions: { type: 'undone', params: ({ event }) => ({ atMs: event.output.atMs }) },
        },
        onError: heldOn<C>('undoing', 'undoing the rollout', HELD),
      },
    },
    // "Rolled back" only once the undo has finished: every pod on the previous revision and ready.
    unwinding: followWorkload(
      { why: 'follow the undo', stage: 'unwinding', doing: 'following the undo' },
      [
        { guard: 'rolloutFinished', target: '#rolling.restoring', actions: 'rolledBack' },
        { guard: 'undoTooLong', target: HELD, actions: 'undoUnfinished' },
      ],
      UNDO_POLL_MS,
      (context) => context.undoDeadlineMs ?? null,
    ),
    restoring: {
      entry: 'clearWait',
      invoke: {
        src: 'restoreRollout',
        input: () => ({
          args: [] as [],
          why: 'put back the rollout settings the workload had before the release',
        }),
        onDone: [
          { guard: 'endsRolledBack', target: 'rolledBack', actions: FINISHED },
          { target: 'completed', actions: FINISHED },
        ],
        onError: heldOn<C>('restoring', 'putting back the rollout settings', HELD),
      },
    },
    completed: { type: 'final', output: { outcome: 'completed' } },
    rolledBack: { type: 'final', output: { outcome: 'rolledBack' } },
  },
});

/** The rolling machine type. */
export type RollingMachine = typeof rollingMachine;
