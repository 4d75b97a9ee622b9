import { assign, setup } from 'xstate';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import { DEFAULT_READY_TIMEOUT } from '../../../src-shared/plan/plan.schema.ts';
import type { Evidence } from '../../../src-shared/release/release.schema.ts';
import type { ExperimentRoute, TrafficSplit, WorkloadRole } from '../../ports/release.port.ts';
import {
  abVariants,
  abVerdict,
  afterReading,
  afterRouting,
  dueAbReads,
  nextReadAt,
  route,
  strategyOf,
  testSentence,
  type AbContext,
} from './ab-test-readings.ts';
import { noTriggerWatch, triggerWatchRegion } from './analysis-run.ts';
import type { StampedOperatorEvent } from './canary-context.ts';
import { abWords, doingWords, operatorWords } from './decision-words.ts';
import { heldState, sharedActions, sharedGuards, started } from './held-state.ts';
import { readyWaitActions, readyWaitGuards, readyWaitStates } from './ready-wait.ts';
import {
  baseActors,
  baseContext,
  engineDecision,
  opActor,
  strategyOutput,
  type MetricReading,
  waitInvoke,
  type ReleaseInput,
  type OpDone,
  type OpFailed,
} from './release-common.ts';
import { imageVersion } from '../../../src-shared/release/image-version.ts';

export { type AbContext } from './ab-test-readings.ts';

type C = AbContext;
type E = StampedOperatorEvent;
type Stage = NonNullable<C['stuckAt']>;

/** A failed operation holds the A/B test at `stage`; RESUME retries it there. */
const heldAt = (stage: Stage, doing: string) => ({
  target: 'held',
  actions: {
    type: 'stuck' as const,
    params: ({ event }: OpFailed) => ({ error: event.error, stage, doing }),
  },
});

/** An operator's decision on the whole test (no step). */
const operatorSays = (kind: 'abort' | 'rollback' | 'promote', what: string) => ({
  type: 'operatorSays' as const,
  params: { kind, stepIndex: null, what },
});

const REJECT = '#abTest.live.steps.rejecting';
const DEPLOY = '#abTest.live.steps.deploying';
const readyTimeoutOf = (context: C) => strategyOf(context).readyTimeout ?? DEFAULT_READY_TIMEOUT;

/**
 * The A/B test machine: run the treatment as the canary workload, route the cohort by header and weight,
 * read guardrails per variant every minute (a `fail` breach stops the test at once and sends everyone to
 * stable), run the two-proportion z-test on the primary metrics every hour, and at the end of `duration`
 * deploy (promote the treatment), reject (back to stable) or pause for the operator when undecided.
 * Operator events: `PROMOTE_FULL` deploys, `ABORT` rejects, `PROMOTE` decides an undecided test for the
 * treatment, `RESUME` runs an undecided test for another `duration`. The plan's `rollbackTriggers`, read for
 * the target image's version (the treatment), are watched from the treatment's start to the end and stop the test when one fires.
 */
