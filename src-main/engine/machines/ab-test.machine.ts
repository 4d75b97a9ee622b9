import { assign, setup } from 'xstate';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import { formatMetricValue, formatThreshold, unitOfMetric } from '../../../src-shared/format/number.ts';
import {
  DEFAULT_READY_TIMEOUT,
  type AbTestStrategy,
  type AbVariant,
  type ReleasePlan,
} from '../../../src-shared/plan/plan.schema.ts';
import { escapeLabelValue } from '../../../src-shared/plan/promql.ts';
import type { Evidence, SampleRecord } from '../../../src-shared/release/release.schema.ts';
import { twoProportionTest, type TwoProportionResult } from '../../../src-shared/stats/proportions.ts';
import type { ExperimentRoute, WorkloadRole } from '../../ports/release.port.ts';
import { triggerSummary, triggerWatchRegion, type TriggerWatchContext } from './analysis-run.ts';
import type { StampedOperatorEvent } from './canary.machine.ts';
import {
  appendSamples,
  baseActors,
  baseContext,
  byOf,
  engineDecision,
  operatorDecision,
  opActor,
  pollState,
  readyOfCurrentRevision,
  imageVersion,
  queryParams,
  reasonOf,
  sampleOf,
  strategyOutput,
  stuckWith,
  waitInvoke,
  type MetricReading,
  type MetricRequest,
  type ReleaseInput,
} from './release-common.ts';

/** Guardrails are read every minute; the z-test runs every hour (and once more at the end). */
export const GUARDRAIL_INTERVAL_MS = 60_000;
export const TEST_INTERVAL_MS = 3_600_000;

/** The latest z-test of one primary metric. */
export interface AbTestResult {
  metric: string;
  atMs: number;
  control: { successes: number; total: number } | null;
  treatment: { successes: number; total: number } | null;
  result: TwoProportionResult | null;
  /** Why there is no result (no query, no data, no trials yet). */
  note?: string;
}

/** What the A/B machine remembers; all of it survives a persisted snapshot. */
export interface AbContext extends TriggerWatchContext {
  endAtMs: number | null;
  nextGuardAtMs: number | null;
  nextTestAtMs: number | null;
  tests: AbTestResult[];
  guardBreach: Evidence | null;
  stuckAt: 'starting' | 'routing' | 'deploying' | 'rejecting' | null;
  /**
   * The version label value the control's metrics carry: the stable workload's image tag, read at the start,
   * when the control runs on the stable workload (its plan `version` names the pods' subset, e.g. `stable`).
   */
  controlVersion?: string | null;
  /** Ready treatment pods its share of traffic needs before the cohort is routed. */
  readyNeed?: number | null;
  /** Ready treatment pods last read while waiting for them. */
  readyNow?: number | null;
  /** Absolute end of that wait (the plan's readyTimeout), milliseconds since the Unix epoch. */
  readyDeadlineMs?: number | null;
}

/** Treatment pods are checked for readiness every 2 s (release clock) before the cohort is routed to them. */
const READY_POLL_MS = 2_000;

/** The version label value a variant's metrics are read with. */
function metricsVersion(context: AbContext, variant: AbVariant): string {
  const { control } = abVariants(context.plan);
  return variant === control && !variant.image && context.controlVersion
    ? context.controlVersion
    : variant.version;
}

const strategyOf = (c: { plan: ReleasePlan }) => c.plan.strategy as AbTestStrategy;

/** The control (default) variant and the treatment (the first other variant). */
export function abVariants(plan: ReleasePlan) {
  const s = strategyOf({ plan });
  const control = s.variants.find((v) => v.name === s.defaultVariant) ?? s.variants[0];
  const treatment = s.variants.find((v) => v !== control) ?? s.variants[1];
  if (!control || !treatment) throw new RangeError('an A/B test needs two variants');
  return { control, treatment };
}

