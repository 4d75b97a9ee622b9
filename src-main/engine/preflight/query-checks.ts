import { durationMs } from '../../../src-shared/plan/duration.ts';
import { formatDuration } from '../../../src-shared/format/duration.ts';
import { formatMetricValue, formatThreshold, unitOfMetric } from '../../../src-shared/format/number.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { MetricQueryParams, MetricQuerySource } from '../../../src-shared/plan/promql.ts';
import type {
  PlanStepRef,
  PreflightFinding,
  PreflightPass,
} from '../../../src-shared/preflight/preflight.schema.ts';
import { validatePromql } from '../../../src-shared/plan/promql-syntax.ts';
import type { MetricsPort } from '../../ports/metrics.port.ts';
import type { AnalysisSource } from '../../ports/release.port.ts';
import { stepRef } from './plan-steps.ts';
import { flagStepLabel } from '../../../src-shared/plan/flag-rollout.schema.ts';

/** One metric the plan will read, and where. */
interface PlannedMetric {
  id: string;
  label: string;
  source: MetricQuerySource;
  /** Measurements the plan takes, and the time between them (ms). */
  count: number;
  intervalMs: number;
  steps: PlanStepRef[];
}

/** What the query checks read: the plan, where its analyses run, and a Prometheus when there is one. */
interface QueryCheckDeps {
  plan: ReleasePlan;
  analysis: AnalysisSource;
  metrics?: MetricsPort;
  now?: () => number;
  signal?: AbortSignal;
}

export async function checkQueries(
  deps: QueryCheckDeps,
  findings: PreflightFinding[],
  passed: PreflightPass[],
): Promise<void> {
  const { plan } = deps;
  const params: MetricQueryParams = {
    job: plan.target.job ?? plan.target.name,
    namespace: plan.target.namespace,
  };
  for (const m of plannedMetrics(plan)) {
    if (m.source.kind === 'custom' && m.source.query) {
      const v = (deps.metrics?.validateQuery ?? validatePromql)(m.source.query);
      if (!v.ok) {
        findings.push({
          id: `query:${m.id}`,
          check: 'query',
          severity: 'blocker',
          title: `The query of ${m.label} is not valid PromQL`,
          explanation: `${v.message} Fix the query before the release starts.`,
          steps: m.steps,
          query: m.source.query,
        });
        continue;
      }
    }
    const { query, sample } = await deps.analysis.read(m.source, params, deps.signal);
    if (sample.kind === 'value') {
      passed.push({
        id: `query:${m.id}`,
        check: 'query',
        title: `${m.label} returned ${formatMetricValue(sample.value, unitOfMetric(m.source.kind))}`,
      });
      if (deps.metrics && m.count > 1)
        await checkHistory(deps.metrics, m, query, findings, deps.now ?? Date.now, deps.signal);
      continue;
    }
    const why =
      sample.kind === 'error'
        ? `The backend rejected the query: ${sample.message}`
        : sample.reason === 'noData'
          ? `It returned no data now (${sample.message}). A missing label, a wrong job name or a service with no traffic would make every measurement inconclusive, so the release would pause instead of deciding.`
          : sample.reason === 'nan'
            ? `It returned NaN (${sample.message}), usually a division by zero when there is no traffic; no measurement could pass.`
            : `It could not be read: ${sample.message}`;
    findings.push({
      id: `query:${m.id}`,
      check: 'query',
      severity: 'blocker',
      title: `${m.label} gives no usable number`,
      explanation: why,
      steps: m.steps,
      query,
    });
  }
}

async function checkHistory(
  metrics: MetricsPort,
  m: PlannedMetric,
  query: string,
  findings: PreflightFinding[],
  now: () => number,
  signal?: AbortSignal,
): Promise<void> {
  const end = now();
  const start = end - (m.count - 1) * m.intervalMs;
  const range = await metrics.range(query, start, end, Math.max(1, m.intervalMs / 1000), signal);
  const points = range.kind === 'series' ? range.points.length : 0;
  if (points >= m.count) return;
  findings.push({
    id: `query-history:${m.id}`,
    check: 'query',
    severity: 'warning',
    title: `${m.label} has ${points} of the ${m.count} data points the plan needs`,
    explanation: `Over the last ${formatDuration((m.count - 1) * m.intervalMs)} the query gave ${points} points at the plan's interval of ${formatDuration(m.intervalMs)}, but the plan takes ${m.count} measurements. Gaps will be counted as inconclusive; check the scrape interval and the rate window.`,
    steps: m.steps,
    query,
  });
}

/** Every metric the plan will read: analysis templates used by steps, rollback triggers, validation checks. */
function plannedMetrics(plan: ReleasePlan): PlannedMetric[] {
  const out: PlannedMetric[] = [];
  const s = plan.strategy;
  const templateSteps = new Map<string, PlanStepRef[]>();
  const addUse = (template: string, ref: PlanStepRef) =>
    templateSteps.set(template, [...(templateSteps.get(template) ?? []), ref]);
  if (s.kind === 'canary') {
    s.steps.forEach((step, i) => {
      if ('analysis' in step) for (const t of step.analysis.templates) addUse(t, stepRef(plan, i));
    });
    for (const t of s.background?.templates ?? []) addUse(t, { index: null, label: 'background analysis' });
  }
  if (s.kind === 'flag-rollout')
    s.steps.forEach((step, i) => {
      if ('analysis' in step) for (const t of step.analysis.templates) addUse(t, stepRef(plan, i));
    });
  // Flag with deploy: the ramp's analyses after the deploy's.
  plan.flagRamp?.steps.forEach((step, i) => {
    if ('analysis' in step)
      for (const t of step.analysis.templates)
        addUse(t, { index: null, label: `flag ramp step ${i + 1}: ${flagStepLabel(step)}` });
  });
  for (const t of plan.analysis.templates) {
    const steps = templateSteps.get(t.name);
    if (!steps) continue;
    for (const m of t.metrics)
      out.push({
        id: `${t.name}/${m.name}`,
        label: `${m.name} of ${t.name}`,
        source: { kind: m.kind, ...(m.query ? { query: m.query } : {}), window: m.window },
        count: m.count,
        intervalMs: durationMs(m.interval),
        steps,
      });
  }
  plan.rollbackTriggers.forEach((t, i) =>
    out.push({
      id: `trigger-${i}/${t.metric}`,
      label: `rollback trigger ${t.metric} ${formatThreshold(t.op, t.threshold, unitOfMetric(t.metric))}`,
      source: { kind: t.metric, ...(t.query ? { query: t.query } : {}) },
      count: 1,
      intervalMs: 0,
      steps: [{ index: null, label: `rollback trigger ${t.metric} (whole release)` }],
    }),
  );
  if (s.kind === 'blue-green' || s.kind === 'rolling') {
    const v = s.validation;
    const label = s.kind === 'blue-green' ? 'validation after the switch' : 'validation after the rollout';
    v.checks.forEach((c, i) =>
      out.push({
        id: `validation-${i}/${c.metric}`,
        label: `${label}: ${c.metric}`,
        source: { kind: c.metric, ...(c.query ? { query: c.query } : {}), window: v.window },
        count: Math.max(1, Math.floor(durationMs(v.duration) / Math.max(1, durationMs(v.interval)))),
        intervalMs: durationMs(v.interval),
        steps: [{ index: null, label }],
      }),
    );
  }
  return out;
}
