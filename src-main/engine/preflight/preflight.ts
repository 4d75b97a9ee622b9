import { durationMs } from '../../../src-shared/plan/duration.ts';
import { formatDuration } from '../../../src-shared/format/duration.ts';
import { formatMetricValue, formatThreshold, unitOfMetric } from '../../../src-shared/format/number.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import { flagStepLabel } from '../../../src-shared/plan/flag-rollout.schema.ts';
import type { FlagProvider } from '../../ports/exposure.port.ts';
import { flagProviderFindings } from './flag-findings.ts';
import type { MetricQueryParams, MetricQuerySource } from '../../../src-shared/plan/promql.ts';
import type {
  PlanStepRef,
  PreflightFinding,
  PreflightPass,
  PreflightResult,
} from '../../../src-shared/preflight/preflight.schema.ts';
import { validatePromql } from '../../adapters/prometheus/promql-syntax.ts';
import type { MetricsPort } from '../../ports/metrics.port.ts';
import type { AnalysisSource } from '../../ports/release.port.ts';
import type { RouterAccess } from '../../ports/traffic-router.port.ts';
import type { AccessNeed, BudgetFacts, PreflightCluster, WorkloadFacts } from './preflight-cluster.port.ts';
import { planFindings, routerObjectFindings } from './plan-findings.ts';

/** What preflight runs against. */
export interface PreflightDeps {
  plan: ReleasePlan;
  cluster: PreflightCluster;
  analysis: AnalysisSource;
  /** A flag ramp's flag system: its checks (reachable, authorised, flag and variants, can edit) and prerequisites. */
  flags?: FlagProvider;
  /** When given (a Prometheus), custom queries are validated with it and history is checked for enough points. */
  metrics?: MetricsPort;
  /** Milliseconds since the Unix epoch; default Date.now. */
  now?: () => number;
  signal?: AbortSignal;
}

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

/** Runbook connection-drain time when the plan does not set one (seconds). */
const DEFAULT_DRAIN_SECONDS = 30;

/**
 * Checks a plan before its first mutation: every analysis query once now, one access review per verb and
 * resource the plan uses, a server-side dry run of the first change, and the zero-downtime audit of the
 * workload. Every finding is explained and names the plan steps it endangers. Throws `ClusterError` only
 * when the cluster cannot be asked at all (unreachable, unauthorized); metric trouble is a finding.
 */
export async function runPreflight(deps: PreflightDeps): Promise<PreflightResult> {
  const { plan } = deps;
  const now = deps.now ?? Date.now;
  const findings: PreflightFinding[] = [];
  const passed: PreflightPass[] = [];

  await checkQueries(deps, findings, passed);

  (deps.cluster.router?.warnings() ?? []).forEach((warning, i) =>
    findings.push({
      id: `routing:ab-${i}`,
      check: 'routing',
      severity: 'warning',
      title: 'Stickiness is weaker than the plan may expect',
      explanation: warning,
      steps: [{ index: null, label: 'route the cohort' }],
    }),
  );

  findings.push(...planFindings(plan));
  if (deps.flags && plan.strategy.kind === 'flag-rollout') {
    const flag = await flagProviderFindings(deps.flags, plan.strategy, deps.signal);
    findings.push(...flag.findings);
    passed.push(...flag.passed);
  }
  if (deps.cluster.routerObjects) routerObjectFindings(await deps.cluster.routerObjects(), findings, passed);

  const needs = accessNeeds(plan, deps.cluster.router?.requiredAccess() ?? []);
  const answers = await deps.cluster.canI(needs.map((n) => n.need));
  needs.forEach(({ need, steps }, i) => {
    const a = answers[i];
    const id = `access:${need.verb}/${need.group ? `${need.group}/` : ''}${need.resource}${need.subresource ? `/${need.subresource}` : ''}`;
    const what = `${need.verb} ${need.resource}${need.subresource ? `/${need.subresource}` : ''}${need.group ? ` (${need.group})` : ''} in ${need.namespace}`;
    if (a?.allowed) passed.push({ id, check: 'access', title: `may ${what}` });
    else
      findings.push({
        id,
        check: 'access',
        severity: 'blocker',
        title: `Not allowed to ${what}`,
        explanation: `Your credentials may not ${what}, which the plan needs ${need.why}${a?.reason ? ` (the cluster says: ${a.reason})` : ''}. Ask for that permission or use another context.`,
        steps,
      });
  });

  // A flag ramp changes the flag, not the workload: the flag system's checks above stand for the dry run
  // and the pods' zero-downtime audit.
  const ramp = plan.strategy.kind === 'flag-rollout';
  const dry = ramp ? null : await deps.cluster.dryRunFirstChange();
  const first = firstChangeStep(plan);
  if (dry?.ok) passed.push({ id: 'dry-run:first-change', check: 'dryRun', title: dry.description });
  else if (dry)
    findings.push({
      id: 'dry-run:first-change',
      check: 'dryRun',
      severity: 'blocker',
      title: dry.title ?? 'The first change was refused in a dry run',
      explanation: `${dry.description} The release would stop at its first change.`,
      steps: [first],
    });

  const workload = await deps.cluster.workload();
  if (!workload)
    findings.push({
      id: 'zero-downtime:workload',
      check: 'zeroDowntime',
      severity: 'blocker',
      title: `Deployment ${plan.target.namespace}/${plan.target.name} does not exist`,
      explanation: 'There is no workload to release; check the plan target and the context.',
      steps: [first],
    });
  else if (!ramp) {
    findings.push(...((await deps.cluster.router?.planFindings(workload.replicas)) ?? []));
    auditZeroDowntime(plan, workload, await deps.cluster.budgets(), findings, passed);
  }

  return {
    planName: plan.name,
    workload: `${plan.target.namespace}/${plan.target.name}`,
    checkedAtMs: now(),
    ok: !findings.some((f) => f.severity === 'blocker'),
    findings,
    passed,
  };
}

