import { assign, type EventObject } from 'xstate';
import type { WorkloadRole } from '../../ports/release.port.ts';
import { pollState, readyOfCurrentRevision, type OpDone, type ReleaseContextBase } from './release-common.ts';

/** Context of a machine that waits for new pods to be ready before traffic goes to them. */
export interface ReadyWaitContext extends ReleaseContextBase {
  /** Ready pods the traffic about to move needs. */
  readyNeed?: number | null;
  /** Ready pods last read while waiting for them. */
  readyNow?: number | null;
  /**
   * Absolute end of that wait (the plan's readyTimeout), milliseconds since the Unix epoch. Kept in context
   * because a restored snapshot does not restart `after:` timers.
   */
  readyDeadlineMs?: number | null;
}

/** New pods are checked for readiness every 2 s (release clock) before traffic reaches them. */
const READY_POLL_MS = 2_000;

/** The guards of the ready wait: `readyEnough` and `readyDeadlinePassed`. Spread into `setup({ guards })`. */
export function readyWaitGuards<C extends ReadyWaitContext>() {
  return {
    readyEnough: ({ context }: { context: C }) => (context.readyNow ?? 0) >= (context.readyNeed ?? 0),
    readyDeadlinePassed: ({ context }: { context: C }) =>
      (context.nowMs ?? 0) >= (context.readyDeadlineMs ?? Infinity),
  };
}

/**
 * The actions of the ready wait: `readyNeeded` `{ atMs, need, timeoutMs }` starts the deadline (kept when one
 * runs already), `readyRead` `{ atMs, ready }` notes what was read, `readyDone` forgets the wait.
 */
export function readyWaitActions<C extends ReadyWaitContext, E extends EventObject>() {
  return {
    readyNeeded: assign<C, E, { atMs: number; need: number; timeoutMs: number }, E, never>(
      ({ context }, p) =>
        ({
          nowMs: p.atMs,
          readyNeed: p.need,
          readyDeadlineMs: context.readyDeadlineMs ?? p.atMs + p.timeoutMs,
        }) as Partial<C>,
    ),
    readyRead: assign<C, E, { atMs: number; ready: number }, E, never>(
      (_, p) => ({ nowMs: p.atMs, readyNow: p.ready }) as Partial<C>,
    ),
    readyDone: assign<C, E, undefined, E, never>(
      () => ({ readyNeed: null, readyNow: null, readyDeadlineMs: null }) as Partial<C>,
    ),
  };
}

/** What the ready wait of one machine needs to know. */
export interface ReadyWaitOptions<C extends ReadyWaitContext, F, A extends string> {
  /** The traffic percentage the new pods are about to get. */
  weightOf: (context: C) => number;
  /** The plan's readyTimeout, milliseconds. */
  timeoutMsOf: (context: C) => number;
  /** Audit sentences of the two operations. */
  whyScale: (context: C, weight: number) => string;
  whyProbe: (context: C) => string;
  /** Where to go once the pods are ready (or none are needed). */
  ready: string;
  /** Where to go, and the action that records why, when the deadline passed first. */
  timedOut: { target: string; action: A };
  /** The `onError` transition of a failed operation, `doing` saying what failed. */
  failed: (doing: 'scaling' | 'probing') => F;
}

/**
 * The states of the wait for new pods before traffic moves to them (`scaling`, `probe`, `check`, `sleeping`),
 * to spread into the state that holds them: `scaleForWeight` sizes the new workload for the weight, then its
 * ready pods of the current revision are read every 2 s until they reach what the weight needs or the
 * plan's readyTimeout passes. Needs `readyWaitGuards`, `readyWaitActions` and `noteTime` in the setup.
 */
export function readyWaitStates<C extends ReadyWaitContext, E extends EventObject, F, A extends string>(
  o: ReadyWaitOptions<C, F, A>,
) {
  return {
    scaling: {
      invoke: {
        src: 'scaleForWeight' as const,
        input: ({ context }: { context: C }) => {
          const weight = o.weightOf(context);
          return { args: [weight] as [number], why: o.whyScale(context, weight) };
        },
        onDone: [
          {
            guard: ({ event }: OpDone<'scaleForWeight'>) => event.output.result.replicas <= 0,
            target: o.ready,
            actions: {
              type: 'noteTime' as const,
              params: ({ event }: OpDone<'scaleForWeight'>) => ({ atMs: event.output.atMs }),
            },
          },
          {
            target: 'probe',
            actions: {
              type: 'readyNeeded' as const,
              params: ({ context, event }: { context: C } & OpDone<'scaleForWeight'>) => ({
                atMs: event.output.atMs,
                need: event.output.result.replicas,
                timeoutMs: o.timeoutMsOf(context),
              }),
            },
          },
        ],
        onError: o.failed('scaling'),
      },
    },
    probe: {
      invoke: {
        src: 'workloadState' as const,
        input: ({ context }: { context: C }) => ({
          args: ['canary'] as [WorkloadRole],
          why: o.whyProbe(context),
        }),
        onDone: {
          target: 'check',
          actions: {
            type: 'readyRead' as const,
            params: ({ event }: OpDone<'workloadState'>) => ({
              atMs: event.output.atMs,
              ready: readyOfCurrentRevision(event.output.result),
            }),
          },
        },
        onError: o.failed('probing'),
      },
    },
    check: {
      always: [
        { guard: 'readyEnough' as const, target: o.ready, actions: 'readyDone' as const },
        { guard: 'readyDeadlinePassed' as const, target: o.timedOut.target, actions: o.timedOut.action },
        { target: 'sleeping' },
      ],
    },
    sleeping: pollState<C, E>(READY_POLL_MS, (context) => context.readyDeadlineMs ?? null),
  };
}
