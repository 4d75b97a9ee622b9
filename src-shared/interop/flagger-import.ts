import { durationMs, formatDuration } from '../plan/duration.ts';
import type { AnalysisMetric } from '../plan/plan.schema.ts';
import { ANNOTATION } from './argo.ts';
import { annotatedPlan, findResource, type ConvertedPlan } from './import-common.ts';
import { FLAGGER_TEMPLATE, rangeCondition, VARS } from './flagger.ts';
import { arr, foreignDuration, num, obj, recogniseQuery, str } from './metric-mapping.ts';

/**
 * Reads a Flagger `Canary` and its `MetricTemplate`s into plan input (not yet validated: pass it to
 * `parsePlan`). Weights become setWeight + pause(interval) steps with the metrics as a background
 * template (threshold − 1 = failureLimit); `iterations` without `match` becomes blue-green, with `match` an A/B test.
 */
export function flaggerToPlan(docs: readonly unknown[]): ConvertedPlan {
  const canary = findResource(docs, 'Canary');
  if (!canary) return { errors: ['no Flagger Canary found (kind: Canary)'] };
  const unsupported: string[] = [];
  const { meta, ann, spec } = canary;
  const a = obj(spec.analysis);
  const name = str(obj(spec.targetRef).name) ?? str(meta.name) ?? '';
  const namespace = str(meta.namespace) ?? 'default';
  if (!str(meta.namespace)) unsupported.push('metadata.namespace: missing; the plan uses "default"');
  const image = str(ann[ANNOTATION.image]);
  const target: Record<string, unknown> = { namespace, kind: 'Deployment', name, image: image ?? '' };
  if (str(ann[ANNOTATION.container])) target.container = ann[ANNOTATION.container];
  if (str(ann[ANNOTATION.context])) target.context = ann[ANNOTATION.context];

  const interval = foreignDuration(a.interval) ?? '1m';
  const threshold = num(a.threshold) ?? 1;
  const metricTemplates = new Map(
    docs
      .map(obj)
      .filter((d) => d.kind === 'MetricTemplate')
      .map((d) => [str(obj(d.metadata).name) ?? '', d] as const),
  );
  const metrics: AnalysisMetric[] = [];
  arr(a.metrics).forEach((raw, i) => {
    const m = obj(raw);
    const mName = str(m.name) ?? `metric-${i}`;
    const window = foreignDuration(m.interval) ?? interval;
    const range = rangeCondition(obj(m.thresholdRange));
    if (!range) {
      unsupported.push(`analysis.metrics[${i}] (${mName}): no thresholdRange; skipped`);
      return;
    }
    let kind: AnalysisMetric['kind'];
    let query: string | undefined;
    let condition = range;
    if (mName === 'request-success-rate' && m.templateRef === undefined) {
      kind = 'success-rate';
      condition = { ...range, threshold: range.threshold / 100 };
    } else if (mName === 'request-duration' && m.templateRef === undefined) {
      kind = 'latency-p99';
    } else {
      const ref = str(obj(m.templateRef).name) ?? '';
      const tpl = metricTemplates.get(ref);
      const q = str(obj(tpl?.spec).query);
      if (!q) {
        unsupported.push(
          `analysis.metrics[${i}] (${mName}): MetricTemplate "${ref}" is not in the file or has no query; skipped`,
        );
        return;
      }
      const recognised = recogniseQuery(q.split('{{ interval }}').join(window), VARS.job, VARS.namespace);
      kind = recognised.kind;
      query = recognised.query;
    }
    metrics.push({
      name: mName,
      kind,
      ...(query ? { query } : {}),
      interval,
      count: 1,
      successCondition: condition,
      failureLimit: threshold - 1,
      inconclusiveLimit: 0,
      consecutive: false,
      window,
    });
  });
  if (arr(a.webhooks).length)
    unsupported.push('analysis.webhooks: Flagger webhooks (load tests, gates) are not imported');

  const provider = str(spec.provider) ?? 'kubernetes';
  let router: Record<string, unknown>;
  if (provider === 'istio') router = { kind: 'istio', virtualService: name, destinationRule: name };
  else if (provider.startsWith('gatewayapi'))
    router = {
      kind: 'gateway-api',
      httpRoute: name,
      backendRefs: { stable: `${name}-primary`, canary: `${name}-canary` },
    };
  else {
    if (provider !== 'kubernetes')
      unsupported.push(`spec.provider: ${provider} is not supported; the plan uses a Service selector`);
    router = { kind: 'service-selector', service: name };
  }

  const stepWeights =
    arr(a.stepWeights).length > 0
      ? arr(a.stepWeights).map((w) => num(w) ?? 0)
      : num(a.stepWeight) !== undefined
        ? Array.from(
            { length: Math.floor((num(a.maxWeight) ?? 50) / num(a.stepWeight)!) },
            (_, k) => (k + 1) * num(a.stepWeight)!,
          )
        : [];
  const iterations = num(a.iterations);
  const match = obj(arr(a.match)[0]);
  const templates: { name: string; metrics: AnalysisMetric[] }[] = [];
  let strategy: Record<string, unknown>;
  const asChecks = () =>
    metrics.map((m) => ({
      metric: m.kind,
      ...(m.query ? { query: m.query } : {}),
      op: m.successCondition.op === '<=' ? '>' : '<',
      threshold: m.successCondition.threshold,
      severity: 'fail',
    }));
  if (stepWeights.length > 0) {
    const steps = stepWeights.flatMap((w) => [{ setWeight: w }, { pause: { duration: interval } }]);
    strategy = { kind: 'canary', steps };
    if (router.kind === 'service-selector') {
      unsupported.push(`spec.provider: ${provider} cannot shift weights; the plan uses replica-ratio`);
      router = { kind: 'replica-ratio' };
    }
    if (metrics.length) {
      templates.push({
        name: FLAGGER_TEMPLATE,
        metrics: metrics.map((m) => ({ ...m, count: stepWeights.length })),
      });
      strategy.background = { templates: [FLAGGER_TEMPLATE], startingStep: 0 };
    }
  } else if (iterations !== undefined && match.headers !== undefined) {
    const [header, rule] = Object.entries(obj(match.headers))[0] ?? ['x-canary', {}];
    const ruleObj = obj(rule);
    unsupported.push('strategy: Flagger names no primary metric; conversion_rate (+5 %) assumed, adjust it');
    strategy = {
      kind: 'ab-test',
      variants: [
        { name: 'control', version: 'primary', weight: 0 },
        { name: 'treatment', version: 'canary', weight: 100, image: image ?? '' },
      ],
      cohort: {
        header,
        ...(str(ruleObj.exact) !== undefined
          ? { exact: ruleObj.exact }
          : { regex: str(ruleObj.regex) ?? str(ruleObj.prefix) ?? '.*' }),
      },
      defaultVariant: 'control',
      primaryMetrics: [{ name: 'conversion_rate', goal: 'maximize', minEffect: 0.05 }],
      guardrails: asChecks(),
      duration: formatDuration(durationMs(interval) * iterations),
    };
    if (provider === 'kubernetes') router = { kind: 'istio', virtualService: name, destinationRule: name };
  } else {
    strategy = {
      kind: 'blue-green',
      validation: {
        duration: formatDuration(durationMs(interval) * (iterations ?? 1)),
        interval,
        window: metrics[0]?.window ?? '5m',
        checks: asChecks(),
        maxConsecutiveFailures: threshold - 1,
      },
    };
  }
  const plan = annotatedPlan(ann, name, { target, router, strategy, analysis: { templates } });
  return { plan, unsupported: [...new Set(unsupported)] };
}
