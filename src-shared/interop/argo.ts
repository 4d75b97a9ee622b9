import { durationMs, formatDuration } from '../plan/duration.ts';
import type {
  AnalysisMetric,
  AnalysisTemplate,
  ReleasePlan,
  RollbackTrigger,
  ValidationCheck,
} from '../plan/plan.schema.ts';
import {
  argoCondition,
  arr,
  foreignDuration,
  foreignQuery,
  negateOp,
  num,
  obj,
  parseArgoCondition,
  recogniseQuery,
  str,
} from './metric-mapping.ts';

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

/** A foreign resource found among the documents, with its metadata, annotations and spec. */
export function findResource(
  docs: readonly unknown[],
  kind: string,
): { meta: Doc; ann: Doc; spec: Doc } | null {
  const doc = docs.map(obj).find((d) => d.kind === kind);
  if (!doc) return null;
  const meta = obj(doc.metadata);
  return { meta, ann: obj(meta.annotations), spec: obj(doc.spec) };
}

/** Name of the background AnalysisTemplate that carries the plan's rollback triggers. */
export const TRIGGERS_TEMPLATE = 'switchyard-rollback-triggers';
const VALIDATION_TEMPLATE = 'switchyard-validation';
const ARGS = { job: '{{args.service-name}}', namespace: '{{args.namespace}}' };
const PROMETHEUS_URL = 'http://prometheus.monitoring:9090';
const ROLLOUTS_API = 'argoproj.io/v1alpha1';
const GATEWAY_PLUGIN = 'argoproj-labs/gatewayAPI';

type Doc = Record<string, unknown>;

