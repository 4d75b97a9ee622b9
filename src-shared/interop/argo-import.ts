import { durationMs, formatDuration } from '../plan/duration.ts';
import type { AnalysisMetric, AnalysisTemplate, RollbackTrigger } from '../plan/plan.schema.ts';
import { ANNOTATION, ARGS, GATEWAY_PLUGIN, TRIGGERS_TEMPLATE, unwrapHeldQuery, type Doc } from './argo.ts';
import { annotatedPlan, findResource, type ConvertedPlan } from './import-common.ts';
import {
  arr,
  foreignDuration,
  negateOp,
  num,
  obj,
  parseArgoCondition,
  recogniseQuery,
  str,
} from './metric-mapping.ts';

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
  const recognised = recogniseQuery(query, ARGS.job, ARGS.namespace, ARGS.version);
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
export function argoToPlan(docs: readonly unknown[]): ConvertedPlan {
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
      const read = str(obj(obj(m.provider).prometheus).query) ?? '';
      // Exports since the held form: the breach must last the subquery's range; before it, one interval.
      const held = unwrapHeldQuery(read);
      const query = held?.query ?? read;
      if (!c) {
        unsupported.push(
          `AnalysisTemplate ${TRIGGERS_TEMPLATE} metrics[${j}]: condition is not a single comparison; trigger skipped`,
        );
        return;
      }
      const rec = recogniseQuery(query, ARGS.job, ARGS.namespace, ARGS.version);
      const every =
        held?.held ?? (rec.kind === 'pod-restarts' ? rec.window : foreignDuration(m.interval)) ?? '1m';
      rollbackTriggers.push({
        metric: rec.kind,
        ...(rec.query ? { query: rec.query } : {}),
        op: negateOp(c.op),
        threshold: c.threshold,
        for: every,
      });
    });
  }

  const plan = annotatedPlan(ann, name, {
    target,
    router,
    strategy,
    analysis: { templates: planTemplates },
    rollbackTriggers,
  });
  return { plan, unsupported };
}
