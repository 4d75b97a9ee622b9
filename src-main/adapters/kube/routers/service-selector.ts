import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import type { Colour, TrafficSplit } from '../../../ports/release.port.ts';
import type { RouterAccess, RouterObjectCheck } from '../../../ports/traffic-router.port.ts';
import { COLOUR_LABEL, sameMap } from '../deployment-spec.ts';
import { ClusterError } from '../kube-errors.ts';
import type { KubeObjects } from '../kube-objects.ts';
import { KubeRouter } from './kube-router.ts';

type SelectorConfig = Extract<ReleasePlan['router'], { kind: 'service-selector' }>;

/**
 * A Service's selector: all traffic goes to the pods it selects. It weights nothing (no canary); it switches
 * a blue-green by selecting the other colour's pods (colour and version labels), and a rolling release
 * changes the pods it selects in place.
 */
export class ServiceSelectorRouter extends KubeRouter {
  readonly kind = 'service-selector';
  override readonly versionLabel: string;

  constructor(
    o: KubeObjects,
    private readonly r: SelectorConfig,
  ) {
    super(o);
    this.versionLabel = r.versionLabel;
  }

  describe(): string {
    return `Service ${this.o.ns}/${this.r.service} selector`;
  }

  async readSplit(): Promise<TrafficSplit> {
    const svc = await this.o.getService(this.r.service);
    if (!svc) throw this.o.missing('Service', this.r.service);
    const source = this.describe();
    if (this.o.blueGreen) {
      const active = await this.colourOf(svc.spec?.selector ?? {});
      return {
        weights: { blue: active === 'blue' ? 100 : 0, green: active === 'green' ? 100 : 0 },
        source,
        resourceVersion: svc.metadata?.resourceVersion,
      };
    }
    const value = svc.spec?.selector?.[this.r.versionLabel] ?? 'stable';
    return { weights: { [value]: 100 }, source, resourceVersion: svc.metadata?.resourceVersion };
  }

  protected setSlotWeights(): Promise<TrafficSplit> {
    return Promise.reject(
      new ClusterError(
        'invalidConfig',
        `Traffic weights need a router that weights requests, not ${this.kind}: a Service selects all of its pods or none.`,
      ),
    );
  }

  override async switchColour(
    colour: Colour,
    podLabels: () => Promise<Record<string, string>>,
  ): Promise<TrafficSplit> {
    const r = this.r;
    const labels = await podLabels();
    await this.o.upsertService(r.service, (svc) => {
      const selector = { ...(svc.spec?.selector ?? {}) };
      delete selector[COLOUR_LABEL];
      const colourValue = labels[COLOUR_LABEL];
      const versionValue = labels[r.versionLabel];
      if (colourValue) selector[COLOUR_LABEL] = colourValue;
      if (versionValue) selector[r.versionLabel] = versionValue;
      if (sameMap(selector, svc.spec?.selector)) return undefined;
      return { ...svc, spec: { ...svc.spec, selector } };
    });
    return this.readSplit();
  }

  /** See `TrafficRouter.keepOffIdle`: the version label of the serving pods first, else another label of theirs. */
  async keepOffIdle(serving: Record<string, string>, idle: Record<string, string>): Promise<void> {
    if (!this.o.blueGreen) return;
    await this.o.upsertService(this.r.service, (svc) => {
      const selector = svc.spec?.selector ?? {};
      const entries = Object.entries(selector);
      if (entries.length === 0 || !entries.every(([key, value]) => idle[key] === value)) return undefined;
      const key = [this.versionLabel, ...Object.keys(serving)].find(
        (k) => serving[k] !== undefined && serving[k] !== idle[k],
      );
      if (key === undefined) return undefined;
      return { ...svc, spec: { ...svc.spec, selector: { ...selector, [key]: serving[key]! } } };
    });
  }

  async selectedColour(): Promise<Colour> {
    const svc = await this.o.getService(this.r.service);
    return svc?.spec?.selector?.[COLOUR_LABEL] === 'green' ? 'green' : 'blue';
  }

  override requiredAccess(): RouterAccess[] {
    if (!this.o.blueGreen) return [];
    return [
      {
        verb: 'update',
        group: '',
        resource: 'services',
        why: 'to switch the Service selector',
        when: 'traffic',
      },
    ];
  }

  override async checkObjects(): Promise<RouterObjectCheck[]> {
    const name = this.r.service;
    const svc = await this.o.getOrUndefined(`reading Service ${this.o.ns}/${name}`, () =>
      this.o.k.core.readNamespacedService({ name, namespace: this.o.ns }),
    );
    return [{ object: `Service ${this.o.ns}/${name}`, problem: svc ? null : 'does not exist' }];
  }

  async podsWithoutTraffic(
    podLabels: Record<string, string>,
  ): Promise<{ title: string; description: string } | undefined> {
    const { ns, name } = this.o;
    const service = this.r.service;
    const svc = await this.o.getOrUndefined(`reading Service ${ns}/${service}`, () =>
      this.o.k.core.readNamespacedService({ name: service, namespace: ns }),
    );
    const selector = svc?.spec?.selector ?? {};
    const missing = Object.entries(selector).filter(([key, value]) => podLabels[key] !== value);
    if (!svc || missing.length === 0) return undefined;
    const selects = Object.entries(selector)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    return {
      title: `Service ${ns}/${service} sends no traffic to the pods of Deployment ${ns}/${name}`,
      description: `Service ${ns}/${service} selects ${selects}, which the pods of Deployment ${ns}/${name} do not carry (${missing.map(([key]) => `${key}=${podLabels[key] ?? 'unset'}`).join(', ')}), so a rolling update would change pods that serve nothing and judge a version nobody uses. Another Deployment serves it (e.g. a blue-green colour): release it with blue-green, or point the Service back at ${name}.`,
    };
  }

  /** The colour a selector picks: its colour label, or else green when it matches `<name>-green`'s pods. */
  private async colourOf(selector: Record<string, string>): Promise<Colour> {
    if (selector[COLOUR_LABEL] === 'green' || selector[COLOUR_LABEL] === 'blue')
      return selector[COLOUR_LABEL];
    const green = await this.o.getDeployment(`${this.o.name}-green`, false);
    const labels = green?.spec?.template?.metadata?.labels ?? {};
    return green && Object.entries(selector).every(([k, v]) => labels[k] === v) ? 'green' : 'blue';
  }
}