function route(plan: ReleasePlan): ExperimentRoute {
  const s = strategyOf({ plan });
  return {
    variants: s.variants.map((v) => ({ name: v.name, version: v.version, weight: v.weight })),
    cohort: s.cohort,
    pins: s.pins,
    defaultVariant: s.defaultVariant,
    ...(s.stickyHeader ? { stickyHeader: s.stickyHeader } : {}),
  };
}

/**
 * Warnings about how the plan's router will route the experiment, for plan validation and preflight to show
 * before the run starts (the run itself records what the router reports). Empty when there is nothing to say.
 */
export function abRoutingWarnings(plan: ReleasePlan): string[] {
  if (plan.strategy.kind !== 'ab-test' || !plan.strategy.stickyHeader) return [];
  const header = plan.strategy.stickyHeader;
  if (plan.router.kind === 'gateway-api')
    return [
      `stickyHeader ${header} is not enforced by a gateway-api router: HTTPRoute has no standard way to keep a user on one variant, so a cohort user may see both variants.`,
    ];
  if (plan.router.kind === 'istio')
    return [
      `stickyHeader ${header} keeps a user on one pod of a variant (DestinationRule consistent hash), but Istio draws the weighted choice between variants per request; pin users with a header match for a strict assignment.`,
    ];
  return [];
}

/** The reads due at `nowMs`: guardrails per variant, and the primary metrics' counts when a test is due. */
export function dueAbReads(context: AbContext, nowMs: number): MetricRequest[] {
  const s = strategyOf(context);
  const reads: MetricRequest[] = [];
  const { control, treatment } = abVariants(context.plan);
  if ((context.nextGuardAtMs ?? 0) <= nowMs)
    s.guardrails.forEach((g, i) =>
      [control, treatment].forEach((v) =>
        reads.push({
          key: `guard/${i}/${v.name}`,
          source: { kind: g.metric, ...(g.query ? { query: g.query } : {}) },
          params: queryParams(context.plan, metricsVersion(context, v), '5m'),
        }),
      ),
    );
  const testDue = (context.nextTestAtMs ?? 0) <= nowMs || (context.endAtMs ?? Infinity) <= nowMs;
  if (testDue)
    s.primaryMetrics.forEach((m, i) => {
      if (!m.successQuery || !m.totalQuery) return;
      [control, treatment].forEach((v) => {
        const fill = (q: string) => q.replace(/\{\{\s*variant\s*\}\}/g, escapeLabelValue(v.name));
        const params = queryParams(context.plan, metricsVersion(context, v));
        reads.push({
          key: `succ/${i}/${v.name}`,
          source: { kind: 'custom', query: fill(m.successQuery as string) },
          params,
        });
        reads.push({
          key: `total/${i}/${v.name}`,
          source: { kind: 'custom', query: fill(m.totalQuery as string) },
          params,
        });
      });
    });
  return reads;
}

