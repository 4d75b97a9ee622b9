import { durationMs, formatDuration } from '../plan/duration.ts';
import { firesOnOneRead, triggerIntervalMs, triggerWindow } from '../plan/trigger-reads.ts';
import type {
  AnalysisMetric,
  ComparisonOp,
  ReleasePlan,
  RollbackTrigger,
  ValidationCheck,
} from '../plan/plan.schema.ts';
import { argoCondition, foreignQuery, negateOp } from './metric-mapping.ts';

/** Annotations that carry plan fields Argo has no place for, so a plan survives a round trip. */
export const ANNOTATION = {
  plan: 'switchyard.dev/plan',
  description: 'switchyard.dev/description',
  image: 'switchyard.dev/image',
  container: 'switchyard.dev/container',
  context: 'switchyard.dev/context',
  targetKind: 'switchyard.dev/target-kind',
} as const;

/** The annotations that keep plan fields the foreign format has no place for. */
export function planAnnotations(plan: ReleasePlan, withKind: boolean): Record<string, string> {
  const t = plan.target;
  const annotations: Record<string, string> = { [ANNOTATION.plan]: plan.name, [ANNOTATION.image]: t.image };
  if (withKind) annotations[ANNOTATION.targetKind] = t.kind;
  if (plan.description) annotations[ANNOTATION.description] = plan.description;
  if (t.container) annotations[ANNOTATION.container] = t.container;
  if (t.context) annotations[ANNOTATION.context] = t.context;
  return annotations;
}

/** Name of the background AnalysisTemplate that carries the plan's rollback triggers. */
export const TRIGGERS_TEMPLATE = 'switchyard-rollback-triggers';
export const VALIDATION_TEMPLATE = 'switchyard-validation';
/** The AnalysisTemplate args the exported queries use for the job, namespace and version. */
export const ARGS = {
  job: '{{args.service-name}}',
  namespace: '{{args.namespace}}',
  version: '{{args.version}}',
};
const PROMETHEUS_URL = 'http://prometheus.monitoring:9090';
const ROLLOUTS_API = 'argoproj.io/v1alpha1';
export const GATEWAY_PLUGIN = 'argoproj-labs/gatewayAPI';

export type Doc = Record<string, unknown>;

function analysisArgs(plan: ReleasePlan) {
  return [
    { name: 'service-name', value: plan.target.job ?? plan.target.name },
    { name: 'namespace', value: plan.target.namespace },
    // The version label the rehearsal's queries select: the new image's tag.
    { name: 'version', value: imageTag(plan.target.image) },
  ];
}

/** The tag of an image reference (`registry/app:v1.2` → `v1.2`), or `latest` when it has none. */
function imageTag(image: string): string {
  const name = image.split('@')[0] ?? image;
  const at = name.lastIndexOf(':');
  return at > name.lastIndexOf('/') ? name.slice(at + 1) : 'latest';
}

function templateDoc(name: string, namespace: string, metrics: Doc[]): Doc {
  return {
    apiVersion: ROLLOUTS_API,
    kind: 'AnalysisTemplate',
    metadata: { name, namespace },
    spec: {
      args: [
        { name: 'service-name' },
        { name: 'namespace' },
        { name: 'version' },
        { name: 'prometheus-url', value: PROMETHEUS_URL },
      ],
      metrics,
    },
  };
}

function metricDoc(m: AnalysisMetric, unsupported: string[], where: string): Doc {
  if (m.consecutive)
    unsupported.push(
      `${where}.consecutive: Argo Rollouts counts total failures only; exported as a total limit`,
    );
  return {
    name: m.name,
    interval: m.interval,
    count: m.count,
    successCondition: argoCondition(m.successCondition),
    failureLimit: m.failureLimit,
    inconclusiveLimit: m.inconclusiveLimit,
    provider: {
      prometheus: {
        address: '{{args.prometheus-url}}',
        query: foreignQuery(m, ARGS, unsupported, `${where}.query`),
      },
    },
  };
}

