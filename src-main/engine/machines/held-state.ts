import { assign, type DoneActorEvent, type ErrorActorEvent, type EventObject } from 'xstate';
import type { Decision, DecisionCause, Evidence } from '../../../src-shared/release/release.schema.ts';
import type { TrafficSplit } from '../../ports/release.port.ts';
import { operatorSentence, operatorWords } from './decision-words.ts';
import {
  engineDecision,
  operatorDecision,
  pauseForError,
  pausedFor,
  stuckWith,
  type ReleaseContextBase,
} from './release-common.ts';

/** What the runner stamps on an operator event: the clock time, the operator's name and their reason. */
export interface EventStamp {
  atMs?: number;
  by?: string;
  reason?: string;
}

/** The stamp of any event (an event that is not an operator's, such as VALIDATION_SAMPLES, has none). */
export function stampOf(event: EventObject): EventStamp {
  const e: Record<string, unknown> = { ...event };
  return {
    ...(typeof e.atMs === 'number' ? { atMs: e.atMs } : {}),
    ...(typeof e.by === 'string' ? { by: e.by } : {}),
    ...(typeof e.reason === 'string' ? { reason: e.reason } : {}),
  };
}

/** Context of a machine that can be held at a stage after an operation failed. */
export type HeldContext = ReleaseContextBase & { stuckAt: string | null };

/** An engine decision as a named action's params (`recordDecision`). */
export interface DecisionParams {
  kind: Decision['kind'];
  cause: DecisionCause;
  summary: string;
  evidence?: Evidence[];
  stepIndex?: number | null;
}

/**
 * The named actions every strategy machine shares; spread them into `setup({ actions })`:
 * - `noteTime` `{ atMs }`: the clock time an actor returned; `started` `{ atMs }`: the first operation returned;
 * - `recordDecision` `DecisionParams`: an engine decision;
 * - `operatorSays` `{ kind, stepIndex, what }`: the operator's decision, `<who> <what> (<reason>).`;
 * - `stuck` `{ error, stage, doing }`: a failed operation pauses the release, to retry `stage` on RESUME;
 * - `pausedOnError` `{ error, doing, stepIndex }`: a failed operation pauses the release where it is;
 * - `finished` `{ atMs, split }`: the release's last operation returned;
 * - `clearWait`: no wait is in progress;
 * - `leaveHeld`: the exit of the held state (pause and stage cleared, a RESUME recorded);
 * - `clearHeld`: the same without recording the RESUME.
 */
export function sharedActions<C extends HeldContext, E extends EventObject>() {
  type Change = Partial<C>;
  return {
    noteTime: assign<C, E, { atMs: number }, E, never>((_, p) => ({ nowMs: p.atMs }) as Change),
    reached: assign<C, E, { stage: string }, E, never>((_, p) => ({ reached: p.stage }) as Change),
    started: assign<C, E, { atMs: number }, E, never>(
      ({ context }, p) => ({ nowMs: p.atMs, startedAtMs: context.startedAtMs ?? p.atMs }) as Change,
    ),
    recordDecision: assign<C, E, DecisionParams, E, never>(
      ({ context }, p) =>
        ({
          decisions: engineDecision(context, p.kind, p.cause, p.summary, p.evidence, p.stepIndex ?? null),
        }) as Change,
    ),
    operatorSays: assign<C, E, { kind: Decision['kind']; stepIndex: number | null; what: string }, E, never>(
      ({ context, event }, p) => {
        const stamp = stampOf(event);
        const summary = operatorSentence(stamp.by ?? 'operator', p.what, stamp.reason);
        return { decisions: operatorDecision(context, stamp, p.kind, p.stepIndex, summary) } as Change;
      },
    ),
    stuck: assign<C, E, { error: unknown; stage: NonNullable<C['stuckAt']>; doing: string }, E, never>(
      ({ context }, p) => stuckWith(context, p.error, p.stage, p.doing) as Change,
    ),
    pausedOnError: assign<C, E, { error: unknown; doing: string; stepIndex: number | null }, E, never>(
      ({ context }, p) =>
        pausedFor(context, pauseForError(p.error, p.doing, context.nowMs ?? 0), p.stepIndex) as Change,
    ),
    finished: assign<C, E, { atMs: number; split?: TrafficSplit }, E, never>(
      (_, p) =>
        ({
          nowMs: p.atMs,
          finishedAtMs: p.atMs,
          ...(p.split ? { split: p.split } : {}),
        }) as Change,
    ),
    clearWait: assign<C, E, undefined, E, never>(() => ({ waitUntilMs: null }) as Change),
    leaveHeld: leaveHeld<C, E>(),
    clearHeld: assign<C, E, undefined, E, never>(() => ({ pause: null, stuckAt: null }) as Change),
  };
}

