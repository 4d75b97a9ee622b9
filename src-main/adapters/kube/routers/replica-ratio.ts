import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import type { PreflightFinding } from '../../../../src-shared/preflight/preflight.schema.ts';
import type { TrafficSplit } from '../../../ports/release.port.ts';
import { TOTAL_REPLICAS_ANNOTATION, clampPercent } from '../deployment-spec.ts';
import { ClusterError } from '../kube-errors.ts';
import type { KubeObjects } from '../kube-objects.ts';
import { KubeRouter } from './kube-router.ts';

type RatioConfig = Extract<ReleasePlan['router'], { kind: 'replica-ratio' }>;

/**
 * No traffic router at all: the stable and canary Deployments share one Service, so the canary's share of
 * traffic is its share of the pods (precision 1/total). Weights move by scaling both Deployments, the side that
 * gains traffic first so capacity never dips. It cannot switch colours or route by header.
 */
export class ReplicaRatioRouter extends KubeRouter {
  readonly kind = 'replica-ratio';
  override readonly canSwitchColours = false;

  constructor(
    o: KubeObjects,
    private readonly r: RatioConfig,
  ) {
    super(o);
  }

  describe(): string {
    return `replicas of Deployments ${this.o.ns}/${this.o.name} and ${this.o.canaryName()}`;
  }

  async readSplit(): Promise<TrafficSplit> {
    const { ns, name } = this.o;
    const stable = await this.o.getDeployment(name);
    if (!stable) throw this.o.missing('Deployment', name);
    const canary = await this.o.getDeployment(this.o.canaryName());
    const s = stable.spec?.replicas ?? 0;
    const c = canary?.spec?.replicas ?? 0;
    const canaryPct = s + c === 0 ? 0 : Math.round((c / (s + c)) * 10_000) / 100;
    return {
      weights: { stable: 100 - canaryPct, canary: canaryPct },
      source: `replicas of Deployments ${ns}/${name} (${s}) and ${this.o.canaryName()} (${c})`,
      resourceVersion: stable.metadata?.resourceVersion,
    };
  }

  replicaTotal(stableReplicas: number | undefined): number {
    return this.r.replicas ?? stableReplicas ?? 1;
  }

  override async canaryReplicasFor(percent: number): Promise<number> {
    const p = clampPercent(percent);
    if (p === 0) return 0;
    return Math.round(((await this.total()) * p) / 100);
  }

  override async setCanaryWeight(percent: number): Promise<TrafficSplit> {
    const p = clampPercent(percent);
    const total = await this.total();
    const canary = Math.round((total * p) / 100);
    // Grow the side that gains traffic first, so capacity never dips.
    const steps: [string, number][] = [
      [this.o.canaryName(), canary],
      [this.o.name, total - canary],
    ];
    const current = await this.o.getDeployment(this.o.canaryName());
    if ((current?.spec?.replicas ?? 0) > canary) steps.reverse();
    for (const [dep, replicas] of steps) await this.o.scale(dep, replicas);
    return this.readSplit();
  }

  override async promote(): Promise<TrafficSplit> {
    const total = await this.total();
    await this.o.scale(this.o.name, total);
    await this.o.waitReady(this.o.name);
    await this.o.scale(this.o.canaryName(), 0);
    return this.readSplit();
  }

  override async abort(): Promise<TrafficSplit> {
    const total = await this.total();
    await this.o.scale(this.o.name, total);
    if (await this.o.getDeployment(this.o.canaryName())) await this.o.scale(this.o.canaryName(), 0);
    return this.readSplit();
  }

  protected setSlotWeights(): Promise<TrafficSplit> {
    return Promise.reject(this.cannot('Weighting requests between two backends'));
  }

  override switchColour(): Promise<TrafficSplit> {
    return Promise.reject(
      new ClusterError(
        'invalidConfig',
        `A blue-green switch needs a router that can send all traffic to one colour, not ${this.kind}.`,
      ),
    );
  }

  override async planFindings(workloadReplicas: number): Promise<PreflightFinding[]> {
    const s = this.o.plan.strategy;
    if (s.kind !== 'canary') return [];
    const total = this.r.replicas ?? workloadReplicas;
    return s.steps.flatMap((step, index): PreflightFinding[] => {
      if (!('setWeight' in step)) return [];
      const pods = Math.round((total * step.setWeight) / 100);
      const none = step.setWeight > 0 && pods === 0;
      const all = step.setWeight < 100 && pods >= total;
      if (!none && !all) return [];
      return [
        {
          id: `plan:replica-ratio-${index}`,
          check: 'routing',
          severity: 'blocker',
          title: `Step ${index + 1} (${step.setWeight} %) cannot be honoured with ${total} replicas`,
          explanation: `A replica-ratio canary moves traffic by pods: ${step.setWeight} % of ${total} replicas rounds to ${pods} canary pod(s), so ${none ? 'no traffic would reach the new version' : 'every pod would run the new version'}. The smallest step ${total} replicas can show is ${Math.round(10_000 / total) / 100} %; use more replicas (router.replicas) or other weights.`,
          steps: [{ index, label: `step ${index + 1}: setWeight ${step.setWeight}` }],
        },
      ];
    });
  }

  /** The total replicas: the plan's, else as noted on the canary when it was created, else stable + canary now. */
  private async total(): Promise<number> {
    if (this.r.replicas !== undefined) return this.r.replicas;
    const canary = await this.o.getDeployment(this.o.canaryName());
    const noted = Number(canary?.metadata?.annotations?.[TOTAL_REPLICAS_ANNOTATION]);
    if (Number.isFinite(noted) && noted > 0) return noted;
    const stable = await this.o.getDeployment(this.o.name);
    return (stable?.spec?.replicas ?? 0) + (canary?.spec?.replicas ?? 0);
  }
}
