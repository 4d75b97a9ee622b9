import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import { darkFlagFinding, flagProviderFindings } from './flag-findings.ts';
import { flagRampOf } from '../../../src-shared/plan/flag-with-deploy.ts';
import type { FlagProvider } from '../../ports/exposure.port.ts';
import type {
  PlanStepRef,
  PreflightFinding,
  PreflightPass,
  PreflightResult,
} from '../../../src-shared/preflight/preflight.schema.ts';
import type { MetricsPort } from '../../ports/metrics.port.ts';
import type { AnalysisSource } from '../../ports/release.port.ts';
import type { AccessNeed, PreflightCluster } from '../../ports/preflight-cluster.port.ts';
import type { RouterAccess } from '../../ports/traffic-router.port.ts';
import { planFindings, routerObjectFindings } from './plan-findings.ts';
import { checkQueries } from './query-checks.ts';
import { firstChangeStep, trafficSteps } from './plan-steps.ts';
import { auditZeroDowntime } from './zero-downtime.ts';

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
  // A flag ramp's flag system is checked alone, or beside the deploy it follows (flag with deploy).
  const flagRamp = flagRampOf(plan);
  if (deps.flags && flagRamp) {
    const flag = await flagProviderFindings(deps.flags, flagRamp, deps.signal);
    findings.push(...flag.findings);
    passed.push(...flag.passed);
    if (plan.flagRamp) await darkFlagFinding(deps.flags, plan.flagRamp, findings, passed, deps.signal);
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