/**
 * A rollback trigger as an Argo metric read as often as the rehearsal reads it. A breach "held for" the
 * trigger's `for` becomes a PromQL subquery: the least (for `>`/`>=`, the greatest for `<`/`<=`) value over
 * `for` at the read interval breaches only when every read in that time did, so one failed measurement
 * (failureLimit 0) is the held breach. Pod restarts are counted over `for` and breach on one read.
 */
function triggerDoc(t: RollbackTrigger, i: number, unsupported: string[]): Doc {
  const interval = formatDuration(triggerIntervalMs(t));
  const query = foreignQuery(
    { kind: t.metric, window: triggerWindow(t), ...(t.query ? { query: t.query } : {}) },
    ARGS,
    unsupported,
    `rollbackTriggers[${i}].query`,
  );
  return {
    name: `rollback-${i}-${t.metric}`,
    interval,
    successCondition: argoCondition({ op: negateOp(t.op), threshold: t.threshold }),
    failureLimit: 0,
    provider: {
      prometheus: {
        address: '{{args.prometheus-url}}',
        query: firesOnOneRead(t) ? query : heldQuery(query, t.op, t.for, interval),
      },
    },
  };
}

/** `query` breaching `op` on every read over `held` at `step`: `min_over_time((q)[2m:15s])` for `>`. */
export function heldQuery(query: string, op: ComparisonOp, held: string, step: string): string {
  const fn = op === '>' || op === '>=' ? 'min_over_time' : 'max_over_time';
  return `${fn}((${query})[${held}:${step}])`;
}

/** The query inside a `heldQuery` and its held range, or null when `query` is not one. */
export function unwrapHeldQuery(query: string): { query: string; held: string } | null {
  const m = /^\s*(?:min|max)_over_time\(\((.*)\)\[(\d+(?:ms|s|m|h|d)):\d+(?:ms|s|m|h|d)\]\)\s*$/s.exec(query);
  return m ? { query: m[1]!, held: m[2]! } : null;
}

function validationDocs(
  checks: ValidationCheck[],
  v: { duration: string; interval: string; window: string; maxConsecutiveFailures: number },
  unsupported: string[],
  where: string,
): Doc[] {
  const count = Math.max(1, Math.round(durationMs(v.duration) / durationMs(v.interval)));
  return checks.flatMap((c, i) => {
    if (c.severity === 'warn') {
      unsupported.push(
        `${where}.checks[${i}]: warning-only checks have no Argo equivalent (Argo metrics pass or fail)`,
      );
      return [];
    }
    return [
      {
        name: `validation-${i}-${c.metric}`,
        interval: v.interval,
        count,
        successCondition: argoCondition({ op: negateOp(c.op), threshold: c.threshold }),
        failureLimit: v.maxConsecutiveFailures,
        provider: {
          prometheus: {
            address: '{{args.prometheus-url}}',
            query: foreignQuery(
              { kind: c.metric, window: v.window, ...(c.query ? { query: c.query } : {}) },
              ARGS,
              unsupported,
              `${where}.checks[${i}].query`,
            ),
          },
        },
      },
    ];
  });
}

/**
 * Converts a plan into an Argo Rollouts `Rollout` (referencing the Deployment through workloadRef)
 * and its `AnalysisTemplate`s; rollback triggers become a background template. Everything Argo cannot
 * express is named in `unsupported` (never dropped silently).
 */
