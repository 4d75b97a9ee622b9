/**
 * What the A/B test reads and decides, apart from its chart: the variants, the reads due, the guardrail
 * samples, the z-tests and the verdict.
 */
import { formatMetricValue, formatThreshold, unitOfMetric } from '../../../src-shared/format/number.ts';
import type { AbTestStrategy, AbVariant, ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import { escapeLabelValue } from '../../../src-shared/plan/promql.ts';
import type { Evidence, SampleRecord } from '../../../src-shared/release/release.schema.ts';
import { twoProportionTest, type TwoProportionResult } from '../../../src-shared/stats/proportions.ts';
import type { ExperimentRoute } from '../../ports/release.port.ts';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import type { TrafficSplit } from '../../ports/release.port.ts';
import type { TriggerWatchContext } from './analysis-run.ts';
import { abWords } from './decision-words.ts';
import type { ReadyWaitContext } from './ready-wait.ts';
import {
  appendSamples,
  engineDecision,
  queryParams,
  sampleOf,
  type MetricReading,
  type MetricRequest,
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
export interface AbContext extends TriggerWatchContext, ReadyWaitContext {
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
  /**
   * What the router said when it routed the test (stickiness, what it cannot enforce); absent until it routed
   * (and in tests started before it was kept).
   */
  routingNotes?: string[];
}

/** The version label value a variant's metrics are read with. */
function metricsVersion(context: AbContext, variant: AbVariant): string {
  const { control } = abVariants(context.plan);
  return variant === control && !variant.image && context.controlVersion
    ? context.controlVersion
    : variant.version;
}

export const strategyOf = (c: { plan: ReleasePlan }) => c.plan.strategy as AbTestStrategy;

/** The control (default) variant and the treatment (the first other variant). */
export function abVariants(plan: ReleasePlan) {
  const s = strategyOf({ plan });
  const control = s.variants.find((v) => v.name === s.defaultVariant) ?? s.variants[0];
  const treatment = s.variants.find((v) => v !== control) ?? s.variants[1];
  if (!control || !treatment) throw new RangeError('an A/B test needs two variants');
  return { control, treatment };
}

export function route(plan: ReleasePlan): ExperimentRoute {
  const s = strategyOf({ plan });
  return {
    variants: s.variants.map((v) => ({ name: v.name, version: v.version, weight: v.weight })),
    cohort: s.cohort,
    pins: s.pins,
    defaultVariant: s.defaultVariant,
    ...(s.stickyHeader ? { stickyHeader: s.stickyHeader } : {}),
  };
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

export function testSentence(context: AbContext): string {
  return context.tests
    .map((t) =>
      t.result
        ? `${t.metric}: control ${t.control?.successes}/${t.control?.total}, treatment ${t.treatment?.successes}/${t.treatment?.total}, lift ${t.result.lift === null ? 'n/a' : `${(t.result.lift * 100).toFixed(1)} %`}, p = ${t.result.pValue.toPrecision(3)}`
        : `${t.metric}: ${t.note ?? 'no result'}`,
    )
    .join('; ');
}

/** The context change once the cohort is routed: the router's notes told, and the test's schedule set. */
export function afterRouting(context: AbContext, atMs: number, split: TrafficSplit): Partial<AbContext> {
  return {
    nowMs: atMs,
    split,
    routingNotes: split.notes ?? [],
    // What the router does not do as asked (e.g. stickiness) is told, not silently dropped.
    decisions: split.notes?.length
      ? engineDecision(
          { ...context, nowMs: atMs },
          'continue',
          'experiment-result',
          abWords.routingNotes(split.notes),
        )
      : context.decisions,
    intended: Object.fromEntries(strategyOf(context).variants.map((v) => [v.name, v.weight])),
    endAtMs: context.endAtMs ?? atMs + durationMs(strategyOf(context).duration),
    nextGuardAtMs: context.nextGuardAtMs ?? atMs,
    nextTestAtMs: context.nextTestAtMs ?? atMs + TEST_INTERVAL_MS,
  };
}

/** When the test next reads: the next guardrail read, the next z-test or its end, whichever comes first. */
export function nextReadAt(context: AbContext): number {
  return Math.min(
    context.nextGuardAtMs ?? Infinity,
    context.nextTestAtMs ?? Infinity,
    context.endAtMs ?? Infinity,
  );
}

/** The context change after a read at `atMs`: samples and tests applied, the reads that were due rescheduled. */
export function afterReading(
  context: AbContext,
  atMs: number,
  readings: readonly MetricReading[],
): Partial<AbContext> {
  const guardDue = (context.nextGuardAtMs ?? 0) <= (context.nowMs ?? 0);
  const testDue = (context.nextTestAtMs ?? 0) <= (context.nowMs ?? 0);
  return {
    ...applyAbReadings(context, readings, atMs),
    nowMs: atMs,
    nextGuardAtMs: guardDue ? (context.nextGuardAtMs ?? atMs) + GUARDRAIL_INTERVAL_MS : context.nextGuardAtMs,
    nextTestAtMs: testDue ? (context.nextTestAtMs ?? atMs) + TEST_INTERVAL_MS : context.nextTestAtMs,
  };
}
