import { assign, forwardTo, fromPromise, setup } from 'xstate';
import { rampPlanOf } from '../../../src-shared/plan/flag-with-deploy.ts';
import type { Decision, ReleaseRunStatus } from '../../../src-shared/release/release.schema.ts';
import { plannedSteps } from './projection.ts';
import type { ExposureReading } from '../../ports/exposure.port.ts';
import type { FlagOpOutput } from '../runner/flag-actors.ts';
import type { StampedOperatorEvent } from './canary-context.ts';
import { flagStrategy, newPercent, offForEveryone, splitOf } from './flag-ramp.ts';
import { adoptChild, childTop, TERMINAL as MIGRATION_TERMINAL } from './migration.machine.ts';
import {
  baseActors,
  baseContext,
  byOf,
  engineDecision,
  operatorDecision,
  pauseForError,
  pausedFor,
  reasonOf,
  type ReleaseContextBase,
  type ReleaseInput,
  type StrategyOutput,
} from './release-common.ts';

/** What the flag-with-deploy wrapper remembers; each phase's own state lives in its child machine. */
export interface FlagAfterContext extends ReleaseContextBase {
  /** How the deploy (the plan's strategy) ended: `completed` moves on to the ramp, anything else stops. */
  deployOutcome: ReleaseRunStatus | null;
  /** How the whole release ended, once it did. */
  outcome: StrategyOutput['outcome'] | null;
  /** The flag as last read by the wrapper's own check (before the deploy and before the ramp). */
  reading: ExposureReading | null;
  /** Where each phase of numbered steps (a canary, the ramp) stood when it ended, for the step list. */
  ended: { deploy?: StepRecord; ramp?: StepRecord };
  /** A blue-green deploy's colours (the kept and the serving one), for a rollback after completion. */
  active?: string;
  idle?: string;
}

/** A blue-green deploy's colours from its final context, when it has them. */
function coloursOf(context: unknown): Pick<C, 'active' | 'idle'> {
  const c = context as { active?: unknown; idle?: unknown } | undefined;
  return typeof c?.active === 'string' && typeof c.idle === 'string'
    ? { active: c.active, idle: c.idle }
    : {};
}

/** Where a machine of numbered plan steps stood. */
export interface StepRecord {
  stepIndex: number;
  skipped: number[];
  failedStep: number | null;
}

/** The step record of a phase's final context, when it walks numbered steps. */
function stepRecord(context: unknown): StepRecord | undefined {
  const c = context as Partial<StepRecord> | undefined;
  if (typeof c?.stepIndex !== 'number') return undefined;
  return { stepIndex: c.stepIndex, skipped: c.skipped ?? [], failedStep: c.failedStep ?? null };
}

type C = FlagAfterContext;

/** A phase's final state names and how it ended there (a phase never ends `failed` or `paused`). */
const TERMINAL = MIGRATION_TERMINAL as Record<string, StrategyOutput['outcome'] | undefined>;

/** How a child ended, from its done output or its final snapshot. */
const outcomeOf = (output: unknown): StrategyOutput['outcome'] =>
  (output as Partial<StrategyOutput>).outcome ?? TERMINAL[childTop(output)] ?? 'aborted';

const flagWords = (c: C) => `flag "${flagStrategy(rampPlanOf(c.plan)).flag}"`;
const deployed = (c: C) => c.deployOutcome === 'completed';

/** How many steps the deploy shows before the ramp's first (the ramp's steps are numbered after them). */
export const deployStepCount = (c: Pick<C, 'plan'>) => plannedSteps(c.plan, c.plan.strategy.kind).length;

/** The ramp's decisions with their step numbered in the release's one list. */
export function rampDecisions(c: Pick<C, 'plan'>, decisions: readonly Decision[]): Decision[] {
  const offset = deployStepCount(c);
  return decisions.map((d) => (d.stepIndex === null ? d : { ...d, stepIndex: d.stepIndex + offset }));
}

/** Why the flag must be off, with what it shows now and what the operator can do. */
function notOffMessage(c: C, reading: ExposureReading): string {
  const s = flagStrategy(rampPlanOf(c.plan));
  const segments = (reading.segments ?? []).map((g) => g.name);
  const who = [
    ...(newPercent(reading) > 0 ? [`${Math.round(newPercent(reading) * 100) / 100} % of users`] : []),
    ...(segments.length > 0 ? [`the segment(s) ${segments.join(', ')}`] : []),
  ].join(' and ');
  const when = deployed(c)
    ? 'The code is deployed dark; the ramp starts only from a flag that is off for everyone'
    : 'A flag with deploy sends the code out dark, with the flag off for everyone; nothing has been deployed';
  return `${flagWords(c)} serves ${s.newVariant} to ${who} (${reading.source}). ${when}. Turn it off in the flag system and resume, or abort; Switchyard does not turn off a flag someone else turned on.`;
}

