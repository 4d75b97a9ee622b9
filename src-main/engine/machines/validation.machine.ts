import { assign, sendParent, setup } from 'xstate';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import { formatThreshold, unitOfMetric } from '../../../src-shared/format/number.ts';
import type { ReleasePlan, Validation } from '../../../src-shared/plan/plan.schema.ts';
import type { Evidence, SampleRecord } from '../../../src-shared/release/release.schema.ts';
import type { WorkloadRole } from '../../ports/release.port.ts';
import {
  appendSamples,
  baseActors,
  engineDecision,
  pausedFor,
  opActor,
  queryParams,
  sampleOf,
  type MetricReading,
  type ReleaseContextBase,
} from './release-common.ts';

/** What the validation machine checks: one workload running one version, watched for a window. */
export interface ValidationInput {
  plan: ReleasePlan;
  /** Version label value the checks select, e.g. `v1.25.0`. */
  version: string;
  /** The image the workload must run. */
  image: string;
  workload: WorkloadRole;
  validation: Validation;
}

/** How a validation ended. `error` means the cluster could not be read: the parent pauses, it does not guess. */
export interface ValidationOutput {
  status: 'passed' | 'failed' | 'error';
  /** One plain sentence with the reason. */
  summary: string;
  evidence: Evidence[];
  /** `warn` checks that breached at least once (they never fail a validation, but they are reported). */
  warnings?: Evidence[];
  /** When it ended, milliseconds since the Unix epoch. */
  atMs: number;
}

/** Sent to the parent after every round so its timeline shows the samples. */
export interface ValidationSamplesEvent {
  type: 'VALIDATION_SAMPLES';
  samples: SampleRecord[];
}

interface ValidationContext extends ValidationInput {
  nowMs: number;
  endAtMs: number | null;
  nextAtMs: number | null;
  /** Rounds in a row in which a `fail` check breached or had no usable value. */
  consecutive: number;
  /** Rounds in which every `fail` check had a value. */
  conclusiveRounds: number;
  /** Samples of the current run of failing rounds (or the last round). */
  run: SampleRecord[];
  last: SampleRecord[];
  /** Every sample of the `warn` checks so far, oldest first. */
  warnSamples: SampleRecord[];
  output: Omit<ValidationOutput, 'atMs'> | null;
}

const GROUP = 'validation';

const severityOf = (context: ValidationContext, s: SampleRecord) =>
  context.validation.checks[Number(s.metric.split('#')[1])]?.severity;

/** One evidence entry per `warn` check that breached at least once, with the count as its arithmetic. */
function warningEvidence(context: ValidationContext): Evidence[] {
  return context.validation.checks.flatMap((check, i) => {
    if (check.severity !== 'warn') return [];
    const mine = context.warnSamples.filter((s) => s.metric === `${check.metric}#${i}`);
    const breached = mine.filter((s) => s.outcome === 'failure');
    if (breached.length === 0) return [];
    return [
      {
        metric: check.metric,
        group: GROUP,
        query: breached.at(-1)?.query ?? '',
        op: check.op,
        threshold: check.threshold,
        samples: mine,
        arithmetic: `breached in ${breached.length} of ${mine.length} checks (severity warn: reported, not failed)`,
        result: 'breached' as const,
      },
    ];
  });
}

function checkEvidence(
  context: ValidationContext,
  samples: readonly SampleRecord[],
  arithmetic: string,
  onlyBad: boolean,
): Evidence[] {
  return context.validation.checks
    .map((check, i) => ({ check, mine: samples.filter((s) => s.metric === `${check.metric}#${i}`) }))
    .filter((x) => x.check.severity === 'fail' && x.mine.length > 0)
    .filter((x) => !onlyBad || x.mine.some((s) => s.outcome !== 'success'))
    .map(({ check, mine }) => {
      const lastOutcome = mine.at(-1)?.outcome;
      return {
        metric: check.metric,
        group: GROUP,
        query: mine.at(-1)?.query ?? '',
        op: check.op,
        threshold: check.threshold,
        samples: mine,
        arithmetic,
        result:
          lastOutcome === 'failure'
            ? 'breached'
            : lastOutcome === 'inconclusive'
              ? 'inconclusive'
              : lastOutcome === 'error'
                ? 'error'
                : 'successful',
      };
    });
}

