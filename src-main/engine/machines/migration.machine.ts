import { assign, forwardTo, fromPromise, setup } from 'xstate';
import type { GateAction, Migration } from '../../../src-shared/plan/plan.schema.ts';
import type { Decision, ReleaseRunStatus } from '../../../src-shared/release/release.schema.ts';
import type { JobSpec } from '../../ports/release.port.ts';
import type { StampedOperatorEvent } from './canary-context.ts';
import { migrationWords, operatorSentence } from './decision-words.ts';
import { heldOn, heldState, noteTime, sharedActions, sharedGuards, started } from './held-state.ts';
import {
  baseActors,
  baseContext,
  byOf,
  engineDecision,
  operatorDecision,
  opActor,
  type ReleaseContextBase,
  type ReleaseInput,
  type StrategyOutput,
  type OpDone,
} from './release-common.ts';

type Gate = 'expand' | 'contract';

/** What the migration wrapper remembers; the strategy's own state lives in its child machine. */
export interface MigrationContext extends ReleaseContextBase {
  /** How the wrapped strategy ended: `completed` moves on to the contract gate, anything else stops. */
  strategyOutcome: ReleaseRunStatus | null;
  stuckAt: Gate | null;
  /**
   * Where the wrapped strategy's steps stood when its machine stopped (its `reached` stage, numbered step, skipped
   * and failed steps), so its step list still shows what it did. Absent in releases journaled before it was kept.
   */
  strategyEnd?: Record<string, unknown>;
}

/** The strategy context fields its step list is projected from. */
const STEP_FIELDS = [
  'reached',
  'stepIndex',
  'skipped',
  'failedStep',
  'switched',
  'endsAs',
  'stuckAt',
] as const;

const migrationOf = (c: MigrationContext) => c.plan.migration as Migration;
const actionOf = (c: MigrationContext, gate: Gate): GateAction | undefined => migrationOf(c)[gate]?.action;

function jobOf(c: MigrationContext, gate: Gate): JobSpec {
  const action = actionOf(c, gate) as Extract<GateAction, { kind: 'job' }>;
  return {
    name: `${c.plan.target.name}-${gate}`,
    image: action.image ?? c.plan.target.image,
    command: action.command,
  };
}

/** A strategy machine's final state names and how the release ended there. */
export const TERMINAL: Record<string, ReleaseRunStatus> = {
  completed: 'completed',
  aborted: 'aborted',
  rolledBack: 'rolledBack',
  abandoned: 'aborted',
};

/** A strategy machine's top-level state name from its snapshot, for the wrapper's guards. */
export function childTop(snapshot: unknown): string {
  const value = (snapshot as { value?: unknown }).value;
  return typeof value === 'string' ? value : (Object.keys((value as object) ?? {})[0] ?? '');
}

/**
 * The wrapped strategy's record, kept once its machine stops: its decisions (after the wrapper's own),
 * samples, traffic and times.
 */
export function adoptChild(
  context: Pick<ReleaseContextBase, 'decisions' | 'nowMs' | 'startedAtMs'>,
  snapshot: unknown,
): Partial<MigrationContext> {
  const child = (snapshot as { context?: ReleaseContextBase }).context;
  if (!child) return {};
  return {
    decisions: mergeDecisions(context.decisions, child.decisions),
    samples: child.samples,
    split: child.split,
    intended: child.intended,
    nowMs: child.nowMs ?? context.nowMs,
    startedAtMs: context.startedAtMs ?? child.startedAtMs,
    strategyEnd: Object.fromEntries(
      STEP_FIELDS.flatMap((k) => (k in child ? [[k, (child as unknown as Record<string, unknown>)[k]]] : [])),
    ),
  };
}

/** Both decision lists in time order, renumbered. */
export function mergeDecisions(a: readonly Decision[], b: readonly Decision[]): Decision[] {
  return [...a, ...b].sort((x, y) => x.atMs - y.atMs).map((d, i) => ({ ...d, seq: i + 1 }));
}

/** The instructions of a manual expand gate. */
const manualInstructions = (c: MigrationContext) =>
  (actionOf(c, 'expand') as Extract<GateAction, { kind: 'manual' }>).instructions;

/** An operator's decision at a gate. */
const operatorSays = (kind: 'continue' | 'complete' | 'abort', what: string) => ({
  type: 'operatorSays' as const,
  params: { kind, stepIndex: null, what },
});