/** The operator's abort or roll back while the wrapper itself (not a phase) holds the release. */
function stoppedHere(context: C, event: StampedOperatorEvent, kind: 'abort' | 'rollback'): Partial<C> {
  const what = deployed(context)
    ? `the code stays deployed dark and ${flagWords(context)} was not moved`
    : `nothing was deployed and ${flagWords(context)} was not moved`;
  const before = deployed(context) ? 'flag ramp' : 'deploy';
  return {
    outcome: 'aborted',
    pause: null,
    finishedAtMs: event.atMs ?? context.nowMs,
    decisions: operatorDecision(
      context,
      event,
      kind,
      null,
      `${byOf(event)} stopped the release before the ${before}${reasonOf(event)}: ${what}.`,
    ),
  };
}

const STOP_HERE = {
  ABORT: { target: '#flag-after.stopped', actions: { type: 'stopHere', params: { kind: 'abort' } } },
  ROLLBACK: { target: '#flag-after.stopped', actions: { type: 'stopHere', params: { kind: 'rollback' } } },
} as const;

/** Forwards the operator's events to the running phase (its own abort: roll back the code, or kill the flag). */
const forwardAll = (id: string) =>
  Object.fromEntries(
    ['PAUSE', 'RESUME', 'PROMOTE', 'PROMOTE_FULL', 'ABORT', 'ROLLBACK'].map((t) => [
      t,
      { actions: forwardTo(id) },
    ]),
  );

type PhaseEvent = { output?: unknown; snapshot?: unknown };
const finalOf = (e: PhaseEvent) => e.output ?? e.snapshot;
/** True when a phase's done event, or a snapshot of its machine in a final state, says it ended. */
const phaseEnded = (e: PhaseEvent) => e.output !== undefined || TERMINAL[childTop(e.snapshot)] !== undefined;

/**
 * The wrapper's context once a phase ended: its record kept (decisions merged, samples after the earlier
 * phase's), then `after` (how the release goes on) applied.
 */
function phaseTaken(
  context: C,
  event: PhaseEvent,
  phase: 'deploy' | 'ramp',
  after: (c: C, outcome: StrategyOutput['outcome']) => Partial<C>,
): Partial<C> {
  const final = finalOf(event) as { context?: ReleaseContextBase };
  const child =
    phase === 'ramp' && final.context
      ? {
          ...final,
          context: { ...final.context, decisions: rampDecisions(context, final.context.decisions) },
        }
      : final;
  const childContext = child.context;
  const record = stepRecord(childContext);
  const adopted = {
    ...context,
    ...adoptChild(context, child),
    samples: [...context.samples, ...(childContext?.samples ?? [])],
    ended: { ...context.ended, ...(record ? { [phase]: record } : {}) },
    ...(phase === 'deploy' ? coloursOf(childContext) : {}),
  };
  return { ...adopted, ...after(adopted, outcomeOf(child)) };
}

/** The transitions that end a phase: on to `next` when it completed, else the release stops. */
function phaseEnds(next: string, action: 'deployEnded' | 'rampEnded') {
  const moveOn = { guard: 'phaseCompleted' as const, target: next, actions: action };
  const stop = { guard: 'phaseEnded' as const, target: '#flag-after.stopped', actions: action };
  return { onDone: [moveOn, stop], onSnapshot: [moveOn, stop] };
}

const afterDeploy = (_: C, outcome: StrategyOutput['outcome']): Partial<C> =>
  outcome === 'completed' ? { deployOutcome: 'completed' } : { deployOutcome: outcome, outcome };

const afterRamp = (c: C, outcome: StrategyOutput['outcome']): Partial<C> => {
  if (outcome !== 'completed') return { outcome };
  const summary = `The code is deployed and ${flagWords(c)} serves ${flagStrategy(rampPlanOf(c.plan)).newVariant} to everyone.`;
  return { outcome, decisions: engineDecision(c, 'complete', 'completed', summary) };
};