export function planToArgo(plan: ReleasePlan): { documents: Doc[]; unsupported: string[] } {
  const unsupported: string[] = [];
  const t = plan.target;
  const annotations = planAnnotations(plan, true);
  unsupported.push(
    `target.image: a Rollout with workloadRef runs the Deployment's pod template; set ${t.image} on Deployment ${t.name} (kept in annotation ${ANNOTATION.image})`,
  );
  if (t.kind === 'Rollout')
    unsupported.push(
      'target.kind: the exported Rollout refers to a Deployment; merge its strategy into your existing Rollout instead',
    );
  if (plan.onFailure === 'pause')
    unsupported.push('onFailure: pause — Argo Rollouts always aborts on a failed analysis');
  if (plan.onInconclusive === 'abort')
    unsupported.push('onInconclusive: abort — Argo Rollouts always pauses on an inconclusive analysis');
  if (plan.migration)
    unsupported.push(
      'migration: expand/contract gates have no Argo equivalent; run them as Jobs before and after the rollout',
    );

  const templates: Doc[] = [];
  const byName = new Map(plan.analysis.templates.map((tpl) => [tpl.name, tpl] as const));
  const used = new Set<string>();
  const args = analysisArgs(plan);
  const templateRefs = (names: readonly string[]) =>
    names.map((templateName) => (used.add(templateName), { templateName }));
  const strategy: Doc = {};
  const s = plan.strategy;
  const r = plan.router;

  const trafficRouting = (): Doc | undefined => {
    if (r.kind === 'istio')
      return {
        istio: {
          virtualService: { name: r.virtualService, routes: [r.route] },
          destinationRule: {
            name: r.destinationRule,
            canarySubsetName: r.canarySubset,
            stableSubsetName: r.stableSubset,
          },
        },
      };
    if (r.kind === 'gateway-api')
      return { plugins: { [GATEWAY_PLUGIN]: { httpRoute: r.httpRoute, namespace: t.namespace } } };
    return undefined;
  };
  const canaryBase = (): Doc => {
    const c: Doc = {};
    if (r.kind === 'gateway-api')
      Object.assign(c, { canaryService: r.backendRefs.canary, stableService: r.backendRefs.stable });
    const tr = trafficRouting();
    if (tr) c.trafficRouting = tr;
    return c;
  };
  const background = (names: string[], startingStep: number): Doc | undefined => {
    const all = [...names, ...(plan.rollbackTriggers.length ? [TRIGGERS_TEMPLATE] : [])];
    if (all.length === 0) return undefined;
    return { templates: templateRefs(all), ...(startingStep > 0 ? { startingStep } : {}), args };
  };

  if (s.kind === 'canary') {
    const steps = s.steps.map((step) => {
      if ('setWeight' in step) return { setWeight: step.setWeight };
      if ('pause' in step)
        return { pause: step.pause.duration === undefined ? {} : { duration: step.pause.duration } };
      return { analysis: { templates: templateRefs(step.analysis.templates), args } };
    });
    const bg = background(s.background?.templates ?? [], s.background?.startingStep ?? 0);
    if (s.background && s.background.startingStep > 0 && plan.rollbackTriggers.length)
      unsupported.push(
        `rollbackTriggers: Argo has one background analysis, so the triggers also start at step ${s.background.startingStep}`,
      );
    strategy.canary = { ...canaryBase(), steps, ...(bg ? { analysis: bg } : {}) };
  } else if (s.kind === 'flag-rollout') {
    unsupported.push(
      `strategy: flag-rollout raises flag "${s.flag}"; Argo shifts traffic between versions instead (exported as a canary with the same percentages)`,
    );
    const steps = s.steps.map((step) => {
      if ('setPercentage' in step) return { setWeight: step.setPercentage };
      if ('pause' in step)
        return { pause: step.pause.duration === undefined ? {} : { duration: step.pause.duration } };
      return { analysis: { templates: templateRefs(step.analysis.templates), args } };
    });
    if (s.steps.some((step) => step.at !== undefined))
      unsupported.push('strategy.steps[].at: Argo steps cannot start at a wall-clock time');
    if (s.segments.length > 0 || s.prerequisites.length > 0)
      unsupported.push(
        'strategy.segments and strategy.prerequisites: user targeting lives in the flag system',
      );
    const bg = background([], 0);
    strategy.canary = { ...canaryBase(), steps, ...(bg ? { analysis: bg } : {}) };
  } else if (s.kind === 'ab-test') {
    unsupported.push(
      'strategy: ab-test header cohorts, pins, primary metrics, guardrails and duration have no Argo Rollout equivalent (use an Argo Experiment); exported as a canary holding the treatment weight until promoted',
    );
    const treatment = s.variants.find((v) => v.name !== s.defaultVariant);
    const bg = background([], 0);
    strategy.canary = {
      ...canaryBase(),
      steps: [{ setWeight: treatment?.weight ?? 50 }, { pause: {} }],
      ...(bg ? { analysis: bg } : {}),
    };
  } else if (s.kind === 'rolling') {
    strategy.canary = { maxSurge: s.maxSurge, maxUnavailable: s.maxUnavailable };
    if (s.validation.checks.length)
      unsupported.push(
        'strategy.validation: post-rollout checks of a rolling update have no Argo equivalent',
      );
  } else {
    const active = r.kind === 'service-selector' ? r.service : t.name;
    if (r.kind !== 'service-selector')
      unsupported.push(
        `router: Argo blue-green switches Services, not ${r.kind} weights; activeService set to ${active}`,
      );
    const preview = s.previewService ?? `${active}-preview`;
    if (!s.previewService)
      unsupported.push(`strategy.previewService: Argo needs a preview Service; named ${preview}`);
    unsupported.push(
      'strategy.warmup and strategy.smoke: no Argo equivalent (use a prePromotionAnalysis with a web or job metric)',
    );
    unsupported.push(
      `strategy.settle: Argo validates right after the switch; the ${s.settle} wait is not expressed`,
    );
    if (s.keepPrevious)
      unsupported.push(
        `strategy.keepPrevious: Argo scales the previous colour down scaleDownDelaySeconds (${durationMs(s.scaleDownDelay) / 1000}) after the switch`,
      );
    const metrics = validationDocs(s.validation.checks, s.validation, unsupported, 'strategy.validation');
    if (metrics.length) templates.push(templateDoc(VALIDATION_TEMPLATE, t.namespace, metrics));
    strategy.blueGreen = {
      activeService: active,
      previewService: preview,
      autoPromotionEnabled: s.autoPromote,
      scaleDownDelaySeconds: Math.round(durationMs(s.scaleDownDelay) / 1000),
      ...(metrics.length
        ? { postPromotionAnalysis: { templates: [{ templateName: VALIDATION_TEMPLATE }], args } }
        : {}),
    };
    if (plan.rollbackTriggers.length)
      unsupported.push(
        'rollbackTriggers: Argo blue-green has no background analysis; the triggers are not exported',
      );
  }
  if (s.kind === 'rolling' && plan.rollbackTriggers.length) {
    const bg = background([], 0);
    if (bg) (strategy.canary as Doc).analysis = bg;
  }

  for (const name of used) {
    if (name === TRIGGERS_TEMPLATE) continue;
    const tpl = byName.get(name);
    if (tpl)
      templates.push(
        templateDoc(
          tpl.name,
          t.namespace,
          tpl.metrics.map((m, j) =>
            metricDoc(
              m,
              unsupported,
              `analysis.templates[${plan.analysis.templates.indexOf(tpl)}].metrics[${j}]`,
            ),
          ),
        ),
      );
  }
  plan.analysis.templates.forEach((tpl, i) => {
    if (!used.has(tpl.name))
      unsupported.push(
        `analysis.templates[${i}]: template "${tpl.name}" is not used by any step and was not exported`,
      );
  });
  if (used.has(TRIGGERS_TEMPLATE))
    templates.push(
      templateDoc(
        TRIGGERS_TEMPLATE,
        t.namespace,
        plan.rollbackTriggers.map((tr, i) => triggerDoc(tr, i, unsupported)),
      ),
    );

  const rolling = s.kind === 'rolling' ? s : undefined;
  const rollout: Doc = {
    apiVersion: ROLLOUTS_API,
    kind: 'Rollout',
    metadata: { name: t.name, namespace: t.namespace, annotations },
    spec: {
      ...(r.kind === 'replica-ratio' && r.replicas !== undefined ? { replicas: r.replicas } : {}),
      ...(rolling
        ? {
            minReadySeconds: rolling.minReadySeconds,
            progressDeadlineSeconds: rolling.progressDeadlineSeconds,
          }
        : {}),
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: t.name, scaleDown: 'progressively' },
      strategy,
    },
  };
  return { documents: [rollout, ...templates], unsupported: [...new Set(unsupported)] };
}