/**
 * Runs the gate's Job: `succeeded` when it succeeds, else `failed` (its action given the time and the Job's
 * message). A Job that could not be run holds the gate.
 */
function gateJob<const S, const A>(gate: Gate, succeeded: S, failed: { target: string; action: A }) {
  return {
    invoke: {
      src: 'runJob' as const,
      input: ({ context }: { context: MigrationContext }) => ({
        args: [jobOf(context, gate)] as [JobSpec],
        why: `run the ${gate} migration Job`,
      }),
      onDone: [
        { guard: ({ event }: OpDone<'runJob'>) => event.output.result.succeeded, ...succeeded },
        {
          target: failed.target,
          actions: {
            type: failed.action,
            params: ({ event }: OpDone<'runJob'>) => ({
              atMs: event.output.atMs,
              message: event.output.result.message,
            }),
          },
        },
      ],
      onError: heldOn<MigrationContext>(gate, `running the ${gate} migration`),
    },
  };
}

/** A failed Job holds the gate; RESUME runs it again. */
const HELD = heldState<Gate>([], 'running', false);

/**
 * Expand → strategy → contract around any strategy. The expand gate runs its Job (or waits for the
 * operator's CONFIRM of a manual step); the strategy runs as the child `strategy` (operator events are
 * forwarded to it); once it completes, the contract gate always waits for an explicit CONFIRM, then runs.
 * A failed expand Job stops the release before anything is deployed; a strategy that aborts or rolls back
 * ends the release without contracting.
 */