/** Applies readings: guardrail samples (a breach stops the test), and z-tests of the primary metrics. */
export function applyAbReadings(
  context: AbContext,
  readings: readonly MetricReading[],
  atMs: number,
): Partial<AbContext> {
  const s = strategyOf(context);
  const { control, treatment } = abVariants(context.plan);
  const samples: SampleRecord[] = [];
  let guardBreach: Evidence | null = null;
  s.guardrails.forEach((g, i) =>
    [control, treatment].forEach((v) => {
      const r = readings.find((x) => x.key === `guard/${i}/${v.name}`);
      if (!r) return;
      const sample = sampleOf(
        r,
        {
          source: 'guardrail',
          stepIndex: null,
          group: v.name,
          metric: g.metric,
          version: metricsVersion(context, v),
        },
        { op: g.op, threshold: g.threshold },
        'breach',
      );
      samples.push(sample);
      if (!guardBreach && sample.outcome === 'failure' && g.severity === 'fail')
        guardBreach = {
          metric: g.metric,
          group: `guardrail (${v.name})`,
          query: sample.query,
          op: g.op,
          threshold: g.threshold,
          samples: [sample],
          arithmetic: `${formatMetricValue(sample.value, unitOfMetric(g.metric))} ${formatThreshold(g.op, g.threshold, unitOfMetric(g.metric))} for variant ${v.name}`,
          result: 'breached',
        };
    }),
  );
  const tests = [...context.tests];
  s.primaryMetrics.forEach((m, i) => {
    const count = (kind: string, variant: string) => {
      const r = readings.find((x) => x.key === `${kind}/${i}/${variant}`);
      return r && r.sample.kind === 'value' && Number.isFinite(r.sample.value)
        ? Math.round(r.sample.value)
        : null;
    };
    const testDue = readings.some((x) => x.key.startsWith(`total/${i}/`));
    const c = { successes: count('succ', control.name), total: count('total', control.name) };
    const t = { successes: count('succ', treatment.name), total: count('total', treatment.name) };
    let entry: AbTestResult;
    if (!m.successQuery || !m.totalQuery)
      entry = {
        metric: m.name,
        atMs,
        control: null,
        treatment: null,
        result: null,
        note: 'no successQuery/totalQuery in the plan',
      };
    else if (!testDue) return;
    else if (c.successes === null || c.total === null || t.successes === null || t.total === null)
      entry = { metric: m.name, atMs, control: null, treatment: null, result: null, note: 'no data' };
    else if (c.total <= 0 || t.total <= 0 || c.successes > c.total || t.successes > t.total)
      entry = { metric: m.name, atMs, control: null, treatment: null, result: null, note: 'no trials yet' };
    else {
      const cs = { successes: c.successes, total: c.total };
      const ts = { successes: t.successes, total: t.total };
      entry = {
        metric: m.name,
        atMs,
        control: cs,
        treatment: ts,
        result: twoProportionTest(cs, ts, s.confidenceLevel),
      };
    }
    const at = tests.findIndex((x) => x.metric === m.name);
    if (at >= 0) tests[at] = entry;
    else tests.push(entry);
  });
  return { tests, guardBreach, samples: appendSamples(context.samples, samples) };
}

/** deploy when every primary metric recommends it, reject when any does, else continue. */
export function abVerdict(context: AbContext): 'deploy' | 'reject' | 'continue' {
  const goals = new Map(strategyOf(context).primaryMetrics.map((m) => [m.name, m.goal]));
  const recs = context.tests.map((t) => {
    const r = t.result?.recommendation ?? 'continue';
    // A metric to minimise ships on a significant drop, not a rise.
    if (goals.get(t.metric) === 'minimize') return r === 'deploy' ? 'reject' : r === 'reject' ? 'deploy' : r;
    return r;
  });
  if (recs.includes('reject')) return 'reject';
  if (recs.length > 0 && recs.every((r) => r === 'deploy')) return 'deploy';
  return 'continue';
}

