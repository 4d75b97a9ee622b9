import { assign, forwardTo, fromPromise, setup } from 'xstate';
import type { GateAction, Migration } from '../../../src-shared/plan/plan.schema.ts';
import type { Decision, ReleaseRunStatus } from '../../../src-shared/release/release.schema.ts';
import type { JobSpec } from '../../ports/release.port.ts';
import type { StampedOperatorEvent } from './canary.machine.ts';
import {
  baseActors,
  baseContext,
  byOf,
  engineDecision,
  operatorDecision,
  opActor,
  reasonOf,
  stuckWith,
  type ReleaseContextBase,
  type ReleaseInput,
  type StrategyOutput,
} from './release-common.ts';

type Gate = 'expand' | 'contract';

/** What the migration wrapper remembers; the strategy's own state lives in its child machine. */
export interface MigrationContext extends ReleaseContextBase {
  /** How the wrapped strategy ended: `completed` moves on to the contract gate, anything else stops. */
  strategyOutcome: ReleaseRunStatus | null;
  stuckAt: Gate | null;
}

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

const TERMINAL: Record<string, ReleaseRunStatus> = {
  completed: 'completed',
  aborted: 'aborted',
  rolledBack: 'rolledBack',
  abandoned: 'aborted',
};

/** A strategy machine's top-level state name from its snapshot, for the wrapper's guards. */
function childTop(snapshot: unknown): string {
  const value = (snapshot as { value?: unknown }).value;
  return typeof value === 'string' ? value : (Object.keys((value as object) ?? {})[0] ?? '');
}

/**
 * The wrapped strategy's record, kept once its machine stops: its decisions (after the wrapper's own),
 * samples, traffic and times.
 */
export function adoptChild(context: MigrationContext, snapshot: unknown): Partial<MigrationContext> {
  const child = (snapshot as { context?: ReleaseContextBase }).context;
  if (!child) return {};
  return {
    decisions: mergeDecisions(context.decisions, child.decisions),
    samples: child.samples,
    split: child.split,
    intended: child.intended,
    nowMs: child.nowMs ?? context.nowMs,
    startedAtMs: context.startedAtMs ?? child.startedAtMs,
  };
}

