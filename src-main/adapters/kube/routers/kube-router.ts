import type { PreflightFinding } from '../../../../src-shared/preflight/preflight.schema.ts';
import type { Colour, TrafficSplit } from '../../../ports/release.port.ts';
import type {
  RouterAccess,
  RouterObject,
  RouterObjectCheck,
  TrafficRouter,
} from '../../../ports/traffic-router.port.ts';
import { VERSION_LABEL, clampPercent } from '../deployment-spec.ts';
import { ClusterError } from '../kube-errors.ts';
import type { KubeObjects } from '../kube-objects.ts';

/** The two backends a router weights: the stable workload and the canary (blue and green in a blue-green). */
export type Slot = 'stable' | 'canary';

/**
 * What the routers over Kubernetes share: a router that weights requests between a stable and a canary
 * backend (`setSlotWeights`) gets the canary's scaling, promotion, abort and the blue-green switch from here.
 * A router overrides what it does otherwise; the preflight members default to nothing to say.
 */
export abstract class KubeRouter implements TrafficRouter {
  abstract readonly kind: string;
  readonly canSwitchColours: boolean = true;
  readonly versionLabel: string = VERSION_LABEL;

  constructor(protected readonly o: KubeObjects) {}

  abstract describe(): string;
  abstract readSplit(): Promise<TrafficSplit>;
  /** Sets the weights (percent) of the stable and canary backends; returns the split read back. */
  protected abstract setSlotWeights(w: Record<Slot, number>): Promise<TrafficSplit>;

  async prepareCanary(_version: string): Promise<void> {}

  async canaryReplicasFor(percent: number): Promise<number> {
    const p = clampPercent(percent);
    if (p === 0) return 0;
    const stable = await this.o.getDeployment(this.o.name);
    return Math.max(1, Math.ceil(((stable?.spec?.replicas ?? 1) * p) / 100));
  }

  async setCanaryWeight(percent: number): Promise<TrafficSplit> {
    const p = clampPercent(percent);
    if (p > 0) {
      const wanted = await this.canaryReplicasFor(p);
      const canary = await this.o.getDeployment(this.o.canaryName());
      if (canary && (canary.spec?.replicas ?? 0) < wanted) await this.o.scale(this.o.canaryName(), wanted);
    }
    return this.setSlotWeights({ stable: 100 - p, canary: p });
  }

  async promote(): Promise<TrafficSplit> {
    await this.o.waitReady(this.o.name);
    return this.allToStable();
  }

  abort(): Promise<TrafficSplit> {
    return this.allToStable();
  }

  private async allToStable(): Promise<TrafficSplit> {
    const split = await this.setSlotWeights({ stable: 100, canary: 0 });
    if (await this.o.getDeployment(this.o.canaryName())) await this.o.scale(this.o.canaryName(), 0);
    return split;
  }

  async prepareColour(_colour: Colour, _labels: Record<string, string>): Promise<void> {}

  switchColour(colour: Colour, _podLabels: () => Promise<Record<string, string>>): Promise<TrafficSplit> {
    return this.setSlotWeights(colour === 'blue' ? { stable: 100, canary: 0 } : { stable: 0, canary: 100 });
  }

  async routesToColourNamespaces(): Promise<boolean> {
    return false;
  }

  managedFields(_object: RouterObject): Record<string, string> {
    return {};
  }

  requiredAccess(): RouterAccess[] {
    return [];
  }

  async checkObjects(): Promise<RouterObjectCheck[]> {
    return [];
  }

  async planFindings(_workloadReplicas: number): Promise<PreflightFinding[]> {
    return [];
  }

  warnings(): string[] {
    return [];
  }

  /** The track a slot shows as: `stable`/`canary`, or `blue`/`green` in a blue-green release. */
  protected slotName(slot: Slot | undefined): string | undefined {
    if (!slot) return undefined;
    if (!this.o.blueGreen) return slot;
    return slot === 'stable' ? 'blue' : 'green';
  }

  /** A split with both tracks present (0 when the router object does not name one). */
  protected fill(
    weights: Record<string, number>,
    source: string,
    resourceVersion: string | undefined,
  ): TrafficSplit {
    const [a, b] = this.o.blueGreen ? ['blue', 'green'] : ['stable', 'canary'];
    return { weights: { [a!]: weights[a!] ?? 0, [b!]: weights[b!] ?? 0 }, source, resourceVersion };
  }

  /** Reading and moving traffic on a route object of `resource` (plural) in API `group`. */
  protected routeAccess(group: string, resource: string): RouterAccess[] {
    return [
      { verb: 'get', group, resource, why: 'to read the traffic split', when: 'traffic' },
      { verb: 'update', group, resource, why: 'to move traffic', when: 'traffic' },
    ];
  }

  /** `invalidConfig`: this router does not do `what`. */
  protected cannot(what: string): ClusterError {
    return new ClusterError('invalidConfig', `${what} is not something a ${this.kind} router can do.`);
  }

  /** Whether a namespace is one of the runbook's colour namespaces of the target's (`<ns>-blue`, `<ns>-green`). */
  protected isColourNamespace(ns: string | undefined): boolean {
    return ns === `${this.o.ns}-blue` || ns === `${this.o.ns}-green`;
  }
}