/**
 * Post-deploy validation as a reusable child machine: the workload's status and version, then every
 * check each `interval` for `duration`, failing after more than `maxConsecutiveFailures` rounds in a row
 * in which a `fail` check breached or had no data (`warn` checks are only recorded). A window with no
 * usable value at all never passes.
 */
export const validationMachine = setup({
  types: {
    context: {} as ValidationContext,
    input: {} as ValidationInput,
    output: {} as ValidationOutput,
  },
  actors: { ...baseActors, workloadState: opActor('workloadState') },
  guards: {
    tooMany: ({ context }) => context.consecutive > context.validation.maxConsecutiveFailures,
    windowOver: ({ context }) => context.endAtMs !== null && context.nowMs >= context.endAtMs,
  },
}).createMachine({
  id: 'validation',
  context: ({ input }) => ({
    ...input,
    nowMs: 0,
    endAtMs: null,
    nextAtMs: null,
    consecutive: 0,
    conclusiveRounds: 0,
    run: [],
    last: [],
    warnSamples: [],
    output: null,
  }),
  initial: 'status',
  states: {
    status: {
      invoke: {
        src: 'workloadState',
        input: ({ context }) => ({
          args: [context.workload] as [WorkloadRole],
          why: 'read the workload status',
        }),
        onDone: [
          {
            guard: ({ event }) => event.output.result.ready < event.output.result.desired,
            target: 'done',
            actions: assign(({ context, event }) => ({
              output: {
                status: 'failed' as const,
                summary: `${context.workload} has ${event.output.result.ready} of ${event.output.result.desired} pods ready.`,
                evidence: [],
              },
            })),
          },
          {
            guard: ({ context, event }) => event.output.result.image !== context.image,
            target: 'done',
            actions: assign(({ context, event }) => ({
              output: {
                status: 'failed' as const,
                summary: `${context.workload} runs ${event.output.result.image}, expected ${context.image}.`,
                evidence: [],
              },
            })),
          },
          {
            target: 'waiting',
            actions: assign(({ context, event }) => ({
              nowMs: event.output.atMs,
              endAtMs: context.endAtMs ?? event.output.atMs + durationMs(context.validation.duration),
              nextAtMs: context.nextAtMs ?? event.output.atMs,
            })),
          },
        ],
        onError: {
          target: 'done',
          actions: assign(({ context, event }) => ({
            output: {
              status: 'error' as const,
              summary: `The status of ${context.workload} could not be read: ${event.error instanceof Error ? event.error.message : String(event.error)}`,
              evidence: [],
            },
          })),
        },
      },
    },
    waiting: {
      invoke: {
        src: 'wait',
        input: ({ context }) => ({ untilMs: context.nextAtMs ?? 0 }),
        onDone: { target: 'reading', actions: assign(({ event }) => ({ nowMs: event.output.atMs })) },
      },
    },
    reading: {
      invoke: {
        src: 'readMetrics',
        input: ({ context }) => ({
          requests: context.validation.checks.map((check, i) => ({
            key: `${i}`,
            source: { kind: check.metric, ...(check.query ? { query: check.query } : {}) },
            params: queryParams(context.plan, context.version, context.validation.window),
          })),
        }),
        onDone: {
          target: 'evaluate',
          actions: [
            assign(({ context, event }) => {
              const round = event.output.readings.map((r: MetricReading) => {
                const check = context.validation.checks[Number(r.key)];
                return sampleOf(
                  r,
                  {
                    source: 'validation',
                    stepIndex: null,
                    group: GROUP,
                    metric: `${check?.metric}#${r.key}`,
                    version: context.version,
                  },
                  { op: check?.op ?? '>', threshold: check?.threshold ?? 0 },
                  'breach',
                );
              });
              const failChecks = round.filter((s) => severityOf(context, s) === 'fail');
              const bad = failChecks.some((s) => s.outcome !== 'success');
              return {
                nowMs: event.output.atMs,
                nextAtMs: (context.nextAtMs ?? event.output.atMs) + durationMs(context.validation.interval),
                consecutive: bad ? context.consecutive + 1 : 0,
                conclusiveRounds:
                  context.conclusiveRounds + (failChecks.every((s) => s.value !== null) ? 1 : 0),
                run: bad ? appendSamples(context.consecutive > 0 ? context.run : [], round) : round,
                last: round,
                warnSamples: appendSamples(
                  context.warnSamples,
                  round.filter((s) => severityOf(context, s) === 'warn'),
                ),
              };
            }),
            sendParent(({ context }) => ({ type: 'VALIDATION_SAMPLES', samples: context.last })),
          ],
        },
      },
    },
    evaluate: {
      always: [
        {
          guard: 'tooMany',
          target: 'done',
          actions: assign(({ context }) => {
            const arithmetic = `${context.consecutive} consecutive failed checks > maxConsecutiveFailures ${context.validation.maxConsecutiveFailures}`;
            const evidence = checkEvidence(context, context.run, arithmetic, true);
            const named = evidence
              .filter((e) => e.result !== 'successful')
              .map((e) => e.metric)
              .join(', ');
            return {
              output: {
                status: 'failed' as const,
                summary: `Validation of ${context.version} failed on ${named}: ${arithmetic}.`,
                evidence,
              },
            };
          }),
        },
        {
          guard: 'windowOver',
          target: 'done',
          actions: assign(({ context }) => {
            const inconclusive = context.conclusiveRounds === 0;
            const warnings = inconclusive ? [] : warningEvidence(context);
            const arithmetic = inconclusive
              ? 'no round had a value for every fail check'
              : `${context.consecutive} consecutive failed checks ≤ maxConsecutiveFailures ${context.validation.maxConsecutiveFailures} over ${context.validation.duration}`;
            return {
              output: {
                status: inconclusive ? ('failed' as const) : ('passed' as const),
                summary: inconclusive
                  ? `Validation of ${context.version} had no data for ${context.validation.duration}; it does not pass on missing data.`
                  : `Validation of ${context.version} passed${warnings.length > 0 ? ` with warnings (${warnings.map((w) => `${w.metric} ${formatThreshold(w.op, w.threshold, unitOfMetric(w.metric))} ${w.arithmetic.split(' (')[0]}`).join('; ')})` : ''}: ${arithmetic}.`,
                evidence: checkEvidence(context, context.last, arithmetic, inconclusive),
                ...(warnings.length > 0 ? { warnings } : {}),
              },
            };
          }),
        },
        { target: 'waiting' },
      ],
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({
    ...(context.output ?? { status: 'error', summary: 'Validation ended without a result.', evidence: [] }),
    atMs: context.nowMs,
  }),
});

/**
 * The parent's context change when its validation child ends: a `complete` decision when it passed, a
 * `rollback` decision when it failed (the summary gets `then` appended), or an engine pause when the
 * cluster could not be read. Evidence and the child's end time are carried over.
 */
export function afterValidation(context: ReleaseContextBase, output: ValidationOutput, then: string) {
  const at = { ...context, nowMs: output.atMs };
  if (output.status === 'passed') {
    const warned = output.warnings ?? [];
    const withWarnings =
      warned.length === 0
        ? at
        : {
            ...at,
            decisions: engineDecision(
              at,
              'continue',
              'validation-warning',
              `Validation passed with warnings: ${warned.map((w) => `${w.metric} ${formatThreshold(w.op, w.threshold, unitOfMetric(w.metric))} ${w.arithmetic}`).join('; ')}.`,
              warned,
            ),
          };
    return {
      nowMs: output.atMs,
      finishedAtMs: output.atMs,
      decisions: engineDecision(
        withWarnings,
        'complete',
        'validation-passed',
        output.summary,
        output.evidence,
      ),
    };
  }
  if (output.status === 'failed')
    return {
      nowMs: output.atMs,
      decisions: engineDecision(
        at,
        'rollback',
        'validation-failed',
        `${output.summary} ${then}`,
        output.evidence,
      ),
    };
  return pausedFor(context, { cause: 'cluster-error', message: output.summary, sinceMs: output.atMs }, null);
}
