import { and, assign, setup } from 'xstate';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import {
  DEFAULT_READY_TIMEOUT,
  type CanaryStep,
  type CanaryStrategy,
} from '../../../src-shared/plan/plan.schema.ts';
import type { Decision, OperatorEvent } from '../../../src-shared/release/release.schema.ts';
import type { WorkloadRole } from '../../ports/release.port.ts';
import {
  analysisEvidence,
  applyAnalysisReadings,
  dueAnalysisReads,
  evidenceSentence,
  nextMeasurementAt,
  startAnalysis,
  triggerSummary,
  triggerWatchRegion,
  type AnalysisRun,
  type TriggerWatch,
  type TriggerWatchContext,
} from './analysis-run.ts';
import {
  appendDecision,
  appendSamples,
  baseActors,
  baseContext,
  strategyOutput,
  opActor,
  pollState,
  readyOfCurrentRevision,
  atOf,
  byOf,
  operatorDecision,
  pauseForError,
  pausedFor,
  reasonOf,
  waitInvoke,
  type AnalysisCounter,
  type MetricReading,
  type ReleaseInput,
} from './release-common.ts';

/** An operator event as the runner delivers it: stamped with the clock time and the operator's name. */
export type StampedOperatorEvent = OperatorEvent & { atMs?: number; by?: string };

/** What the canary machine remembers; all of it survives a persisted snapshot. */
export interface CanaryContext extends TriggerWatchContext {
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
  /** Ready canary pods the current weight step needs before any traffic goes to them. */
  readyNeed?: number | null;
  /** Ready canary pods last read while waiting for them. */
  readyNow?: number | null;
  /** Absolute end of that wait (the plan's readyTimeout), milliseconds since the Unix epoch. */
  readyDeadlineMs?: number | null;
}

/** Canary pods are checked for readiness every 2 s (release clock) before a weight reaches them. */
const READY_POLL_MS = 2_000;

/** The plan's wait for canary pods to become ready, milliseconds. */
function readyTimeoutMs(context: Pick<CanaryContext, 'plan'>): number {
  return durationMs((context.plan.strategy as CanaryStrategy).readyTimeout ?? DEFAULT_READY_TIMEOUT);
}

function canarySteps(context: Pick<CanaryContext, 'plan'>): CanaryStep[] {
  return (context.plan.strategy as CanaryStrategy).steps;
}

function currentStep(context: CanaryContext): CanaryStep | undefined {
  return canarySteps(context)[context.stepIndex];
}

/** A short label of a canary step, e.g. `set weight 10 %`, `pause 10m`, `analysis initial-canary`. */
export function canaryStepLabel(step: CanaryStep): string {
  if ('setWeight' in step) return `set weight ${step.setWeight} %`;
  if ('pause' in step) return step.pause.duration ? `pause ${step.pause.duration}` : 'pause until promoted';
  return `analysis ${step.analysis.templates.join(', ')}`;
}

function decide(context: CanaryContext, d: Omit<Decision, 'seq'>): Decision[] {
  return appendDecision(context.decisions, d);
}

type RunField = 'analysis' | 'background';

/** When the run in `field` next measures (at once when it has nothing scheduled). */
function nextReadAt(context: CanaryContext, field: RunField): number {
  const run = context[field];
  return (run && nextMeasurementAt(run)) ?? context.nowMs ?? 0;
}

/** The reads of the run in `field` that are due now. */
function dueReads(context: CanaryContext, field: RunField) {
  return dueAnalysisReads(context.plan, context[field] as AnalysisRun, context.version, context.nowMs ?? 0);
}

const advance = (context: CanaryContext) => ({
  stepIndex: context.stepIndex + 1,
  readyDeadlineMs: null,
  pauseUntilMs: null,
  analysis: null,
  waitUntilMs: null,
  pause: null,
});

/**
 * Builds the canary machine. `count` is the Argo-style counting of analysis measurements (pass
 * `assessMeasurements` from src-shared/stats/threshold-analysis.ts). Cluster operations, metric reads and
 * the clock are actors invoked by name; provide them with `machine.provide({ actors })`.
 */