/** The named guards every strategy machine shares: `stuckAt` `{ stage }` holds when the release is held there. */
export function sharedGuards<C extends HeldContext>() {
  return {
    stuckAt: ({ context }: { context: C }, p: { stage: NonNullable<C['stuckAt']> }) =>
      context.stuckAt === p.stage,
  };
}

/**
 * The exit action of a `held` state: the pause and the stage to retry are cleared, and a RESUME is recorded
 * as the operator's decision.
 */
export function leaveHeld<C extends HeldContext, E extends EventObject>() {
  return assign<C, E, undefined, E, never>(({ context, event }) => {
    if (event.type !== 'RESUME') return { pause: null, stuckAt: null } as Partial<C>;
    const stamp = stampOf(event);
    const by = stamp.by ?? 'operator';
    return {
      pause: null,
      stuckAt: null,
      decisions: operatorDecision(
        context,
        stamp,
        'resume',
        null,
        operatorSentence(by, operatorWords.resumed, undefined),
      ),
    } as Partial<C>;
  });
}

/** Where a RESUME in the held state goes: `target` when the release is held at `stage`, doing `actions`. */
export interface HeldRoute<S extends string, A = never> {
  stage: S;
  target: string;
  actions?: A;
}

/**
 * The held state every strategy machine shares: the release waits for an operator after an operation failed
 * (the cluster unreachable, an error, a drift), and RESUME retries the stage it is held at (`stuckAt`): the
 * first route whose stage matches, else `otherwise`. Leaving clears the pause and records the resume, unless
 * `recordResume` is false (the canary and the A/B test, whose last decision before the end says why it ended).
 * Needs `sharedActions` and `sharedGuards` in the machine's setup.
 */
export function heldState<S extends string, A = never>(
  routes: readonly HeldRoute<S, A>[],
  otherwise: string,
  recordResume = true,
) {
  return {
    on: {
      RESUME: [
        ...routes.map((r) => ({
          guard: { type: 'stuckAt' as const, params: { stage: r.stage } },
          target: r.target,
        })),
        { target: otherwise },
      ],
    },
    exit: recordResume ? ('leaveHeld' as const) : ('clearHeld' as const),
  };
}

/**
 * The `onError` transition of an operation that holds the release at `stage` when it fails: the pause says
 * what was being done (`doing`, fixed or read from context), and RESUME in the held state retries `stage`.
 */
export function heldOn<C extends HeldContext>(
  stage: NonNullable<C['stuckAt']>,
  doing: string | ((context: C) => string),
  target = 'held',
) {
  return {
    target,
    actions: {
      type: 'stuck' as const,
      params: ({ context, event }: { context: C; event: ErrorActorEvent }) => ({
        error: event.error,
        stage,
        doing: typeof doing === 'string' ? doing : doing(context),
      }),
    },
  };
}

/** The `noteTime` action of an actor's `onDone`: the clock time it returned. */
export const noteTime = {
  type: 'noteTime' as const,
  params: ({ event }: { event: DoneActorEvent<{ atMs: number }> }) => ({ atMs: event.output.atMs }),
};

/** The `started` action of the first operation's `onDone`. */
export const started = { ...noteTime, type: 'started' as const };

/** `state` noting on entry that the release reached `stage`. Needs `sharedActions` in the machine's setup. */
export function reachingOn<S extends object>(stage: string, state: S): S {
  const entry = (state as { entry?: unknown }).entry;
  const own: unknown[] = entry === undefined ? [] : Array.isArray(entry) ? entry : [entry];
  return { ...state, entry: [{ type: 'reached', params: { stage } }, ...own] };
}

/**
 * Each of `states` (a step-less strategy's stages, by name) noting on entry that the release reached it, so its
 * step list can show where a rolled-back release stopped. Needs `sharedActions` in the machine's setup.
 */
export function reachingEach<S extends Record<string, object>>(states: S): S {
  const marked = Object.entries(states).map(([stage, state]) => [stage, reachingOn(stage, state)]);
  return Object.fromEntries(marked) as S;
}
