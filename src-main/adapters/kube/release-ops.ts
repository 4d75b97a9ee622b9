import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type {
  Colour,
  ExperimentRoute,
  JobResult,
  JobSpec,
  ProbeTally,
  ReleaseOps,
  SmokeCheck,
  SmokeResult,
  TrafficSplit,
  WorkloadRole,
  WorkloadState,
} from '../../ports/release.port.ts';
import type { TrafficRouter } from '../../ports/traffic-router.port.ts';
import { ColourWorkloads } from './colours.ts';
import { clampPercent } from './deployment-spec.ts';
import { runJob } from './jobs.ts';
import { createKubeClient } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import { KubeObjects, type KubeReleaseOpsOptions } from './kube-objects.ts';
import { createRouter } from './routers/registry.ts';
import { ColourProbes } from './smoke.ts';
import { WorkloadOps } from './workload-ops.ts';

export type { KubeReleaseOpsOptions } from './kube-objects.ts';

/**
 * `ReleaseOps` over `@kubernetes/client-node` for `plan` (its target, router and strategy), connected with
 * `kubeconfigYaml` (its current-context is used). Every mutation reads first and writes only what differs,
 * with the resourceVersion it read: a 409 is re-read and re-decided; a change by someone else to a field
 * Switchyard manages is drift and throws `ClusterError` `conflict`. Idempotent reads retry with jittered
 * backoff on unreachable, timeout and 5xx. Throws `ClusterError` `invalidConfig` when the kubeconfig is unusable.
 */
export function createKubeReleaseOps(
  kubeconfigYaml: string,
  plan: ReleasePlan,
  options: KubeReleaseOpsOptions = {},
): ReleaseOps {
  const objects = new KubeObjects(createKubeClient(kubeconfigYaml, options), plan, options);
  return new KubeReleaseOps(objects, createRouter(objects));
}

/**
 * The machines' view of a release, composed: the plan's traffic router (routers/, picked by routers/registry.ts)
 * moves traffic; the workload operations, the colours, the probes and the Jobs do the rest, whatever the router.
 */
class KubeReleaseOps implements ReleaseOps {
  private readonly workloads: WorkloadOps;
  private readonly colours: ColourWorkloads;
  private readonly probes: ColourProbes;

  constructor(
    private readonly o: KubeObjects,
    private readonly router: TrafficRouter,
  ) {
    this.workloads = new WorkloadOps(o, router);
    this.colours = new ColourWorkloads(o, router);
    this.probes = new ColourProbes(o, (colour) => this.colours.deployment(colour));
  }

  readSplit(): Promise<TrafficSplit> {
    return this.router.readSplit();
  }

  async ensureCanary(image: string, version: string): Promise<void> {
    await this.workloads.ensureCanary(image, version);
    await this.router.prepareCanary(version);
  }

  async setCanaryWeight(percent: number): Promise<TrafficSplit> {
    const p = clampPercent(percent);
    await this.workloads.checkStableImage();
    return this.router.setCanaryWeight(p);
  }

  scaleForWeight(percent: number): Promise<{ replicas: number }> {
    return this.workloads.scaleForWeight(percent);
  }

  async promoteCanary(image: string): Promise<TrafficSplit> {
    await this.workloads.promoteImage(image);
    return this.router.promote();
  }

  abortCanary(): Promise<TrafficSplit> {
    return this.router.abort();
  }

  async routeExperiment(route: ExperimentRoute): Promise<TrafficSplit> {
    if (!this.router.routeExperiment)
      throw new ClusterError(
        'invalidConfig',
        `An A/B test routes by header, which a ${this.router.kind} router cannot do; use a router that routes requests by header.`,
      );
    return this.router.routeExperiment(route);
  }

  activeColour(): Promise<Colour> {
    return this.colours.active();
  }

  deployColour(colour: Colour, image: string): Promise<void> {
    return this.colours.deploy(colour, image);
  }

  async switchTo(colour: Colour): Promise<TrafficSplit> {
    await this.colours.checkStable(colour);
    return this.router.switchColour(colour, () => this.colours.podLabels(colour));
  }

  scaleColour(colour: Colour, replicas: number): Promise<void> {
    return this.colours.scale(colour, replicas);
  }

  warmup(...args: Parameters<ReleaseOps['warmup']>): Promise<ProbeTally> {
    return this.probes.warmup(...args);
  }

  smoke(colour: Colour, checks: readonly SmokeCheck[], signal?: AbortSignal): Promise<SmokeResult[]> {
    return this.probes.smoke(colour, checks, signal);
  }

  setImage(image: string): Promise<{ revision: number }> {
    return this.workloads.setImage(image);
  }

  restoreRollout(): Promise<void> {
    return this.workloads.restoreRollout();
  }

  undo(revision?: number): Promise<void> {
    return this.workloads.undo(revision);
  }

  async workloadState(which: WorkloadRole): Promise<WorkloadState> {
    const { o } = this;
    const dep =
      which === 'stable'
        ? await o.getDeployment(o.name, false)
        : which === 'canary'
          ? await o.getDeployment(o.canaryName(), false)
          : await this.colours.deployment(which).catch(() => undefined);
    if (!dep)
      throw o.missing(
        'Deployment',
        which === 'stable' ? o.name : which === 'canary' ? o.canaryName() : `${o.name}-${which}`,
      );
    return this.workloads.state(dep);
  }

  runJob(spec: JobSpec, signal?: AbortSignal): Promise<JobResult> {
    return runJob(this.o, spec, signal);
  }
}