/** Both decision lists in time order, renumbered. */
export function mergeDecisions(a: readonly Decision[], b: readonly Decision[]): Decision[] {
  return [...a, ...b].sort((x, y) => x.atMs - y.atMs).map((d, i) => ({ ...d, seq: i + 1 }));
}

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
    stopAtExpand: assign(({ context, event }, params: { kind: 'abort' | 'rollback' }) => ({
      strategyOutcome: 'aborted' as const,
      pause: null,
      decisions: operatorDecision(
        context,
        event,
        params.kind,
        null,
        `${byOf(event)} stopped the release at the expand gate; nothing was deployed${reasonOf(event)}.`,
      ),
    })),
  },
  guards: {
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
        running: {
          invoke: {
            src: 'runJob',
            input: ({ context }) => ({
              args: [jobOf(context, 'expand')] as [JobSpec],
              why: 'run the expand migration Job',
            }),
            onDone: [
              {
                guard: ({ event }) => event.output.result.succeeded,
                target: '#migration.strategy',
                actions: assign(({ context, event }) => ({
                  nowMs: event.output.atMs,
                  startedAtMs: context.startedAtMs ?? event.output.atMs,
                })),
              },
              {
                target: '#migration.stopped',
                actions: assign(({ context, event }) => ({
                  nowMs: event.output.atMs,
                  strategyOutcome: 'aborted' as const,
                  finishedAtMs: event.output.atMs,
                  decisions: engineDecision(
                    { ...context, nowMs: event.output.atMs },
                    'abort',
                    'gate',
                    `The expand migration failed (${event.output.result.message}); nothing was deployed.`,
                  ),
                })),
              },
            ],
            onError: {
              target: 'held',
              actions: assign(({ context, event }) =>
                stuckWith(context, event.error, 'expand' as const, 'running the expand migration'),
              ),
            },
          },
        },
        awaiting: {
          entry: assign(({ context }) => ({
            pause: {
              cause: 'gate' as const,
              message: `Expand gate: ${(actionOf(context, 'expand') as { instructions: string }).instructions} Confirm when it is done.`,
              sinceMs: context.nowMs ?? 0,
            },
          })),
          on: {
            CONFIRM: {
              target: '#migration.strategy',
              actions: assign(({ context, event }) => ({
                pause: null,
                decisions: operatorDecision(
                  context,
                  event,
                  'continue',
                  null,
                  `${byOf(event)} confirmed the expand migration${reasonOf(event)}.`,
                ),
              })),
            },
          },
        },
        held: { on: { RESUME: { target: 'running', actions: assign({ pause: null, stuckAt: null }) } } },
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
          entry: assign(({ context }) => {
            const action = actionOf(context, 'contract') as GateAction;
            const what =
              action.kind === 'manual'
                ? action.instructions
                : `Run the contract Job (${action.command.join(' ')}).`;
            return {
              pause: {
                cause: 'gate' as const,
                message: `Contract gate: ${what} The old version no longer runs; confirm to contract.`,
                sinceMs: context.nowMs ?? 0,
              },
            };
          }),
          on: {
            CONFIRM: [
              {
                guard: 'contractIsJob',
                target: 'running',
                actions: assign(({ context, event }) => ({
                  pause: null,
                  decisions: operatorDecision(
                    context,
                    event,
                    'continue',
                    null,
                    `${byOf(event)} confirmed the contract migration${reasonOf(event)}.`,
                  ),
                })),
              },
              {
                target: '#migration.completed',
                actions: assign(({ context, event }) => ({
                  pause: null,
                  finishedAtMs: event.atMs ?? context.nowMs,
                  decisions: operatorDecision(
                    context,
                    event,
                    'complete',
                    null,
                    `${byOf(event)} confirmed the contract migration is done${reasonOf(event)}.`,
                  ),
                })),
              },
            ],
          },
        },
        running: {
          invoke: {
            src: 'runJob',
            input: ({ context }) => ({
              args: [jobOf(context, 'contract')] as [JobSpec],
              why: 'run the contract migration Job',
            }),
            onDone: [
              {
                guard: ({ event }) => event.output.result.succeeded,
                target: '#migration.completed',
                actions: assign(({ context, event }) => ({
                  nowMs: event.output.atMs,
                  finishedAtMs: event.output.atMs,
                  decisions: engineDecision(
                    { ...context, nowMs: event.output.atMs },
                    'complete',
                    'gate',
                    'The contract migration finished.',
                  ),
                })),
              },
              {
                target: 'held',
                actions: assign(({ event }) => ({
                  stuckAt: 'contract' as const,
                  pause: {
                    cause: 'gate' as const,
                    message: `The contract migration failed (${event.output.result.message}); the new version keeps running. Fix it and resume to run it again.`,
                    sinceMs: event.output.atMs,
                  },
                })),
              },
            ],
            onError: {
              target: 'held',
              actions: assign(({ context, event }) =>
                stuckWith(context, event.error, 'contract' as const, 'running the contract migration'),
              ),
            },
          },
        },
        held: { on: { RESUME: { target: 'running', actions: assign({ pause: null, stuckAt: null }) } } },
      },
      on: {
        // The new version already serves everyone: aborting ends the release without contracting.
        ABORT: {
          target: 'stopped',
          actions: assign(({ context, event }) => ({
            pause: null,
            finishedAtMs: event.atMs ?? context.nowMs,
            decisions: operatorDecision(
              context,
              event,
              'abort',
              null,
              `${byOf(event)} ended the release at the contract gate without contracting; the new version keeps running${reasonOf(event)}.`,
            ),
          })),
        },
      },
    },
    completed: { type: 'final' },
    stopped: { type: 'final' },
  },
});