/**
 * Flag with deploy: the plan's strategy (rolling, canary or blue-green) deploys the code dark, then the plan's
 * `flagRamp` ramps the flag, as one release. The flag must be off for everyone before the deploy and again
 * before the ramp (read through `flagRead`); when it is not, the release holds and names what it serves
 * (Switchyard never turns off a flag someone else turned on). The deploy runs as the child `strategy`, the
 * ramp as the child `ramp` (the flag-rollout machine on the plan with `flagRamp` as its strategy); operator
 * events go to the running phase, so abort is the strategy's own (the code rolled back, the flag never moved)
 * during the deploy, and the kill switch (the code stays deployed dark) during the ramp.
 */
export const flagAfterMachine = setup({
  types: {
    context: {} as FlagAfterContext,
    events: {} as StampedOperatorEvent,
    input: {} as ReleaseInput,
  },
  actors: {
    ...baseActors,
    flagRead: fromPromise<FlagOpOutput, void>(() =>
      Promise.reject(new Error('The flagRead actor was not provided to the flag-with-deploy release.')),
    ),
    strategy: fromPromise<unknown, ReleaseInput>(() =>
      Promise.reject(new Error('The strategy actor was not provided to the flag-with-deploy release.')),
    ),
    ramp: fromPromise<unknown, ReleaseInput>(() =>
      Promise.reject(new Error('The ramp actor was not provided to the flag-with-deploy release.')),
    ),
  },
  actions: {
    stopHere: assign(({ context, event }, p: { kind: 'abort' | 'rollback' }) =>
      stoppedHere(context, event, p.kind),
    ),
    deployEnded: assign(({ context, event }) =>
      phaseTaken(context, event as unknown as PhaseEvent, 'deploy', afterDeploy),
    ),
    rampEnded: assign(({ context, event }) =>
      phaseTaken(context, event as unknown as PhaseEvent, 'ramp', afterRamp),
    ),
  },
  guards: {
    phaseEnded: ({ event }) => phaseEnded(event as unknown as PhaseEvent),
    phaseCompleted: ({ event }) => {
      const e = event as unknown as PhaseEvent;
      return phaseEnded(e) && outcomeOf(finalOf(e)) === 'completed';
    },
    flagOff: ({ event }) => offForEveryone((event as unknown as { output: FlagOpOutput }).output.reading),
    deployed: ({ context }) => deployed(context),
  },
}).createMachine({
  id: 'flag-after',
  output: ({ context }) => ({ outcome: context.outcome ?? 'aborted', context }),
  context: ({ input }) => ({
    ...baseContext(input, {}),
    deployOutcome: null,
    outcome: null,
    reading: null,
    ended: {},
  }),
  initial: 'checking',
  states: {
    checking: {
      on: STOP_HERE,
      invoke: {
        src: 'flagRead',
        onDone: [
          {
            guard: 'flagOff',
            target: 'choose',
            actions: assign(({ context, event }) => ({
              nowMs: event.output.atMs,
              startedAtMs: context.startedAtMs ?? event.output.atMs,
              reading: event.output.reading,
              pause: null,
            })),
          },
          {
            target: 'held',
            actions: assign(({ context, event }) => {
              const c = { ...context, nowMs: event.output.atMs };
              const message = notOffMessage(c, event.output.reading);
              return {
                nowMs: event.output.atMs,
                startedAtMs: context.startedAtMs ?? event.output.atMs,
                reading: event.output.reading,
                ...(deployed(context) ? {} : { split: splitOf(event.output.reading) }),
                ...pausedFor(c, { cause: 'prerequisite', message, sinceMs: event.output.atMs }, null),
              };
            }),
          },
        ],
        onError: {
          target: 'held',
          actions: assign(({ context, event }) =>
            pausedFor(context, pauseForError(event.error, 'reading the flag', context.nowMs ?? 0), null),
          ),
        },
      },
    },
    choose: { always: [{ guard: 'deployed', target: 'ramping' }, { target: 'deploying' }] },
    held: {
      on: {
        RESUME: { target: 'checking', actions: assign({ pause: null }) },
        ...STOP_HERE,
      },
    },
    deploying: {
      invoke: {
        id: 'strategy',
        src: 'strategy',
        input: ({ context }) => ({ releaseId: context.releaseId, plan: context.plan }),
        ...phaseEnds('#flag-after.checking', 'deployEnded'),
      },
      on: forwardAll('strategy'),
    },
    ramping: {
      invoke: {
        id: 'ramp',
        src: 'ramp',
        input: ({ context }) => ({
          releaseId: context.releaseId,
          plan: rampPlanOf(context.plan),
          stepOffset: deployStepCount(context),
        }),
        ...phaseEnds('#flag-after.completed', 'rampEnded'),
      },
      on: forwardAll('ramp'),
    },
    completed: { type: 'final' },
    stopped: { type: 'final' },
  },
});
