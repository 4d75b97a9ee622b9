import { durationMs } from '../plan/duration.ts';
import { formatPlanDuration } from '../format/duration.ts';
import { formatThreshold, unitOfMetric } from '../format/number.ts';
import type { AnalysisMetric, Condition, ReleasePlan } from '../plan/plan.schema.ts';
import { ANNOTATION, planAnnotations } from './argo.ts';
import { foreignQuery, num } from './metric-mapping.ts';

const FLAGGER_API = 'flagger.app/v1beta1';
const PROMETHEUS_URL = 'http://prometheus.monitoring:9090';
/** Name of the plan template that holds a Flagger Canary's metrics. */
export const FLAGGER_TEMPLATE = 'flagger-analysis';
/** The Flagger template variables the exported queries use for the job and namespace. */
export const VARS = { job: '{{ target }}', namespace: '{{ namespace }}' };

type Doc = Record<string, unknown>;

function thresholdRange(c: Condition, unsupported: string[], where: string): Doc {
  if (c.op === '<' || c.op === '>')
    unsupported.push(
      `${where}: Flagger thresholds are inclusive; "${c.op} ${c.threshold}" exported as "${c.op}= ${c.threshold}"`,
    );
  return c.op === '<' || c.op === '<=' ? { max: c.threshold } : { min: c.threshold };
}

export function rangeCondition(range: Doc): Condition | null {
  const max = num(range.max);
  const min = num(range.min);
  if (max !== undefined) return { op: '<=', threshold: max };
  if (min !== undefined) return { op: '>=', threshold: min };
  return null;
}

function metricQuery(
  m: { kind: AnalysisMetric['kind']; query?: string; window: string },
  unsupported: string[],
  where: string,
): string {
  // Flagger substitutes {{ interval }} with the metric's interval, which plays the role of the plan's window.
  return foreignQuery(m, VARS, unsupported, where).split(`[${m.window}]`).join('[{{ interval }}]');
}

/**
 * Converts a plan into a Flagger `Canary` and its `MetricTemplate`s. Canary weights become `stepWeights`,
 * the metrics of every referenced template become `analysis.metrics`, blue-green becomes `iterations`,
 * an A/B test becomes header `match` + `iterations`. Everything Flagger cannot express is named in `unsupported`.
 */
