import { durationMs } from '../plan/duration.ts';
import { canaryPhaseTemplates } from '../plan/plan.defaults.ts';
import type { AnalysisMetric, ComparisonOp, MetricKind } from '../plan/plan.schema.ts';
import type { ConvertedPlan } from './import-common.ts';
import { arr, foreignDuration, num, obj, str } from './metric-mapping.ts';

const PLACEHOLDER = {
  namespace: 'default',
  name: 'my-service',
  image: 'registry.example.com/my-service:next',
};

/** Runbook metric names and their plan kinds. */
const RUNBOOK_METRICS: Record<string, MetricKind> = {
  error_rate: 'error-rate',
  success_rate: 'success-rate',
  latency_p95: 'latency-p95',
  latency_p99: 'latency-p99',
  saturation: 'saturation',
  pod_crashes: 'pod-restarts',
  pod_restarts: 'pod-restarts',
};

/**
 * Reads a runbook threshold such as `< 1%`, `< 500ms`, `2%`, `1000ms` or `3` into an operator and a
 * number in plan units (percent → ratio, ms stays ms, s → ms). Null when it is not one.
 */
function parseRunbookThreshold(
  text: unknown,
  defaultOp: ComparisonOp,
): { op: ComparisonOp; threshold: number } | null {
  if (typeof text === 'number') return { op: defaultOp, threshold: text };
  if (typeof text !== 'string') return null;
  const m = /^\s*(<=|>=|<|>)?\s*([-+]?\d+(?:\.\d+)?)\s*(%|ms|s)?\s*$/.exec(text);
  if (!m) return null;
  const value = Number(m[2]);
  const threshold = m[3] === '%' ? value / 100 : m[3] === 's' ? value * 1000 : value;
  return {
    op: (m[1] as ComparisonOp | undefined) ?? defaultOp,
    threshold: Number(threshold.toPrecision(12)),
  };
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'phase';

function importCanary(doc: Record<string, unknown>, unsupported: string[]) {
  const phases = arr(doc.phases).map(obj);
  const templates: { name: string; metrics: AnalysisMetric[] }[] = [];
  const steps: Record<string, unknown>[] = [];
  const base = canaryPhaseTemplates()[0]!.metrics[0]!;
  phases.forEach((p, i) => {
    const name = slug(str(p.name) ?? `phase-${i + 1}`);
    const duration = foreignDuration(p.duration);
    const minutes = duration ? Math.max(1, Math.round(durationMs(duration) / 60_000)) : 1;
    if (!duration)
      unsupported.push(
        `canary_rollout.phases[${i}].duration: "${String(p.duration)}" is not a duration; one minute used`,
      );
    const metrics: AnalysisMetric[] = [];
    for (const [key, value] of Object.entries(obj(p.success_criteria))) {
      const kind = RUNBOOK_METRICS[key];
      const c = parseRunbookThreshold(value, '<');
      if (!kind || !c) {
        unsupported.push(
          `canary_rollout.phases[${i}].success_criteria.${key}: "${String(value)}" is not a known metric with a threshold`,
        );
        continue;
      }
      metrics.push({ ...base, name: key.replace(/_/g, '-'), kind, count: minutes, successCondition: c });
    }
    steps.push({ setWeight: num(p.weight) ?? 0 });
    if (metrics.length) {
      templates.push({ name, metrics });
      steps.push({ analysis: { templates: [name] } });
    } else if (duration) steps.push({ pause: { duration } });
  });
  const rollback = obj(doc.automated_rollback);
  if (rollback.enabled === false)
    unsupported.push(
      'canary_rollout.automated_rollback.enabled: false — the triggers are imported anyway; remove them from the plan to disable them',
    );
  const triggers = arr(rollback.triggers).flatMap((raw, i) => {
    const t = obj(raw);
    const kind = RUNBOOK_METRICS[str(t.metric) ?? ''];
    const c = parseRunbookThreshold(t.threshold, kind === 'pod-restarts' ? '>=' : '>');
    const duration = foreignDuration(t.duration);
    if (!kind || !c || !duration) {
      unsupported.push(
        `canary_rollout.automated_rollback.triggers[${i}]: metric "${String(t.metric)}" with threshold "${String(t.threshold)}" is not understood`,
      );
      return [];
    }
    return [{ metric: kind, op: c.op, threshold: c.threshold, for: duration }];
  });
  return { strategy: { kind: 'canary', steps }, templates, triggers };
}

function importAb(doc: Record<string, unknown>, unsupported: string[]) {
  const variants = arr(doc.variants).map(obj);
  const segments = [...new Set(variants.flatMap((v) => arr(obj(v.targeting).user_segments).map(String)))];
  const regions = [...new Set(variants.flatMap((v) => arr(obj(v.targeting).regions).map(String)))];
  if (regions.length)
    unsupported.push(
      `ab_testing.variants[].targeting.regions: ${regions.join(', ')} — region targeting is not routed by the plan`,
    );
  const metrics = obj(doc.metrics);
  const primary = arr(metrics.primary).map(obj);
  const guardrails: Record<string, unknown>[] = [];
  arr(metrics.secondary)
    .map(obj)
    .forEach((m, i) => {
      const kind = RUNBOOK_METRICS[str(m.name) ?? ''];
      if (num(m.guardrail) !== undefined && kind)
        guardrails.push({
          metric: kind,
          op: str(m.goal) === 'maximize' ? '<' : '>',
          threshold: m.guardrail,
          severity: 'fail',
        });
      else
        unsupported.push(
          `ab_testing.metrics.secondary[${i}] (${String(m.name)}): only guardrails on known metrics are checked; not imported`,
        );
    });
  const defaultVariant = str(variants[0]?.name) ?? 'control';
  const cohort = segments.length
    ? { header: 'x-user-segment', regex: segments.join('|') }
    : (unsupported.push(
        'ab_testing: no user segments; every request with an x-user-segment header joins the test',
      ),
      { header: 'x-user-segment', regex: '.+' });
  return {
    strategy: {
      kind: 'ab-test',
      variants: variants.map((v) => ({
        name: str(v.name) ?? '',
        version: str(v.version) ?? '',
        weight: num(v.traffic_percentage) ?? 0,
      })),
      cohort,
      defaultVariant,
      primaryMetrics: primary.map((m) => ({
        name: str(m.name) ?? '',
        goal: str(m.goal) ?? 'maximize',
        minEffect: Math.abs(num(m.threshold) ?? 0.05),
      })),
      guardrails,
      ...(foreignDuration(doc.duration) ? { duration: foreignDuration(doc.duration) } : {}),
      ...(num(doc.confidence_level) !== undefined ? { confidenceLevel: doc.confidence_level } : {}),
    },
  };
}

/**
 * Reads the runbook's `canary_rollout` (phases with success criteria, automated rollback triggers) or
 * `ab_testing` (variants, metrics, duration, confidence) YAML into plan input. The runbook names no
 * workload, so the target is a placeholder listed in `unsupported` unless `target` is given.
 */
export function runbookToPlan(
  doc: unknown,
  target?: { namespace: string; name: string; image: string },
): ConvertedPlan {
  const root = obj(doc);
  const unsupported: string[] = [];
  if (!target)
    unsupported.push(
      'target: the runbook YAML names no workload; fill in target.namespace, target.name and target.image',
    );
  const t = target ?? PLACEHOLDER;
  const router = { kind: 'istio', virtualService: t.name, destinationRule: t.name };
  if (root.canary_rollout !== undefined) {
    const c = importCanary(obj(root.canary_rollout), unsupported);
    return {
      plan: {
        name: `${t.name}-canary`,
        target: { ...t },
        router,
        strategy: c.strategy,
        analysis: { templates: c.templates },
        rollbackTriggers: c.triggers,
      },
      unsupported,
    };
  }
  if (root.ab_testing !== undefined) {
    const ab = importAb(obj(root.ab_testing), unsupported);
    return {
      plan: { name: `${t.name}-ab-test`, target: { ...t }, router, strategy: ab.strategy },
      unsupported,
    };
  }
  return { errors: ['no canary_rollout or ab_testing section found'] };
}