export const migrationMachine = setup({
  types: {
    context: {} as MigrationContext,
    events: {} as StampedOperatorEvent,
    input: {} as ReleaseInput,
  },
  actors: {
    ...baseActors,
    runJob: opActor('runJob'),
    strategy: fromPromise<unknown, ReleaseInput>(() =>
      Promise.reject(new Error('The strategy actor was not provided to the migration machine.')),
    ),
  },
  actions: {
    ...sharedActions<MigrationContext, StampedOperatorEvent>(),
    stopAtExpand: assign(({ context, event }, params: { kind: 'abort' | 'rollback' }) => ({
      strategyOutcome: 'aborted' as const,
      pause: null,
      decisions: operatorDecision(
        context,
        event,
        params.kind,
        null,
        operatorSentence(byOf(event), migrationWords.stoppedAtExpand, event.reason),
      ),
    })),
    gatePaused: assign(({ context }, p: { message: string }) => ({
      pause: { cause: 'gate' as const, message: p.message, sinceMs: context.nowMs ?? 0 },
    })),
    clearPause: assign({ pause: null }),
    expandFailed: assign(({ context }, p: { atMs: number; message: string }) => ({
      nowMs: p.atMs,
      strategyOutcome: 'aborted' as const,
      finishedAtMs: p.atMs,
      decisions: engineDecision(
        { ...context, nowMs: p.atMs },
        'abort',
        'gate',
        migrationWords.expandFailed(p.message),
      ),
    })),
    contractFinished: assign(({ context }, p: { atMs: number }) => ({
      nowMs: p.atMs,
      finishedAtMs: p.atMs,
      decisions: engineDecision(
        { ...context, nowMs: p.atMs },
        'complete',
        'gate',
        migrationWords.contractFinished,
      ),
    })),
    contractFailed: assign((_, p: { atMs: number; message: string }) => ({
      stuckAt: 'contract' as const,
      pause: { cause: 'gate' as const, message: migrationWords.contractFailed(p.message), sinceMs: p.atMs },
    })),
    endedByOperator: assign(({ context, event }) => ({
      pause: null,
      finishedAtMs: event.atMs ?? context.nowMs,
    })),
  },
  guards: {
    ...sharedGuards<MigrationContext>(),
    expandIsJob: ({ context }) => actionOf(context, 'expand')?.kind === 'job',
    expandIsManual: ({ context }) => actionOf(context, 'expand')?.kind === 'manual',
    contractIsJob: ({ context }) => actionOf(context, 'contract')?.kind === 'job',
    hasContract: ({ context }) => actionOf(context, 'contract') !== undefined,
  },
}).createMachine({
  id: 'migration',
  context: ({ input }) => ({ ...baseContext(input, {}), strategyOutcome: null, stuckAt: null }),
  initial: 'expand',
  states: {
    expand: {
      initial: 'choose',
      states: {
        choose: {
          always: [
            { guard: 'expandIsJob', target: 'running' },
            { guard: 'expandIsManual', target: 'awaiting' },
            { target: '#migration.strategy' },
          ],
        },
        running: gateJob(
          'expand',
          { target: '#migration.strategy', actions: started },
          {
            target: '#migration.stopped',
            action: 'expandFailed',
          },
        ),
        awaiting: {
          entry: {
            type: 'gatePaused',
            params: ({ context }) => ({ message: migrationWords.expandGate(manualInstructions(context)) }),
          },
          on: {
            CONFIRM: {
              target: '#migration.strategy',
              actions: ['clearPause', operatorSays('continue', migrationWords.confirmedExpand)],
            },
          },
        },
        held: HELD,
      },
      on: {
        ABORT: { target: 'stopped', actions: { type: 'stopAtExpand', params: { kind: 'abort' } } },
        // Before the strategy ran nothing was deployed: rolling back is stopping here.
        ROLLBACK: { target: 'stopped', actions: { type: 'stopAtExpand', params: { kind: 'rollback' } } },
      },
    },
    strategy: {
      invoke: {
        id: 'strategy',
        src: 'strategy',
        input: ({ context }) => ({ releaseId: context.releaseId, plan: context.plan }),
        onDone: [
          {
            guard: ({ event }) => (event.output as StrategyOutput).outcome === 'completed',
            target: 'contract',
            actions: assign(({ context, event }) => ({
              ...adoptChild(context, event.output),
              strategyOutcome: 'completed' as const,
            })),
          },
          {
            target: 'stopped',
            actions: assign(({ context, event }) => ({
              ...adoptChild(context, event.output),
              strategyOutcome: (event.output as StrategyOutput).outcome,
            })),
          },
        ],
        onSnapshot: [
          {
            guard: ({ event }) => childTop(event.snapshot) === 'completed',
            target: 'contract',
            actions: assign(({ context, event }) => ({
              ...adoptChild(context, event.snapshot),
              strategyOutcome: 'completed' as const,
            })),
          },
          {
            guard: ({ event }) => TERMINAL[childTop(event.snapshot)] !== undefined,
            target: 'stopped',
            actions: assign(({ context, event }) => ({
              ...adoptChild(context, event.snapshot),
              strategyOutcome: TERMINAL[childTop(event.snapshot)] ?? null,
            })),
          },
        ],
      },
      on: {
        PAUSE: { actions: forwardTo('strategy') },
        RESUME: { actions: forwardTo('strategy') },
        PROMOTE: { actions: forwardTo('strategy') },
        PROMOTE_FULL: { actions: forwardTo('strategy') },
        ABORT: { actions: forwardTo('strategy') },
        ROLLBACK: { actions: forwardTo('strategy') },
      },
    },
    contract: {
      initial: 'choose',
      states: {
        choose: {
          always: [{ guard: 'hasContract', target: 'awaiting' }, { target: '#migration.completed' }],
        },
        awaiting: {
          entry: {
            type: 'gatePaused',
            params: ({ context }) => {
              const action = actionOf(context, 'contract') as GateAction;
              const what =
                action.kind === 'manual' ? action.instructions : migrationWords.contractJob(action.command);
              return { message: migrationWords.contractGate(what) };
            },
          },
          on: {
            CONFIRM: [
              {
                guard: 'contractIsJob',
                target: 'running',
                actions: ['clearPause', operatorSays('continue', migrationWords.confirmedContract)],
              },
              {
                target: '#migration.completed',
                actions: ['endedByOperator', operatorSays('complete', migrationWords.contractDone)],
              },
            ],
          },
        },
        running: gateJob(
          'contract',
          { target: '#migration.completed', actions: { ...noteTime, type: 'contractFinished' as const } },
          { target: 'held', action: 'contractFailed' },
        ),
        held: HELD,
      },
      on: {
        // The new version already serves everyone: aborting ends the release without contracting.
        ABORT: {
          target: 'stopped',
          actions: ['endedByOperator', operatorSays('abort', migrationWords.endedAtContract)],
        },
      },
    },
    completed: { type: 'final' },
    stopped: { type: 'final' },
  },
});