export function createCanaryMachine(count: AnalysisCounter) {
  const analysisDecision = (
    context: CanaryContext,
    kind: Decision['kind'],
    status: 'failed' | 'inconclusive',
  ): Partial<CanaryContext> => {
    const run = context.analysis as AnalysisRun;
    const evidence = analysisEvidence(run, status);
    const what = status === 'failed' ? 'failed' : 'was inconclusive';
    const then = kind === 'abort' ? 'aborting the canary' : 'pausing for an operator';
    const summary = `Analysis of step ${run.stepIndex + 1} ${what}: ${evidenceSentence(evidence)}; ${then}.`;
    const atMs = context.nowMs ?? 0;
    const cause = status === 'failed' ? 'analysis-failed' : 'analysis-inconclusive';
    return {
      failedStep: run.stepIndex,
      decisions: decide(context, {
        kind,
        cause,
        atMs,
        by: 'engine',
        stepIndex: run.stepIndex,
        summary,
        evidence,
      }),
      pause: kind === 'pause' ? { cause, message: summary, sinceMs: atMs } : null,
    };
  };

  const counted = (
    context: CanaryContext,
    field: RunField,
    output: { atMs: number; readings: MetricReading[] },
  ): Partial<CanaryContext> => {
    const applied = applyAnalysisReadings(
      context[field] as AnalysisRun,
      output.readings,
      context.version,
      count,
    );
    return {
      nowMs: output.atMs,
      [field]: applied.run,
      samples: appendSamples(context.samples, applied.samples),
    };
  };

  const backgroundDecision = (
    context: CanaryContext,
    kind: Decision['kind'],
    status: 'failed' | 'inconclusive',
  ): Partial<CanaryContext> => {
    const evidence = analysisEvidence(context.background as AnalysisRun, status);
    const what = status === 'failed' ? 'failed' : 'was inconclusive';
    const then = kind === 'abort' ? 'aborting the canary' : 'pausing for an operator';
    const summary = `Background analysis ${what}: ${evidenceSentence(evidence)}; ${then}.`;
    const atMs = context.nowMs ?? 0;
    const cause = status === 'failed' ? 'analysis-failed' : 'analysis-inconclusive';
    return {
      decisions: decide(context, {
        kind,
        cause,
        atMs,
        by: 'engine',
        stepIndex: context.stepIndex,
        summary,
        evidence,
      }),
      pause: kind === 'pause' ? { cause, message: summary, sinceMs: atMs } : null,
    };
  };

  return setup({
    types: {
      context: {} as CanaryContext,
      events: {} as StampedOperatorEvent,
      input: {} as ReleaseInput,
    },
    actors: {
      ...baseActors,
      ensureCanary: opActor('ensureCanary'),
      setCanaryWeight: opActor('setCanaryWeight'),
      scaleForWeight: opActor('scaleForWeight'),
      workloadState: opActor('workloadState'),
      promoteCanary: opActor('promoteCanary'),
      abortCanary: opActor('abortCanary'),
    },
    actions: {
      /** Records an operator's abort (or roll back, which for a canary is the same: all traffic to stable). */
      operatorStop: assign(({ context, event }, params: { kind: 'abort' | 'rollback' }) => {
        const e = event as StampedOperatorEvent;
        const at = context.stepIndex < canarySteps(context).length ? ` at step ${context.stepIndex + 1}` : '';
        const what =
          params.kind === 'abort'
            ? `aborted the release${at}`
            : `rolled the canary back${at}; all traffic goes back to stable`;
        return {
          decisions: operatorDecision(
            context,
            e,
            params.kind,
            context.stepIndex,
            `${byOf(e)} ${what}${reasonOf(e)}.`,
          ),
        };
      }),
    },
    guards: {
      stepsDone: ({ context }) => context.stepIndex >= canarySteps(context).length,
      isWeightStep: ({ context }) => {
        const s = currentStep(context);
        return s !== undefined && 'setWeight' in s;
      },
      isPauseStep: ({ context }) => {
        const s = currentStep(context);
        return s !== undefined && 'pause' in s;
      },
      pauseUntilPromoted: ({ context }) => {
        const s = currentStep(context);
        return s !== undefined && 'pause' in s && s.pause.duration === undefined;
      },
      pauseArmed: ({ context }) => context.pauseUntilMs !== null,
      analysisUnderway: ({ context }) =>
        context.analysis !== null &&
        context.analysis.stepIndex === context.stepIndex &&
        context.analysis.status === 'running',
      analysisPassed: ({ context }) => context.analysis?.status === 'successful',
      analysisFailed: ({ context }) => context.analysis?.status === 'failed',
      analysisInconclusive: ({ context }) => context.analysis?.status === 'inconclusive',
      abortOnFailure: ({ context }) => context.plan.onFailure === 'abort',
      abortOnInconclusive: ({ context }) => context.plan.onInconclusive === 'abort',
      stuckStarting: ({ context }) => context.stuckAt === 'starting',
      stuckPromoting: ({ context }) => context.stuckAt === 'promoting',
      noBackground: ({ context }) => (context.plan.strategy as CanaryStrategy).background === undefined,
      backgroundDue: ({ context }) =>
        context.stepIndex >= ((context.plan.strategy as CanaryStrategy).background?.startingStep ?? Infinity),
      backgroundUnderway: ({ context }) => context.background?.status === 'running',
    },
  }).createMachine({
    id: 'canary',
    output: strategyOutput,
    context: ({ input }) => ({
      ...baseContext(input, { stable: 100, canary: 0 }),
      stepIndex: 0,
      skipped: [],
      pauseUntilMs: null,
      analysis: null,
      failedStep: null,
      stuckAt: null,
      triggers: [] as TriggerWatch[],
      firedTrigger: null,
      background: null,
    }),
    initial: 'starting',
    states: {
      starting: {
        on: {
          ABORT: { target: 'aborting', actions: { type: 'operatorStop', params: { kind: 'abort' } } },
          ROLLBACK: { target: 'aborting', actions: { type: 'operatorStop', params: { kind: 'rollback' } } },
        },
        invoke: {
          src: 'ensureCanary',
          input: ({ context }) => ({
            args: [context.plan.target.image, context.version],
            why: `create the canary workload with ${context.plan.target.image} at weight 0`,
          }),
          onDone: {
            target: 'running',
            actions: assign(({ context, event }) => ({
              nowMs: event.output.atMs,
              startedAtMs: context.startedAtMs ?? event.output.atMs,
              stuckAt: null,
              pause: null,
            })),
          },
          onError: {
            target: 'stuck',
            actions: assign(({ context, event }) => {
              const pause = pauseForError(event.error, 'creating the canary workload', context.nowMs ?? 0);
              return {
                stuckAt: 'starting' as const,
                ...pausedFor(context, pause, null),
              };
            }),
          },
        },
      },
      running: {
        type: 'parallel',
        on: {
          ABORT: { target: 'aborting', actions: { type: 'operatorStop', params: { kind: 'abort' } } },
          ROLLBACK: { target: 'aborting', actions: { type: 'operatorStop', params: { kind: 'rollback' } } },
          PROMOTE_FULL: {
            target: 'promoting',
            actions: assign(({ context, event }) => ({
              decisions: operatorDecision(
                context,
                event,
                'promote',
                context.stepIndex,
                `${byOf(event)} promoted the canary fully from step ${context.stepIndex + 1}, skipping the remaining steps${reasonOf(event)}.`,
              ),
              skipped: [
                ...context.skipped,
                ...canarySteps(context)
                  .map((_s, i) => i)
                  .filter((i) => i >= context.stepIndex),
              ],
            })),
          },
        },
        states: {
          steps: {
            initial: 'next',
            on: {
              PAUSE: {
                target: '.held',
                actions: assign(({ context, event }) => {
                  const atMs = atOf(context, event);
                  const summary = `${byOf(event)} paused the release at step ${context.stepIndex + 1}${reasonOf(event)}.`;
                  return {
                    pause: { cause: 'operator' as const, message: summary, sinceMs: atMs },
                    decisions: decide(context, {
                      kind: 'pause',
                      cause: 'operator',
                      atMs,
                      by: byOf(event),
                      stepIndex: context.stepIndex,
                      summary,
                      evidence: [],
                    }),
                  };
                }),
              },
              PROMOTE: {
                target: '.next',
                actions: assign(({ context, event }) => ({
                  ...advance(context),
                  skipped: [...context.skipped, context.stepIndex],
                  decisions: operatorDecision(
                    context,
                    event,
                    'promote',
                    context.stepIndex,
                    `${byOf(event)} promoted past step ${context.stepIndex + 1}${reasonOf(event)}.`,
                  ),
                })),
              },
            },
            states: {
              next: {
                always: [
                  {
                    guard: 'stepsDone',
                    target: '#canary.promoting',
                    actions: assign(({ context }) => ({
                      decisions: decide(context, {
                        kind: 'promote',
                        cause: 'completed',
                        atMs: context.nowMs ?? 0,
                        by: 'engine',
                        stepIndex: null,
                        summary: `All ${canarySteps(context).length} steps passed; promoting ${context.version} to all traffic.`,
                        evidence: [],
                      }),
                    })),
                  },
                  { guard: 'isWeightStep', target: 'weight' },
                  { guard: 'isPauseStep', target: 'pause' },
                  { target: 'analysis' },
                ],
              },
              weight: {
                // Traffic only to ready pods: the canary gets the pods the weight needs, and they are ready first.
                initial: 'scaling',
                states: {
                  scaling: {
                    invoke: {
                      src: 'scaleForWeight',
                      input: ({ context }) => {
                        const s = currentStep(context) as { setWeight: number };
                        return {
                          args: [s.setWeight] as [number],
                          why: `step ${context.stepIndex + 1}: give the canary the pods ${s.setWeight} % of traffic needs`,
                        };
                      },
                      onDone: [
                        {
                          guard: ({ event }) => event.output.result.replicas <= 0,
                          target: 'setting',
                          actions: assign(({ event }) => ({ nowMs: event.output.atMs })),
                        },
                        {
                          target: 'probe',
                          actions: assign(({ context, event }) => ({
                            nowMs: event.output.atMs,
                            readyNeed: event.output.result.replicas,
                            readyDeadlineMs:
                              context.readyDeadlineMs ?? event.output.atMs + readyTimeoutMs(context),
                          })),
                        },
                      ],
                      onError: {
                        target: '#canary.running.steps.held',
                        actions: assign(({ context, event }) =>
                          pausedFor(
                            context,
                            pauseForError(event.error, 'scaling the canary', context.nowMs ?? 0),
                            context.stepIndex,
                          ),
                        ),
                      },
                    },
                  },
                  probe: {
                    invoke: {
                      src: 'workloadState',
                      input: ({ context }) => ({
                        args: ['canary'] as [WorkloadRole],
                        why: `step ${context.stepIndex + 1}: wait until the canary pods are ready`,
                      }),
                      onDone: {
                        target: 'check',
                        actions: assign(({ event }) => ({
                          nowMs: event.output.atMs,
                          readyNow: readyOfCurrentRevision(event.output.result),
                        })),
                      },
                      onError: {
                        target: '#canary.running.steps.held',
                        actions: assign(({ context, event }) =>
                          pausedFor(
                            context,
                            pauseForError(event.error, 'reading the canary pods', context.nowMs ?? 0),
                            context.stepIndex,
                          ),
                        ),
                      },
                    },
                  },
                  check: {
                    always: [
                      {
                        guard: ({ context }) => (context.readyNow ?? 0) >= (context.readyNeed ?? 0),
                        target: 'setting',
                      },
                      {
                        guard: ({ context }) => (context.nowMs ?? 0) >= (context.readyDeadlineMs ?? Infinity),
                        target: '#canary.aborting',
                        actions: assign(({ context }) => {
                          const weight = (currentStep(context) as { setWeight: number }).setWeight;
                          const timeout =
                            (context.plan.strategy as CanaryStrategy).readyTimeout ?? DEFAULT_READY_TIMEOUT;
                          return {
                            failedStep: context.stepIndex,
                            decisions: decide(context, {
                              kind: 'abort',
                              cause: 'ready-timeout',
                              atMs: context.nowMs ?? 0,
                              by: 'engine',
                              stepIndex: context.stepIndex,
                              summary: `Step ${context.stepIndex + 1}: the canary did not have the ${context.readyNeed} ready pod(s) ${weight} % of traffic needs within the readyTimeout of ${timeout} (${context.readyNow ?? 0} ready); aborting, no traffic went to it and all of it stays on stable.`,
                              evidence: [],
                            }),
                          };
                        }),
                      },
                      { target: 'sleeping' },
                    ],
                  },
                  sleeping: pollState<CanaryContext, StampedOperatorEvent>(
                    READY_POLL_MS,
                    (context) => context.readyDeadlineMs ?? null,
                  ),
                  setting: {
                    invoke: {
                      src: 'setCanaryWeight',
                      input: ({ context }) => {
                        const s = currentStep(context) as { setWeight: number };
                        return {
                          args: [s.setWeight] as [number],
                          why: `step ${context.stepIndex + 1}: send ${s.setWeight} % of traffic to the canary`,
                        };
                      },
                      onDone: {
                        target: '#canary.running.steps.next',
                        actions: assign(({ context, event }) => {
                          const weight = (currentStep(context) as { setWeight: number }).setWeight;
                          return {
                            ...advance(context),
                            readyNeed: null,
                            readyNow: null,
                            nowMs: event.output.atMs,
                            split: event.output.result,
                            intended: { stable: 100 - weight, canary: weight },
                          };
                        }),
                      },
                      onError: {
                        target: '#canary.running.steps.held',
                        actions: assign(({ context, event }) => {
                          const weight = (currentStep(context) as { setWeight: number }).setWeight;
                          const pause = pauseForError(
                            event.error,
                            `setting the canary weight to ${weight} %`,
                            context.nowMs ?? 0,
                          );
                          return {
                            ...pausedFor(context, pause, context.stepIndex),
                          };
                        }),
                      },
                    },
                  },
                },
              },
              pause: {
                initial: 'arming',
                states: {
                  arming: {
                    always: [
                      { guard: 'pauseUntilPromoted', target: 'untilPromoted' },
                      { guard: 'pauseArmed', target: 'waiting' },
                      { target: 'stamping' },
                    ],
                  },
                  stamping: {
                    invoke: {
                      src: 'now',
                      onDone: {
                        target: 'waiting',
                        actions: assign(({ context, event }) => {
                          const s = currentStep(context) as { pause: { duration: string } };
                          return {
                            nowMs: event.output.atMs,
                            pauseUntilMs: event.output.atMs + durationMs(s.pause.duration),
                          };
                        }),
                      },
                    },
                  },
                  waiting: {
                    entry: assign(({ context }) => ({ waitUntilMs: context.pauseUntilMs })),
                    invoke: {
                      src: 'wait',
                      input: ({ context }) => ({ untilMs: context.pauseUntilMs ?? 0 }),
                      onDone: {
                        target: '#canary.running.steps.next',
                        actions: assign(({ context, event }) => ({
                          ...advance(context),
                          nowMs: event.output.atMs,
                        })),
                      },
                    },
                  },
                  untilPromoted: {
                    entry: assign(({ context }) => {
                      const summary = 'The canary waits for an operator: resume or promote it to go on.';
                      return {
                        pause: {
                          cause: 'step-pause' as const,
                          message: summary,
                          sinceMs: context.nowMs ?? 0,
                        },
                        decisions: decide(context, {
                          kind: 'pause',
                          cause: 'step-pause',
                          atMs: context.nowMs ?? 0,
                          by: 'engine',
                          stepIndex: context.stepIndex,
                          summary,
                          evidence: [],
                        }),
                      };
                    }),
                    on: {
                      PAUSE: {},
                      // Resume at a pause-until-promoted continues to the next step, as Promote does.
                      RESUME: {
                        target: '#canary.running.steps.next',
                        actions: assign(({ context, event }) => ({
                          ...advance(context),
                          decisions: operatorDecision(
                            context,
                            event,
                            'resume',
                            context.stepIndex,
                            `${byOf(event)} resumed the release after the pause at step ${context.stepIndex + 1}${reasonOf(event)}.`,
                          ),
                        })),
                      },
                    },
                  },
                },
              },
              analysis: {
                initial: 'arming',
                states: {
                  arming: {
                    always: [{ guard: 'analysisUnderway', target: 'waiting' }, { target: 'stamping' }],
                  },
                  stamping: {
                    invoke: {
                      src: 'now',
                      onDone: {
                        target: 'evaluate',
                        actions: assign(({ context, event }) => {
                          const s = currentStep(context) as { analysis: { templates: string[] } };
                          return {
                            nowMs: event.output.atMs,
                            analysis: startAnalysis(
                              context.plan,
                              s.analysis.templates,
                              context.stepIndex,
                              event.output.atMs,
                            ),
                          };
                        }),
                      },
                    },
                  },
                  waiting: {
                    entry: assign(({ context }) => ({
                      waitUntilMs: context.analysis ? nextMeasurementAt(context.analysis) : null,
                    })),
                    invoke: waitInvoke<CanaryContext, StampedOperatorEvent>(
                      (c) => nextReadAt(c, 'analysis'),
                      'reading',
                    ),
                  },
                  reading: {
                    invoke: {
                      src: 'readMetrics',
                      input: ({ context }) => ({ requests: dueReads(context, 'analysis') }),
                      onDone: {
                        target: 'evaluate',
                        actions: assign(({ context, event }) => counted(context, 'analysis', event.output)),
                      },
                    },
                  },
                  evaluate: {
                    always: [
                      {
                        guard: 'analysisPassed',
                        target: '#canary.running.steps.next',
                        actions: assign(({ context }) => {
                          const run = context.analysis as AnalysisRun;
                          const evidence = analysisEvidence(run);
                          return {
                            ...advance(context),
                            decisions: decide(context, {
                              kind: 'promote',
                              cause: 'analysis-passed',
                              atMs: context.nowMs ?? 0,
                              by: 'engine',
                              stepIndex: run.stepIndex,
                              summary: `Analysis of step ${run.stepIndex + 1} passed: ${evidenceSentence(evidence)}.`,
                              evidence,
                            }),
                          };
                        }),
                      },
                      {
                        guard: and(['analysisFailed', 'abortOnFailure']),
                        target: '#canary.aborting',
                        actions: assign(({ context }) => analysisDecision(context, 'abort', 'failed')),
                      },
                      {
                        guard: 'analysisFailed',
                        target: '#canary.running.steps.held',
                        actions: assign(({ context }) => analysisDecision(context, 'pause', 'failed')),
                      },
                      {
                        guard: and(['analysisInconclusive', 'abortOnInconclusive']),
                        target: '#canary.aborting',
                        actions: assign(({ context }) => analysisDecision(context, 'abort', 'inconclusive')),
                      },
                      {
                        guard: 'analysisInconclusive',
                        target: '#canary.running.steps.held',
                        actions: assign(({ context }) => analysisDecision(context, 'pause', 'inconclusive')),
                      },
                      { target: 'waiting' },
                    ],
                  },
                },
              },
              held: {
                entry: assign({ waitUntilMs: null }),
                on: {
                  PAUSE: {},
                  RESUME: {
                    target: 'next',
                    actions: assign(({ context, event }) => ({
                      pause: null,
                      failedStep: null,
                      // Pods that were waited for get the plan's whole readyTimeout again.
                      readyDeadlineMs: null,
                      // A concluded analysis is measured afresh; one interrupted by PAUSE carries on.
                      analysis: context.analysis?.status === 'running' ? context.analysis : null,
                      decisions: operatorDecision(
                        context,
                        event,
                        'resume',
                        context.stepIndex,
                        `${byOf(event)} resumed the release at step ${context.stepIndex + 1}${reasonOf(event)}.`,
                      ),
                    })),
                  },
                },
              },
            },
          },
          background: {
            initial: 'idle',
            states: {
              idle: {
                always: [
                  { guard: 'noBackground', target: 'off' },
                  { guard: 'backgroundDue', target: 'arming' },
                ],
              },
              arming: {
                always: [{ guard: 'backgroundUnderway', target: 'waiting' }, { target: 'stamping' }],
              },
              stamping: {
                invoke: {
                  src: 'now',
                  onDone: {
                    target: 'waiting',
                    actions: assign(({ context, event }) => ({
                      nowMs: event.output.atMs,
                      background: startAnalysis(
                        context.plan,
                        (context.plan.strategy as CanaryStrategy).background?.templates ?? [],
                        context.stepIndex,
                        event.output.atMs,
                      ),
                    })),
                  },
                },
              },
              waiting: {
                invoke: waitInvoke<CanaryContext, StampedOperatorEvent>(
                  (c) => nextReadAt(c, 'background'),
                  'reading',
                ),
              },
              reading: {
                invoke: {
                  src: 'readMetrics',
                  input: ({ context }) => ({ requests: dueReads(context, 'background') }),
                  onDone: {
                    target: 'evaluate',
                    actions: assign(({ context, event }) => counted(context, 'background', event.output)),
                  },
                },
              },
              evaluate: {
                always: [
                  {
                    guard: ({ context }) => context.background?.status === 'failed',
                    target: '#canary.aborting',
                    actions: assign(({ context }) => backgroundDecision(context, 'abort', 'failed')),
                  },
                  {
                    guard: ({ context }) =>
                      context.background?.status === 'inconclusive' &&
                      context.plan.onInconclusive === 'abort',
                    target: '#canary.aborting',
                    actions: assign(({ context }) => backgroundDecision(context, 'abort', 'inconclusive')),
                  },
                  {
                    guard: ({ context }) => context.background?.status === 'inconclusive',
                    target: '#canary.running.steps.held',
                    actions: assign(({ context }) => ({
                      ...backgroundDecision(context, 'pause', 'inconclusive'),
                      background: null,
                    })),
                  },
                  // A background run that passed its count starts over: it watches until the release ends.
                  { guard: ({ context }) => context.background?.status === 'successful', target: 'stamping' },
                  { target: 'waiting' },
                ],
              },
              off: {},
            },
          },
          guard: triggerWatchRegion<CanaryContext, StampedOperatorEvent>([
            {
              target: '#canary.aborting',
              decide: (context, e) => ({
                decisions: decide(context, {
                  kind: 'abort',
                  cause: 'rollback-trigger',
                  atMs: context.nowMs ?? 0,
                  by: 'engine',
                  stepIndex: context.stepIndex,
                  summary: triggerSummary(e, 'aborting the canary'),
                  evidence: [e],
                }),
              }),
            },
          ]),
        },
      },
      promoting: {
        entry: assign({ pause: null, waitUntilMs: null }),
        invoke: {
          src: 'promoteCanary',
          input: ({ context }) => ({
            args: [context.plan.target.image] as [string],
            why: `promote ${context.plan.target.image} to the stable workload and send it all traffic`,
          }),
          onDone: {
            target: 'completed',
            actions: assign(({ event }) => ({
              nowMs: event.output.atMs,
              finishedAtMs: event.output.atMs,
              split: event.output.result,
              intended: { stable: 100, canary: 0 },
              stuckAt: null,
            })),
          },
          onError: {
            target: 'stuck',
            actions: assign(({ context, event }) => stuck(context, event.error, 'promoting')),
          },
        },
      },
      aborting: {
        entry: assign({ intended: { stable: 100, canary: 0 }, waitUntilMs: null, pause: null }),
        invoke: {
          src: 'abortCanary',
          input: () => ({ args: [] as [], why: 'send all traffic back to stable and scale the canary down' }),
          onDone: {
            target: 'aborted',
            actions: assign(({ event }) => ({
              nowMs: event.output.atMs,
              finishedAtMs: event.output.atMs,
              split: event.output.result,
              stuckAt: null,
            })),
          },
          onError: {
            target: 'stuck',
            actions: assign(({ context, event }) => stuck(context, event.error, 'aborting')),
          },
        },
      },
      aborted: {
        on: {
          RETRY: {
            target: 'starting',
            actions: assign(({ context, event }) => ({
              stepIndex: 0,
              skipped: [],
              pauseUntilMs: null,
              analysis: null,
              failedStep: null,
              triggers: [],
              firedTrigger: null,
              background: null,
              finishedAtMs: null,
              decisions: operatorDecision(
                context,
                event,
                'retry',
                0,
                `${byOf(event)} retried the release from step 1${reasonOf(event)}.`,
              ),
            })),
          },
        },
      },
      stuck: {
        on: {
          RESUME: [
            { guard: 'stuckStarting', target: 'starting' },
            { guard: 'stuckPromoting', target: 'promoting' },
            { target: 'aborting' },
          ],
          ABORT: {
            target: 'aborting',
            actions: assign(({ context, event }) => ({
              decisions: operatorDecision(
                context,
                event,
                'abort',
                context.stepIndex,
                `${byOf(event)} aborted the release${reasonOf(event)}.`,
              ),
            })),
          },
          ROLLBACK: { target: 'aborting', actions: { type: 'operatorStop', params: { kind: 'rollback' } } },
        },
      },
      completed: { type: 'final', output: { outcome: 'completed' } },
    },
  });
}

function stuck(context: CanaryContext, error: unknown, at: 'promoting' | 'aborting'): Partial<CanaryContext> {
  const doing = at === 'promoting' ? 'promoting the canary' : 'sending traffic back to stable';
  const pause = pauseForError(error, doing, context.nowMs ?? 0);
  return {
    stuckAt: at,
    ...pausedFor(context, pause, null),
  };
}

/** The canary machine type. */
export type CanaryMachine = ReturnType<typeof createCanaryMachine>;
