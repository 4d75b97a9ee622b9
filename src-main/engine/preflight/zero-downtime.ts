import { durationMs } from '../../../src-shared/plan/duration.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { PreflightFinding, PreflightPass } from '../../../src-shared/preflight/preflight.schema.ts';
import type { BudgetFacts, WorkloadFacts } from '../../ports/preflight-cluster.port.ts';
import { trafficSteps } from './plan-steps.ts';

/** Runbook connection-drain time when the plan does not set one (seconds). */
const DEFAULT_DRAIN_SECONDS = 30;

export function auditZeroDowntime(
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