export function planToFlagger(plan: ReleasePlan): { documents: Doc[]; unsupported: string[] } {
  const unsupported: string[] = [];
  const t = plan.target;
  const s = plan.strategy;
  const r = plan.router;
  const annotations = planAnnotations(plan, false);
  unsupported.push(
    `target.image: Flagger starts when the Deployment's pod template changes; set ${t.image} on Deployment ${t.name} (kept in annotation ${ANNOTATION.image})`,
  );
  if (t.kind === 'Rollout') unsupported.push('target.kind: Flagger drives Deployments, not Argo Rollouts');
  if (t.job && t.job !== t.name)
    unsupported.push(`target.job: Flagger templates select job="{{ target }}" (${t.name}), not ${t.job}`);
  unsupported.push(
    'version label: Flagger templates have no variable for the new version; the queries select job and namespace only',
  );
  if (plan.rollbackTriggers.length)
    unsupported.push(
      `rollbackTriggers: Flagger has no separate rollback triggers, and its metrics are checked once per analysis interval and roll back only after \`threshold\` failed checks in total, so ${plan.rollbackTriggers
        .map(
          (tr) =>
            `"${tr.metric} ${formatThreshold(tr.op, tr.threshold, unitOfMetric(tr.metric))} held for ${formatPlanDuration(tr.for)}"`,
        )
        .join(', ')} cannot be expressed; not exported`,
    );
  if (plan.onFailure === 'pause')
    unsupported.push('onFailure: pause — Flagger always rolls back when the threshold is reached');
  if (plan.migration)
    unsupported.push(
      'migration: expand/contract gates have no Flagger equivalent (use pre-rollout and post-rollout webhooks)',
    );

  const provider = r.kind === 'istio' ? 'istio' : r.kind === 'gateway-api' ? 'gatewayapi:v1' : 'kubernetes';
  if (r.kind === 'istio' && r.virtualService !== t.name)
    unsupported.push(
      `router.virtualService: Flagger generates its own VirtualService named ${t.name}; ${r.virtualService} is not used`,
    );
  if (r.kind === 'gateway-api')
    unsupported.push(
      `router.httpRoute: Flagger generates its own HTTPRoute; give spec.service.gatewayRefs for ${r.httpRoute}'s gateway`,
    );
  if (r.kind === 'replica-ratio')
    unsupported.push(
      'router: replica-ratio has no Flagger equivalent; exported with the kubernetes provider (blue-green style)',
    );

  const metricsByName = new Map<string, AnalysisMetric>();
  const collect = (names: readonly string[]) => {
    for (const n of names) {
      for (const m of plan.analysis.templates.find((x) => x.name === n)?.metrics ?? []) {
        const seen = metricsByName.get(m.name);
        if (!seen) metricsByName.set(m.name, m);
        else if (
          seen.successCondition.op !== m.successCondition.op ||
          seen.successCondition.threshold !== m.successCondition.threshold
        )
          unsupported.push(
            `analysis: metric "${m.name}" has different thresholds per template; Flagger applies one (${seen.successCondition.op} ${seen.successCondition.threshold}) at every step`,
          );
      }
    }
  };

  const analysis: Doc = {};
  let interval = '1m';
  if (s.kind === 'canary') {
    const weights = s.steps.flatMap((st) => ('setWeight' in st && st.setWeight < 100 ? [st.setWeight] : []));
    const pauses = s.steps.flatMap((st) => ('pause' in st ? [st.pause.duration] : []));
    if (pauses.some((p) => p === undefined))
      unsupported.push(
        'strategy.steps: a pause until promoted has no Flagger step; use a confirm-promotion webhook',
      );
    const inline = s.steps.flatMap((st) => ('analysis' in st ? st.analysis.templates : []));
    if (inline.length)
      unsupported.push(
        'strategy.steps: Flagger checks the same metrics at every step; per-step analysis templates were merged',
      );
    collect(inline);
    collect(s.background?.templates ?? []);
    const timed = [...new Set(pauses.filter((p): p is string => p !== undefined))];
    interval = timed.length === 1 ? timed[0]! : ([...metricsByName.values()][0]?.interval ?? '1m');
    if (timed.length > 1 || (timed.length === 1 && pauses.length !== weights.length))
      unsupported.push(
        `strategy.steps: Flagger advances one step per interval (${interval}); other pause durations are not expressed`,
      );
    analysis.stepWeights = weights;
  } else if (s.kind === 'flag-rollout') {
    unsupported.push(
      `strategy: flag-rollout raises flag "${s.flag}"; Flagger shifts traffic instead (exported with the same percentages)`,
    );
    collect(s.steps.flatMap((st) => ('analysis' in st ? st.analysis.templates : [])));
    const timed = s.steps.flatMap((st) => ('pause' in st && st.pause.duration ? [st.pause.duration] : []));
    interval = timed[0] ?? '10m';
    analysis.stepWeights = s.steps.flatMap((st) =>
      'setPercentage' in st && st.setPercentage < 100 ? [st.setPercentage] : [],
    );
  } else if (s.kind === 'blue-green') {
    unsupported.push('strategy.warmup and strategy.smoke: use Flagger pre-rollout webhooks');
    interval = s.validation.interval;
    analysis.iterations = Math.max(
      1,
      Math.round(durationMs(s.validation.duration) / durationMs(s.validation.interval)),
    );
  } else if (s.kind === 'ab-test') {
    interval = '1h';
    analysis.iterations = Math.max(1, Math.round(durationMs(s.duration) / durationMs(interval)));
    const c = s.cohort;
    analysis.match = [
      { headers: { [c.header]: c.exact !== undefined ? { exact: c.exact } : { regex: c.regex } } },
    ];
    unsupported.push(
      'strategy: Flagger A/B sends the whole matching cohort to the new version; variant weights, pins, primary metrics and confidence level are not expressed',
    );
  } else {
    unsupported.push('strategy: a rolling update has no Flagger equivalent; exported as a single 100 % step');
    analysis.stepWeights = [];
    interval = s.validation.interval;
  }

  const metrics: Doc[] = [];
  const templates: Doc[] = [];
  let failureLimit = 0;
  const addMetric = (
    name: string,
    source: { kind: AnalysisMetric['kind']; query?: string; window: string },
    c: Condition,
    where: string,
  ) => {
    const templateName = `${t.name}-${name}`;
    templates.push({
      apiVersion: FLAGGER_API,
      kind: 'MetricTemplate',
      metadata: { name: templateName, namespace: t.namespace },
      spec: {
        provider: { type: 'prometheus', address: PROMETHEUS_URL },
        query: metricQuery(source, unsupported, `${where}.query`),
      },
    });
    metrics.push({
      name,
      templateRef: { name: templateName, namespace: t.namespace },
      thresholdRange: thresholdRange(c, unsupported, where),
      interval: source.window,
    });
  };
  for (const m of metricsByName.values()) {
    if (m.consecutive)
      unsupported.push(
        `metric ${m.name}: Flagger counts total failed checks; consecutive counting is not expressed`,
      );
    if (m.inconclusiveLimit > 0)
      unsupported.push(
        `metric ${m.name}: Flagger counts a check without data as failed; inconclusiveLimit ${m.inconclusiveLimit} is not expressed`,
      );
    failureLimit = Math.max(failureLimit, m.failureLimit);
    addMetric(m.name, m, m.successCondition, `metric ${m.name}`);
  }
  const checks =
    s.kind === 'blue-green' || s.kind === 'rolling'
      ? s.validation.checks
      : s.kind === 'ab-test'
        ? s.guardrails
        : [];
  checks.forEach((c, i) => {
    if (c.severity === 'warn') {
      unsupported.push(`check ${i} (${c.metric}): Flagger has no warning-only checks`);
      return;
    }
    const negated: Condition = {
      op: c.op === '>' ? '<=' : c.op === '>=' ? '<' : c.op === '<' ? '>=' : '>',
      threshold: c.threshold,
    };
    addMetric(
      `check-${i}-${c.metric}`,
      {
        kind: c.metric,
        ...(c.query ? { query: c.query } : {}),
        window:
          s.kind === 'ab-test'
            ? '5m'
            : s.kind === 'blue-green' || s.kind === 'rolling'
              ? s.validation.window
              : '5m',
      },
      negated,
      `check ${i}`,
    );
  });
  if (s.kind === 'blue-green' || s.kind === 'rolling')
    failureLimit = Math.max(failureLimit, s.validation.maxConsecutiveFailures);

  const canary: Doc = {
    apiVersion: FLAGGER_API,
    kind: 'Canary',
    metadata: { name: t.name, namespace: t.namespace, annotations },
    spec: {
      provider,
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: t.name },
      progressDeadlineSeconds: s.kind === 'rolling' ? s.progressDeadlineSeconds : 600,
      service: { port: 8080 },
      analysis: { interval, threshold: failureLimit + 1, ...analysis, metrics },
    },
  };
  unsupported.push('spec.service.port: the plan names no port; 8080 (the runbook http port) assumed');
  return { documents: [canary, ...templates], unsupported: [...new Set(unsupported)] };
}