function testSentence(context: AbContext): string {
  return context.tests
    .map((t) =>
      t.result
        ? `${t.metric}: control ${t.control?.successes}/${t.control?.total}, treatment ${t.treatment?.successes}/${t.treatment?.total}, lift ${t.result.lift === null ? 'n/a' : `${(t.result.lift * 100).toFixed(1)} %`}, p = ${t.result.pValue.toPrecision(3)}`
        : `${t.metric}: ${t.note ?? 'no result'}`,
    )
    .join('; ');
}

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
  types: { context: {} as AbContext, events: {} as StampedOperatorEvent, input: {} as ReleaseInput },
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
    operatorReject: assign(({ context, event }, params: { kind: 'abort' | 'rollback' }) => ({
      decisions: operatorDecision(
        context,
        event,
        params.kind,
        null,
        `${byOf(event)} stopped the A/B test; everyone goes back to stable${reasonOf(event)}.`,
      ),
    })),
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
    triggers: [],
    firedTrigger: null,
  }),
  initial: 'live',
  states: {
    live: {
      type: 'parallel',
      on: {
        ABORT: { target: '.steps.rejecting', actions: { type: 'operatorReject', params: { kind: 'abort' } } },
        // Rolling back an A/B test is stopping it: everyone goes back to stable.
        ROLLBACK: {
          target: '.steps.rejecting',
          actions: { type: 'operatorReject', params: { kind: 'rollback' } },
        },
        PROMOTE_FULL: {
          target: '.steps.deploying',
          actions: assign(({ context, event }) => ({
            decisions: operatorDecision(
              context,
              event,
              'promote',
              null,
              `${byOf(event)} deployed the treatment to everyone${reasonOf(event)}.`,
            ),
          })),
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
                  actions: assign(({ context, event }) => ({
                    nowMs: event.output.atMs,
                    startedAtMs: context.startedAtMs ?? event.output.atMs,
                  })),
                },
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'starting' as const, 'starting the treatment'),
                  ),
                },
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
                  actions: assign(({ event }) => ({
                    nowMs: event.output.atMs,
                    controlVersion: event.output.result.image
                      ? imageVersion(event.output.result.image)
                      : null,
                  })),
                },
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'starting' as const, 'reading the stable workload'),
                  ),
                },
              },
            },
            // Traffic only to ready pods: the treatment gets the pods its share needs, ready, before the cohort.
            scaling: {
              invoke: {
                src: 'scaleForWeight',
                input: ({ context }) => {
                  const { treatment } = abVariants(context.plan);
                  return {
                    args: [treatment.weight] as [number],
                    why: `give the treatment ${treatment.name} the pods ${treatment.weight} % of the cohort needs`,
                  };
                },
                onDone: [
                  {
                    guard: ({ event }) => event.output.result.replicas <= 0,
                    target: 'routing',
                    actions: assign(({ event }) => ({ nowMs: event.output.atMs })),
                  },
                  {
                    target: 'probe',
                    actions: assign(({ context, event }) => ({
                      nowMs: event.output.atMs,
                      readyNeed: event.output.result.replicas,
                      readyDeadlineMs:
                        context.readyDeadlineMs ??
                        event.output.atMs +
                          durationMs(strategyOf(context).readyTimeout ?? DEFAULT_READY_TIMEOUT),
                    })),
                  },
                ],
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'starting' as const, 'scaling the treatment'),
                  ),
                },
              },
            },
            probe: {
              invoke: {
                src: 'workloadState',
                input: () => ({
                  args: ['canary'] as [WorkloadRole],
                  why: 'wait until the treatment pods are ready',
                }),
                onDone: {
                  target: 'check',
                  actions: assign(({ event }) => ({
                    nowMs: event.output.atMs,
                    readyNow: readyOfCurrentRevision(event.output.result),
                  })),
                },
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'starting' as const, 'reading the treatment pods'),
                  ),
                },
              },
            },
            check: {
              always: [
                {
                  guard: ({ context }) => (context.readyNow ?? 0) >= (context.readyNeed ?? 0),
                  target: 'routing',
                  actions: assign({ readyDeadlineMs: null }),
                },
                {
                  guard: ({ context }) => (context.nowMs ?? 0) >= (context.readyDeadlineMs ?? Infinity),
                  target: 'rejecting',
                  actions: assign(({ context }) => ({
                    decisions: engineDecision(
                      context,
                      'abort',
                      'ready-timeout',
                      `The treatment did not have the ${context.readyNeed} ready pod(s) its ${abVariants(context.plan).treatment.weight} % share needs within the readyTimeout of ${strategyOf(context).readyTimeout ?? DEFAULT_READY_TIMEOUT} (${context.readyNow ?? 0} ready); stopping the A/B test, everyone stays on stable.`,
                    ),
                  })),
                },
                { target: 'sleeping' },
              ],
            },
            sleeping: pollState<AbContext, StampedOperatorEvent>(
              READY_POLL_MS,
              (context) => context.readyDeadlineMs ?? null,
            ),
            routing: {
              invoke: {
                src: 'routeExperiment',
                input: ({ context }) => ({
                  args: [route(context.plan)] as [ExperimentRoute],
                  why: 'route the cohort to the variants by header and weight',
                }),
                onDone: {
                  target: 'running',
                  actions: assign(({ context, event }) => ({
                    nowMs: event.output.atMs,
                    split: event.output.result,
                    // What the router does not do as asked (e.g. stickiness) is told, not silently dropped.
                    decisions: event.output.result.notes?.length
                      ? engineDecision(
                          { ...context, nowMs: event.output.atMs },
                          'continue',
                          'experiment-result',
                          `Routing the A/B test: ${event.output.result.notes.join(' ')}`,
                        )
                      : context.decisions,
                    intended: Object.fromEntries(strategyOf(context).variants.map((v) => [v.name, v.weight])),
                    endAtMs: context.endAtMs ?? event.output.atMs + durationMs(strategyOf(context).duration),
                    nextGuardAtMs: context.nextGuardAtMs ?? event.output.atMs,
                    nextTestAtMs: context.nextTestAtMs ?? event.output.atMs + TEST_INTERVAL_MS,
                  })),
                },
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'routing' as const, 'routing the experiment'),
                  ),
                },
              },
            },
            running: {
              initial: 'waiting',
              states: {
                waiting: {
                  entry: assign(({ context }) => ({
                    waitUntilMs: Math.min(
                      context.nextGuardAtMs ?? Infinity,
                      context.nextTestAtMs ?? Infinity,
                      context.endAtMs ?? Infinity,
                    ),
                  })),
                  invoke: waitInvoke<AbContext, StampedOperatorEvent>((c) => c.waitUntilMs ?? 0, 'reading'),
                },
                reading: {
                  invoke: {
                    src: 'readMetrics',
                    input: ({ context }) => ({ requests: dueAbReads(context, context.nowMs ?? 0) }),
                    onDone: {
                      target: 'evaluate',
                      actions: assign(({ context, event }) => {
                        const now = event.output.atMs;
                        const guardDue = (context.nextGuardAtMs ?? 0) <= (context.nowMs ?? 0);
                        const testDue = (context.nextTestAtMs ?? 0) <= (context.nowMs ?? 0);
                        return {
                          ...applyAbReadings(context, event.output.readings, now),
                          nowMs: now,
                          nextGuardAtMs: guardDue
                            ? (context.nextGuardAtMs ?? now) + GUARDRAIL_INTERVAL_MS
                            : context.nextGuardAtMs,
                          nextTestAtMs: testDue
                            ? (context.nextTestAtMs ?? now) + TEST_INTERVAL_MS
                            : context.nextTestAtMs,
                        };
                      }),
                    },
                  },
                },
                evaluate: {
                  always: [
                    {
                      guard: ({ context }) => context.guardBreach !== null,
                      target: '#abTest.live.steps.rejecting',
                      actions: assign(({ context }) => {
                        const e = context.guardBreach as Evidence;
                        return {
                          decisions: engineDecision(
                            context,
                            'abort',
                            'guardrail',
                            `Guardrail ${e.metric} breached: ${e.arithmetic}; stopping the A/B test.`,
                            [e],
                          ),
                        };
                      }),
                    },
                    {
                      guard: ({ context }) =>
                        (context.nowMs ?? 0) >= (context.endAtMs ?? Infinity) &&
                        abVerdict(context) === 'deploy',
                      target: '#abTest.live.steps.deploying',
                      actions: assign(({ context }) => ({
                        decisions: engineDecision(
                          context,
                          'promote',
                          'experiment-result',
                          `The A/B test favours the treatment: ${testSentence(context)}; deploying it.`,
                        ),
                      })),
                    },
                    {
                      guard: ({ context }) =>
                        (context.nowMs ?? 0) >= (context.endAtMs ?? Infinity) &&
                        abVerdict(context) === 'reject',
                      target: '#abTest.live.steps.rejecting',
                      actions: assign(({ context }) => ({
                        decisions: engineDecision(
                          context,
                          'abort',
                          'experiment-result',
                          `The A/B test rejects the treatment: ${testSentence(context)}.`,
                        ),
                      })),
                    },
                    {
                      guard: ({ context }) => (context.nowMs ?? 0) >= (context.endAtMs ?? Infinity),
                      target: '#abTest.live.steps.undecided',
                    },
                    { target: 'waiting' },
                  ],
                },
              },
            },
            undecided: {
              entry: assign(({ context }) => {
                const summary = `The A/B test is not conclusive after ${strategyOf(context).duration} (${testSentence(context)}); PROMOTE deploys the treatment, ABORT rejects it, RESUME runs it longer.`;
                return {
                  waitUntilMs: null,
                  pause: {
                    cause: 'experiment-result' as const,
                    message: summary,
                    sinceMs: context.nowMs ?? 0,
                  },
                  decisions: engineDecision(context, 'pause', 'experiment-result', summary),
                };
              }),
              on: {
                PROMOTE: {
                  target: 'deploying',
                  actions: assign(({ context, event }) => ({
                    pause: null,
                    decisions: operatorDecision(
                      context,
                      event,
                      'promote',
                      null,
                      `${byOf(event)} deployed the treatment${reasonOf(event)}.`,
                    ),
                  })),
                },
                RESUME: {
                  target: 'running',
                  actions: assign(({ context, event }) => ({
                    pause: null,
                    endAtMs: (context.nowMs ?? 0) + durationMs(strategyOf(context).duration),
                    decisions: operatorDecision(
                      context,
                      event,
                      'continue',
                      null,
                      `${byOf(event)} extended the A/B test by ${strategyOf(context).duration}${reasonOf(event)}.`,
                    ),
                  })),
                },
              },
            },
            deploying: {
              entry: assign({ waitUntilMs: null, pause: null }),
              invoke: {
                src: 'promoteCanary',
                input: ({ context }) => {
                  const image = abVariants(context.plan).treatment.image ?? context.plan.target.image;
                  return { args: [image] as [string], why: `deploy the treatment ${image} to everyone` };
                },
                onDone: {
                  target: '#abTest.completed',
                  actions: assign(({ event }) => ({
                    nowMs: event.output.atMs,
                    finishedAtMs: event.output.atMs,
                    split: event.output.result,
                  })),
                },
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'deploying' as const, 'deploying the treatment'),
                  ),
                },
              },
            },
            rejecting: {
              entry: assign({ waitUntilMs: null, pause: null }),
              invoke: {
                src: 'abortCanary',
                input: () => ({
                  args: [] as [],
                  why: 'send everyone back to stable and scale the treatment down',
                }),
                onDone: {
                  target: '#abTest.rejected',
                  actions: assign(({ event }) => ({
                    nowMs: event.output.atMs,
                    finishedAtMs: event.output.atMs,
                    split: event.output.result,
                  })),
                },
                onError: {
                  target: 'held',
                  actions: assign(({ context, event }) =>
                    stuckWith(context, event.error, 'rejecting' as const, 'stopping the A/B test'),
                  ),
                },
              },
            },
            held: {
              on: {
                RESUME: [
                  { guard: ({ context }) => context.stuckAt === 'starting', target: 'starting' },
                  { guard: ({ context }) => context.stuckAt === 'routing', target: 'routing' },
                  { guard: ({ context }) => context.stuckAt === 'deploying', target: 'deploying' },
                  { target: 'rejecting' },
                ],
              },
              exit: assign({ pause: null, stuckAt: null }),
            },
          },
        },
        guard: triggerWatchRegion<AbContext, StampedOperatorEvent>([
          {
            target: '#abTest.live.steps.rejecting',
            decide: (context, e) => ({
              decisions: engineDecision(
                context,
                'abort',
                'rollback-trigger',
                triggerSummary(e, 'stopping the A/B test'),
                [e],
              ),
            }),
          },
        ]),
      },
    },
    completed: { type: 'final', output: { outcome: 'completed' } },
    rejected: { type: 'final', output: { outcome: 'aborted' } },
  },
});