async function checkQueries(
  deps: PreflightDeps,
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

function stepRef(plan: ReleasePlan, i: number): PlanStepRef {
  const s = plan.strategy;
  if (s.kind === 'flag-rollout') {
    const step = s.steps[i];
    return { index: i, label: `step ${i + 1}: ${step ? flagStepLabel(step) : ''}` };
  }
  if (s.kind !== 'canary') return { index: null, label: s.kind };
  const step = s.steps[i];
  const what =
    step === undefined
      ? ''
      : 'setWeight' in step
        ? `setWeight ${step.setWeight}`
        : 'pause' in step
          ? `pause ${step.pause.duration ?? 'until promoted'}`
          : `analysis ${step.analysis.templates.join(', ')}`;
  return { index: i, label: `step ${i + 1}: ${what}` };
}

function firstChangeStep(plan: ReleasePlan): PlanStepRef {
  switch (plan.strategy.kind) {
    case 'canary':
      return { index: null, label: 'creating the canary workload' };
    case 'blue-green':
      return { index: null, label: 'deploying the idle colour' };
    case 'rolling':
      return { index: null, label: 'setting the new image' };
    default:
      return { index: null, label: 'the first change' };
  }
}

/** Steps that move traffic or replace pods: where an unsafe workload hurts users. */
function trafficSteps(plan: ReleasePlan): PlanStepRef[] {
  const s = plan.strategy;
  if (s.kind === 'canary') {
    const refs = s.steps.flatMap((step, i) => ('setWeight' in step ? [stepRef(plan, i)] : []));
    return [...refs, { index: null, label: 'promotion (stable gets the new image)' }];
  }
  if (s.kind === 'blue-green')
    return [
      { index: null, label: 'switch to the new colour' },
      { index: null, label: 'draining the old colour' },
    ];
  if (s.kind === 'rolling') return [{ index: null, label: 'the rolling update' }];
  return [{ index: null, label: s.kind }];
}

function accessNeeds(
  plan: ReleasePlan,
  routerNeeds: readonly RouterAccess[],
): { need: AccessNeed; steps: PlanStepRef[] }[] {
  const ns = plan.target.namespace;
  const first = firstChangeStep(plan);
  const traffic = trafficSteps(plan);
  const out: { need: AccessNeed; steps: PlanStepRef[] }[] = [];
  const add = (
    verb: string,
    group: string,
    resource: string,
    why: string,
    steps: PlanStepRef[],
    subresource?: string,
  ) =>
    out.push({
      need: { verb, group, resource, namespace: ns, why, ...(subresource ? { subresource } : {}) },
      steps,
    });
  add('get', 'apps', 'deployments', 'to read the workload', [first]);
  const lease = "to hold the workload's Lease, so no other console releases it meanwhile";
  const leases = () => {
    for (const verb of ['get', 'create', 'update'])
      add(verb, 'coordination.k8s.io', 'leases', lease, [{ index: null, label: 'the whole release' }]);
  };
  // A flag ramp only holds the workload's Lease; the flag system's own checks say whether it may edit the flag.
  if (plan.strategy.kind === 'flag-rollout') {
    leases();
    return out;
  }
  add('update', 'apps', 'deployments', 'to change images and replicas', [first, ...traffic]);
  add('list', 'apps', 'replicasets', 'to read revisions for a rollback', [
    { index: null, label: 'rollback' },
  ]);
  add('list', '', 'pods', 'to count ready, restarting and failing pods', traffic);
  add('watch', '', 'pods', 'to follow pods while the release runs', traffic);
  leases();
  const s = plan.strategy;
  if (s.kind === 'canary' || s.kind === 'blue-green')
    add('create', 'apps', 'deployments', 'to create the new workload', [first]);
  if (s.kind === 'canary')
    add('delete', 'apps', 'deployments', 'to replace a canary of another version', [first]);
  for (const n of routerNeeds)
    add(n.verb, n.group, n.resource, n.why, n.when === 'first' ? [first] : traffic);
  if (s.kind === 'blue-green')
    add(
      'get',
      '',
      'pods',
      'to warm up and smoke-test the new colour through the API server proxy',
      [{ index: null, label: 'warm-up and smoke checks' }],
      'proxy',
    );
  const m = plan.migration;
  if (m?.expand?.action.kind === 'job' || m?.contract?.action.kind === 'job')
    add('create', 'batch', 'jobs', 'to run the migration Job', [{ index: null, label: 'migration gates' }]);
  return out;
}

function auditZeroDowntime(
  plan: ReleasePlan,
  w: WorkloadFacts,
  budgets: BudgetFacts[],
  findings: PreflightFinding[],
  passed: PreflightPass[],
): void {
  const steps = trafficSteps(plan);
  const warn = (
    id: string,
    title: string,
    explanation: string,
    severity: 'warning' | 'blocker' = 'warning',
  ) =>
    findings.push({ id: `zero-downtime:${id}`, check: 'zeroDowntime', severity, title, explanation, steps });
  const ok = (id: string, title: string) =>
    passed.push({ id: `zero-downtime:${id}`, check: 'zeroDowntime', title });

  if (w.replicas < 3)
    warn(
      'replicas',
      `Only ${w.replicas} replica${w.replicas === 1 ? '' : 's'}`,
      `${w.ref} runs ${w.replicas} replica(s); with fewer than 3, losing one pod during the release removes a large share of capacity. Scale to at least 3 first.`,
    );
  else ok('replicas', `${w.replicas} replicas`);

  const budget = budgets.find(
    (b) =>
      Object.keys(b.matchLabels).length > 0 &&
      Object.entries(b.matchLabels).every(([k, v]) => w.podLabels[k] === v),
  );
  if (!budget)
    warn(
      'pdb',
      'No PodDisruptionBudget',
      `No PodDisruptionBudget selects the pods of ${w.ref}, so node drains during the release may evict any number of them at once. Add one (the runbook uses minAvailable 80%).`,
    );
  else ok('pdb', `PodDisruptionBudget ${budget.name}`);

  const c = w.container;
  if (!c.readinessProbe)
    warn(
      'readiness',
      `No readiness probe on ${c.name}`,
      `Pods of ${w.ref} count as ready as soon as they start, so traffic reaches new pods before they can serve it.`,
      'blocker',
    );
  else ok('readiness', 'readiness probe');
  if (!c.livenessProbe)
    warn(
      'liveness',
      `No liveness probe on ${c.name}`,
      `A hung pod of ${w.ref} is never restarted and keeps receiving its share of traffic.`,
    );
  else ok('liveness', 'liveness probe');
  if (!c.startupProbe)
    warn(
      'startup',
      `No startup probe on ${c.name}`,
      `A slow-starting pod of ${w.ref} may be killed by its liveness probe before it is up, which looks like a crash loop during the release.`,
    );
  else ok('startup', 'startup probe');

  const drain =
    plan.strategy.kind === 'blue-green' ? durationMs(plan.strategy.drain) / 1000 : DEFAULT_DRAIN_SECONDS;
  const grace = w.terminationGracePeriodSeconds ?? 30;
  if (!c.preStop && grace < drain)
    warn(
      'graceful-shutdown',
      'Connections are cut on shutdown',
      `${w.ref} has no preStop hook and terminationGracePeriodSeconds ${grace} s is below the ${drain} s connection drain, so requests in flight fail when old pods stop. Add a preStop sleep or raise the grace period.`,
    );
  else
    ok(
      'graceful-shutdown',
      c.preStop ? 'preStop hook' : `terminationGracePeriodSeconds ${grace} s ≥ drain ${drain} s`,
    );

  if (budget) {
    const minAvailable =
      budget.minAvailable !== undefined
        ? resolveCount(budget.minAvailable, w.replicas, true)
        : w.replicas - resolveCount(budget.maxUnavailable ?? 0, w.replicas, true);
    const allowed = Math.max(0, w.replicas - minAvailable);
    const planned =
      plan.strategy.kind === 'rolling' ? plan.strategy.maxUnavailable : (w.maxUnavailable ?? '25%');
    const maxUnavailable = resolveCount(planned, w.replicas, false);
    if (maxUnavailable > allowed)
      warn(
        'max-unavailable',
        `maxUnavailable ${String(planned)} exceeds the disruption budget`,
        `The rollout may take ${maxUnavailable} of ${w.replicas} pods down at once, but PodDisruptionBudget ${budget.name} allows only ${allowed}. Lower maxUnavailable to ${allowed} or less.`,
      );
    else ok('max-unavailable', `maxUnavailable ${maxUnavailable} within the budget of ${allowed}`);
  }

  if (!c.requests)
    warn(
      'requests',
      `No resource requests on ${c.name}`,
      `Without cpu and memory requests the scheduler may pack the new pods of ${w.ref} onto busy nodes, and extra pods during the release may not fit. Set requests.`,
    );
  else ok('requests', 'resource requests');
}

/** A count or percentage of `total`; percentages round up for budgets and down for maxUnavailable, as Kubernetes does. */
function resolveCount(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