function analysisArgs(plan: ReleasePlan) {
  return [
    { name: 'service-name', value: plan.target.job ?? plan.target.name },
    { name: 'namespace', value: plan.target.namespace },
  ];
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

function triggerDoc(t: RollbackTrigger, i: number, unsupported: string[]): Doc {
  return {
    name: `rollback-${i}-${t.metric}`,
    interval: t.for,
    successCondition: argoCondition({ op: negateOp(t.op), threshold: t.threshold }),
    failureLimit: 0,
    provider: {
      prometheus: {
        address: '{{args.prometheus-url}}',
        query: foreignQuery(
          { kind: t.metric, window: t.for, ...(t.query ? { query: t.query } : {}) },
          ARGS,
          unsupported,
          `rollbackTriggers[${i}].query`,
        ),
      },
    },
  };
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
      unsupported.push('strategy.segments and strategy.prerequisites: user targeting lives in the flag system');
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

function importMetric(m: Doc, where: string, unsupported: string[]): AnalysisMetric | null {
  const name = str(m.name) ?? 'metric';
  const query = str(obj(obj(m.provider).prometheus).query);
  if (query === undefined) {
    unsupported.push(
      `${where} (${name}): only Prometheus metrics can be imported; provider ${Object.keys(obj(m.provider)).join(', ') || 'missing'} skipped`,
    );
    return null;
  }
  const success = str(m.successCondition);
  const failure = str(m.failureCondition);
  let condition = success !== undefined ? parseArgoCondition(success) : null;
  if (!condition && failure !== undefined && success === undefined) {
    const f = parseArgoCondition(failure);
    condition = f ? { op: negateOp(f.op), threshold: f.threshold } : null;
  } else if (failure !== undefined)
    unsupported.push(
      `${where} (${name}): failureCondition "${failure}" next to a successCondition was not imported`,
    );
  if (!condition) {
    unsupported.push(
      `${where} (${name}): condition "${success ?? failure ?? ''}" is not a single comparison of result[0]; metric skipped`,
    );
    return null;
  }
  const recognised = recogniseQuery(query, ARGS.job, ARGS.namespace);
  const count =
    num(m.count) ?? (typeof m.count === 'string' && /^\d+$/.test(m.count) ? Number(m.count) : undefined);
  if (count === undefined)
    unsupported.push(`${where} (${name}): no count (runs until the step ends); imported with count 10`);
  return {
    name,
    kind: recognised.kind,
    ...(recognised.query ? { query: recognised.query } : {}),
    interval: foreignDuration(m.interval) ?? '1m',
    count: count ?? 10,
    successCondition: condition,
    failureLimit: num(m.failureLimit) ?? 0,
    inconclusiveLimit: num(m.inconclusiveLimit) ?? 0,
    consecutive: false,
    window: recognised.window,
  };
}

function templateNames(refs: unknown): string[] {
  return arr(refs).map((x) => str(obj(x).templateName) ?? str(obj(x).clusterTemplateName) ?? '');
}

/**
 * Reads an Argo Rollouts `Rollout` and its `AnalysisTemplate`s (any order, one document each) into plan
 * input (not yet validated: pass it to `parsePlan`). Features without a plan equivalent are listed in `unsupported`.
 */
export function argoToPlan(
  docs: readonly unknown[],
): { plan: Record<string, unknown>; unsupported: string[] } | { errors: string[] } {
  const rollout = findResource(docs, 'Rollout');
  if (!rollout) return { errors: ['no Argo Rollouts Rollout found (kind: Rollout)'] };
  const unsupported: string[] = [];
  const { meta, ann, spec } = rollout;
  const canary = spec.strategy !== undefined ? obj(obj(spec.strategy).canary) : {};
  const blueGreen = obj(obj(spec.strategy).blueGreen);
  const isBlueGreen = obj(spec.strategy).blueGreen !== undefined;
  const firstContainer = obj(arr(obj(obj(spec.template).spec).containers)[0]);
  const workload = obj(spec.workloadRef);
  const name = str(workload.name) ?? str(meta.name) ?? '';
  const namespace = str(meta.namespace);
  if (!namespace) unsupported.push('metadata.namespace: missing; the plan uses "default"');

  const argsOf = (x: unknown) => arr(obj(x).args).map(obj);
  const allArgs = [
    ...argsOf(canary.analysis),
    ...arr(canary.steps).flatMap((st) => argsOf(obj(st).analysis)),
    ...argsOf(blueGreen.postPromotionAnalysis),
  ];
  const job = str(allArgs.find((a) => a.name === 'service-name')?.value);
  const image = str(ann[ANNOTATION.image]) ?? str(firstContainer.image);
  const target: Record<string, unknown> = {
    namespace: namespace ?? 'default',
    kind: str(ann[ANNOTATION.targetKind]) ?? (spec.workloadRef ? 'Deployment' : 'Rollout'),
    name,
    image: image ?? '',
  };
  const container = str(ann[ANNOTATION.container]) ?? str(firstContainer.name);
  if (container) target.container = container;
  if (str(ann[ANNOTATION.context])) target.context = ann[ANNOTATION.context];
  if (job && job !== name) target.job = job;

  const templates = new Map<string, Doc>();
  for (const d of docs.map(obj)) {
    if (d.kind === 'AnalysisTemplate' || d.kind === 'ClusterAnalysisTemplate')
      templates.set(str(obj(d.metadata).name) ?? '', d);
  }
  const importTemplate = (tplName: string): AnalysisTemplate | null => {
    const doc = templates.get(tplName);
    if (!doc) {
      unsupported.push(`analysis template "${tplName}" is referenced but not in the file`);
      return null;
    }
    const metrics = arr(obj(doc.spec).metrics)
      .map((m, j) => importMetric(obj(m), `AnalysisTemplate ${tplName} metrics[${j}]`, unsupported))
      .filter((m): m is AnalysisMetric => m !== null);
    return metrics.length ? { name: tplName, metrics } : null;
  };
  const planTemplates: AnalysisTemplate[] = [];
  const want = (names: string[]) => {
    for (const n of names) {
      if (n && n !== TRIGGERS_TEMPLATE && !planTemplates.some((t) => t.name === n)) {
        const t = importTemplate(n);
        if (t) planTemplates.push(t);
      }
    }
  };

  let router: Record<string, unknown>;
  const tr = obj(canary.trafficRouting);
  const istio = obj(tr.istio);
  const gateway = obj(obj(tr.plugins)[GATEWAY_PLUGIN]);
  if (isBlueGreen) {
    router = { kind: 'service-selector', service: str(blueGreen.activeService) ?? name };
  } else if (tr.istio !== undefined) {
    const vs = obj(istio.virtualService);
    const dr = obj(istio.destinationRule);
    router = {
      kind: 'istio',
      virtualService: str(vs.name) ?? name,
      destinationRule: str(dr.name) ?? name,
      route: str(arr(vs.routes)[0]) ?? 'primary',
      stableSubset: str(dr.stableSubsetName) ?? 'stable',
      canarySubset: str(dr.canarySubsetName) ?? 'canary',
    };
  } else if (str(gateway.httpRoute)) {
    router = {
      kind: 'gateway-api',
      httpRoute: gateway.httpRoute,
      backendRefs: {
        stable: str(canary.stableService) ?? `${name}-stable`,
        canary: str(canary.canaryService) ?? `${name}-canary`,
      },
    };
  } else if (arr(canary.steps).length === 0) {
    router = { kind: 'service-selector', service: name };
  } else {
    if (Object.keys(tr).length)
      unsupported.push(
        `strategy.canary.trafficRouting: ${Object.keys(tr).join(', ')} is not supported; the plan uses replica-ratio`,
      );
    router = { kind: 'replica-ratio', ...(num(spec.replicas) ? { replicas: spec.replicas } : {}) };
  }

  let strategy: Record<string, unknown>;
  if (isBlueGreen) {
    const post = templateNames(obj(blueGreen.postPromotionAnalysis).templates);
    const checks: Record<string, unknown>[] = [];
    let validation: Record<string, unknown> | undefined;
    for (const n of post) {
      const t = importTemplate(n);
      for (const m of t?.metrics ?? []) {
        checks.push({
          metric: m.kind,
          ...(m.query ? { query: m.query } : {}),
          op: negateOp(m.successCondition.op),
          threshold: m.successCondition.threshold,
          severity: 'fail',
        });
        validation ??= {
          duration: formatDuration(durationMs(m.interval) * m.count),
          interval: m.interval,
          window: m.window,
          checks,
          maxConsecutiveFailures: m.failureLimit,
        };
      }
    }
    if (blueGreen.prePromotionAnalysis !== undefined)
      unsupported.push(
        'strategy.blueGreen.prePromotionAnalysis: not imported; the plan runs smoke checks before the switch',
      );
    strategy = {
      kind: 'blue-green',
      autoPromote: blueGreen.autoPromotionEnabled !== false,
      ...(str(blueGreen.previewService) ? { previewService: blueGreen.previewService } : {}),
      ...(num(blueGreen.scaleDownDelaySeconds) !== undefined
        ? {
            drain: `${blueGreen.scaleDownDelaySeconds}s`,
            scaleDownDelay: `${blueGreen.scaleDownDelaySeconds}s`,
          }
        : {}),
      ...(validation ? { validation } : {}),
    };
  } else if (arr(canary.steps).length === 0) {
    strategy = {
      kind: 'rolling',
      ...(canary.maxSurge !== undefined ? { maxSurge: canary.maxSurge } : {}),
      ...(canary.maxUnavailable !== undefined ? { maxUnavailable: canary.maxUnavailable } : {}),
      ...(num(spec.minReadySeconds) !== undefined ? { minReadySeconds: spec.minReadySeconds } : {}),
      ...(num(spec.progressDeadlineSeconds) !== undefined
        ? { progressDeadlineSeconds: spec.progressDeadlineSeconds }
        : {}),
    };
  } else {
    const steps: Record<string, unknown>[] = [];
    arr(canary.steps).forEach((raw, i) => {
      const st = obj(raw);
      if (num(st.setWeight) !== undefined) steps.push({ setWeight: st.setWeight });
      else if (st.pause !== undefined) {
        const d = obj(st.pause).duration;
        const duration = d === undefined ? undefined : foreignDuration(d);
        if (d !== undefined && duration === null)
          unsupported.push(
            `strategy.canary.steps[${i}].pause.duration: "${String(d)}" is not a duration; imported as a pause until promoted`,
          );
        steps.push({ pause: duration ? { duration } : {} });
      } else if (st.analysis !== undefined) {
        const names = templateNames(obj(st.analysis).templates);
        want(names);
        steps.push({ analysis: { templates: names.filter((n) => planTemplates.some((t) => t.name === n)) } });
      } else
        unsupported.push(
          `strategy.canary.steps[${i}]: ${Object.keys(st).join(', ')} steps have no plan equivalent`,
        );
    });
    strategy = {
      kind: 'canary',
      steps: steps.filter((s) => !('analysis' in s) || arr(obj(s.analysis).templates).length > 0),
    };
    const bgNames = templateNames(obj(canary.analysis).templates).filter((n) => n !== TRIGGERS_TEMPLATE);
    want(bgNames);
    const bgKept = bgNames.filter((n) => planTemplates.some((t) => t.name === n));
    if (bgKept.length)
      strategy.background = { templates: bgKept, startingStep: num(obj(canary.analysis).startingStep) ?? 0 };
  }

  const rollbackTriggers: RollbackTrigger[] = [];
  const bgAll = templateNames(obj(canary.analysis).templates);
  if (bgAll.includes(TRIGGERS_TEMPLATE)) {
    arr(obj(templates.get(TRIGGERS_TEMPLATE)?.spec).metrics).forEach((raw, j) => {
      const m = obj(raw);
      const c = parseArgoCondition(str(m.successCondition) ?? '');
      const query = str(obj(obj(m.provider).prometheus).query) ?? '';
      const every = foreignDuration(m.interval) ?? '1m';
      if (!c) {
        unsupported.push(
          `AnalysisTemplate ${TRIGGERS_TEMPLATE} metrics[${j}]: condition is not a single comparison; trigger skipped`,
        );
        return;
      }
      const rec = recogniseQuery(query, ARGS.job, ARGS.namespace);
      rollbackTriggers.push({
        metric: rec.kind,
        ...(rec.query ? { query: rec.query } : {}),
        op: negateOp(c.op),
        threshold: c.threshold,
        for: every,
      });
    });
  }

  const plan: Record<string, unknown> = {
    name: str(ann[ANNOTATION.plan]) ?? `${name}-${String(strategy.kind)}`,
    ...(str(ann[ANNOTATION.description]) ? { description: ann[ANNOTATION.description] } : {}),
    target,
    router,
    strategy,
    analysis: { templates: planTemplates },
    rollbackTriggers,
  };
  return { plan, unsupported };
}