export const abTestMachine = setup({
  types: { context: {} as C, events: {} as E, input: {} as ReleaseInput },
  actors: {
    ...baseActors,
    ensureCanary: opActor('ensureCanary'),
    scaleForWeight: opActor('scaleForWeight'),
    workloadState: opActor('workloadState'),
    routeExperiment: opActor('routeExperiment'),
    promoteCanary: opActor('promoteCanary'),
    abortCanary: opActor('abortCanary'),
  },
  actions: {
    ...sharedActions<C, E>(),
    ...readyWaitActions<C, E>(),
    controlLocated: assign((_, p: { atMs: number; image: string }) => ({
      nowMs: p.atMs,
      controlVersion: p.image ? imageVersion(p.image) : null,
    })),
    readyTimedOut: assign(({ context }) => ({
      decisions: engineDecision(
        context,
        'abort',
        'ready-timeout',
        abWords.readyTimeout({
          need: context.readyNeed ?? 0,
          weight: abVariants(context.plan).treatment.weight,
          timeout: readyTimeoutOf(context),
          ready: context.readyNow ?? 0,
        }),
      ),
    })),
    routed: assign(({ context }, p: { atMs: number; split: TrafficSplit }) =>
      afterRouting(context, p.atMs, p.split),
    ),
    showNextRead: assign(({ context }) => ({ waitUntilMs: nextReadAt(context) })),
    counted: assign(({ context }, p: { atMs: number; readings: MetricReading[] }) =>
      afterReading(context, p.atMs, p.readings),
    ),
    guardrailBreached: assign(({ context }) => {
      const e = context.guardBreach as Evidence;
      return {
        decisions: engineDecision(context, 'abort', 'guardrail', abWords.guardrailBreached(e), [e]),
      };
    }),
    verdict: assign(({ context }, p: { verdict: 'deploy' | 'reject' }) => ({
      decisions:
        p.verdict === 'deploy'
          ? engineDecision(
              context,
              'promote',
              'experiment-result',
              abWords.favoursTreatment(testSentence(context)),
            )
          : engineDecision(
              context,
              'abort',
              'experiment-result',
              abWords.rejectsTreatment(testSentence(context)),
            ),
    })),
    undecided: assign(({ context }) => {
      const summary = abWords.undecided(strategyOf(context).duration, testSentence(context));
      return {
        waitUntilMs: null,
        pause: { cause: 'experiment-result' as const, message: summary, sinceMs: context.nowMs ?? 0 },
        decisions: engineDecision(context, 'pause', 'experiment-result', summary),
      };
    }),
    extended: assign(({ context }) => ({
      pause: null,
      endAtMs: (context.nowMs ?? 0) + durationMs(strategyOf(context).duration),
    })),
    clearPause: assign({ pause: null }),
    leaveForEnd: assign({ waitUntilMs: null, pause: null }),
  },
  guards: {
    ...sharedGuards<C>(),
    ...readyWaitGuards<C>(),
    guardBreached: ({ context }) => context.guardBreach !== null,
    testEnded: ({ context }) => (context.nowMs ?? 0) >= (context.endAtMs ?? Infinity),
    /** The test ran its duration and its verdict is `verdict`. */
    endedWith: ({ context }, p: { verdict: 'deploy' | 'reject' }) =>
      (context.nowMs ?? 0) >= (context.endAtMs ?? Infinity) && abVerdict(context) === p.verdict,
  },
}).createMachine({
  id: 'abTest',
  output: strategyOutput,
  context: ({ input }) => ({
    ...baseContext(input, {}),
    endAtMs: null,
    nextGuardAtMs: null,
    nextTestAtMs: null,
    tests: [],
    guardBreach: null,
    stuckAt: null,
    ...noTriggerWatch(),
  }),
  initial: 'live',
  states: {
    live: {
      type: 'parallel',
      on: {
        ABORT: { target: '.steps.rejecting', actions: operatorSays('abort', operatorWords.abTestStopped) },
        // Rolling back an A/B test is stopping it: everyone goes back to stable.
        ROLLBACK: {
          target: '.steps.rejecting',
          actions: operatorSays('rollback', operatorWords.abTestStopped),
        },
        PROMOTE_FULL: {
          target: '.steps.deploying',
          actions: operatorSays('promote', operatorWords.abTreatmentDeployedToAll),
        },
      },
      states: {
        steps: {
          initial: 'starting',
          states: {
            starting: {
              invoke: {
                src: 'ensureCanary',
                input: ({ context }) => {
                  const { treatment } = abVariants(context.plan);
                  const image = treatment.image ?? context.plan.target.image;
                  return {
                    args: [image, treatment.version] as [string, string],
                    why: `run the treatment ${treatment.name} (${image})`,
                  };
                },
                onDone: {
                  target: 'locating',
                  actions: started,
                },
                onError: heldAt('starting', doingWords.startingTreatment),
              },
            },
            // The control runs on the stable workload: its metrics carry the version that workload really runs.
            locating: {
              invoke: {
                src: 'workloadState',
                input: () => ({
                  args: ['stable'] as [WorkloadRole],
                  why: 'read the version the control runs',
                }),
                onDone: {
                  target: 'scaling',
                  actions: {
                    type: 'controlLocated',
                    params: ({ event }) => ({ atMs: event.output.atMs, image: event.output.result.image }),
                  },
                },
                onError: heldAt('starting', doingWords.readingStable),
              },
            },
            // Traffic only to ready pods: the treatment gets the pods its share needs, ready, before the cohort.
            ...readyWaitStates<C, E, ReturnType<typeof heldAt>, 'readyTimedOut'>({
              weightOf: (context) => abVariants(context.plan).treatment.weight,
              timeoutMsOf: (context) => durationMs(readyTimeoutOf(context)),
              whyScale: (context, weight) =>
                `give the treatment ${abVariants(context.plan).treatment.name} the pods ${weight} % of the cohort needs`,
              whyProbe: () => 'wait until the treatment pods are ready',
              ready: 'routing',
              timedOut: { target: 'rejecting', action: 'readyTimedOut' },
              failed: (doing) =>
                heldAt(
                  'starting',
                  doing === 'scaling' ? doingWords.scalingTreatment : doingWords.readingTreatmentPods,
                ),
            }),
            routing: {
              invoke: {
                src: 'routeExperiment',
                input: ({ context }) => ({
                  args: [route(context.plan)] as [ExperimentRoute],
                  why: 'route the cohort to the variants by header and weight',
                }),
                onDone: {
                  target: 'running',
                  actions: {
                    type: 'routed',
                    params: ({ event }: OpDone<'routeExperiment'>) => ({
                      atMs: event.output.atMs,
                      split: event.output.result,
                    }),
                  },
                },
                onError: heldAt('routing', doingWords.routingExperiment),
              },
            },
            running: {
              initial: 'waiting',
              states: {
                waiting: {
                  entry: 'showNextRead',
                  invoke: waitInvoke<C, E>((c) => c.waitUntilMs ?? 0, 'reading'),
                },
                reading: {
                  invoke: {
                    src: 'readMetrics',
                    input: ({ context }) => ({ requests: dueAbReads(context, context.nowMs ?? 0) }),
                    onDone: {
                      target: 'evaluate',
                      actions: { type: 'counted', params: ({ event }) => event.output },
                    },
                  },
                },
                evaluate: {
                  always: [
                    { guard: 'guardBreached', target: REJECT, actions: 'guardrailBreached' },
                    {
                      guard: { type: 'endedWith', params: { verdict: 'deploy' } },
                      target: DEPLOY,
                      actions: { type: 'verdict', params: { verdict: 'deploy' } },
                    },
                    {
                      guard: { type: 'endedWith', params: { verdict: 'reject' } },
                      target: REJECT,
                      actions: { type: 'verdict', params: { verdict: 'reject' } },
                    },
                    { guard: 'testEnded', target: '#abTest.live.steps.undecided' },
                    { target: 'waiting' },
                  ],
                },
              },
            },
            undecided: {
              entry: 'undecided',
              on: {
                PROMOTE: {
                  target: 'deploying',
                  actions: ['clearPause', operatorSays('promote', operatorWords.abTreatmentDeployed)],
                },
                RESUME: {
                  target: 'running',
                  actions: [
                    {
                      type: 'operatorSays',
                      params: ({ context }) => ({
                        kind: 'continue',
                        stepIndex: null,
                        what: operatorWords.abTestExtended(strategyOf(context).duration),
                      }),
                    },
                    'extended',
                  ],
                },
              },
            },
            deploying: {
              entry: 'leaveForEnd',
              invoke: {
                src: 'promoteCanary',
                input: ({ context }) => {
                  const image = abVariants(context.plan).treatment.image ?? context.plan.target.image;
                  return { args: [image] as [string], why: `deploy the treatment ${image} to everyone` };
                },
                onDone: {
                  target: '#abTest.completed',
                  actions: {
                    type: 'finished',
                    params: ({ event }) => ({ atMs: event.output.atMs, split: event.output.result }),
                  },
                },
                onError: heldAt('deploying', doingWords.deployingTreatment),
              },
            },
            rejecting: {
              entry: 'leaveForEnd',
              invoke: {
                src: 'abortCanary',
                input: () => ({
                  args: [] as [],
                  why: 'send everyone back to stable and scale the treatment down',
                }),
                onDone: {
                  target: '#abTest.rejected',
                  actions: {
                    type: 'finished',
                    params: ({ event }) => ({ atMs: event.output.atMs, split: event.output.result }),
                  },
                },
                onError: heldAt('rejecting', doingWords.stoppingAbTest),
              },
            },
            held: heldState<Stage>(
              [
                { stage: 'starting', target: 'starting' },
                { stage: 'routing', target: 'routing' },
                { stage: 'deploying', target: 'deploying' },
              ],
              'rejecting',
              false,
            ),
          },
        },
        guard: triggerWatchRegion<C, E>([
          {
            target: REJECT,
            kind: 'abort',
            then: () => abWords.triggerThen,
          },
        ]),
      },
    },
    completed: { type: 'final', output: { outcome: 'completed' } },
    rejected: { type: 'final', output: { outcome: 'aborted' } },
  },
});
