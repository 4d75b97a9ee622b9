import type { HeaderMatch, ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import type { Colour, ExperimentRoute, TrafficSplit } from '../../../ports/release.port.ts';
import type { RouterAccess, RouterObject, RouterObjectCheck } from '../../../ports/traffic-router.port.ts';
import { VERSION_LABEL, sameMap } from '../deployment-spec.ts';
import { ClusterError } from '../kube-errors.ts';
import type { KubeObjects, RouterObjectHandle } from '../kube-objects.ts';
import {
  percentWeights,
  subsetHashHeader,
  type DestinationRule,
  type IstioDestination,
  type IstioHttpRoute,
  type VirtualService,
} from '../router-objects.ts';
import { KubeRouter, type Slot } from './kube-router.ts';

type IstioConfig = Extract<ReleasePlan['router'], { kind: 'istio' }>;

/**
 * Istio: the split is the weights of one VirtualService HTTP route over two DestinationRule subsets (stable and
 * canary, blue and green in a blue-green). An A/B test adds header routes over one subset per variant.
 */
export class IstioRouter extends KubeRouter {
  readonly kind = 'istio';

  private readonly vs: RouterObjectHandle<VirtualService>;
  private readonly dr: RouterObjectHandle<DestinationRule>;

  constructor(
    o: KubeObjects,
    private readonly r: IstioConfig,
  ) {
    super(o);
    this.vs = o.routerObject<VirtualService>('virtualService', r.virtualService, (x) =>
      this.managedFields(x),
    );
    this.dr = o.routerObject<DestinationRule>('destinationRule', r.destinationRule, (x) =>
      this.managedFields(x),
    );
  }

  describe(): string {
    return `VirtualService ${this.o.ns}/${this.r.virtualService} route ${this.r.route}`;
  }

  async readSplit(): Promise<TrafficSplit> {
    const vs = await this.vs.read();
    if (!vs) throw this.o.missing('VirtualService', this.r.virtualService);
    const route = this.route(vs);
    const weights = percentWeights(
      route.route ?? [],
      (d) => this.slotName(this.slot(d)),
      (d) => d.weight,
      (route.route?.length ?? 0) === 1 ? 100 : 0,
    );
    return this.fill(weights, this.describe(), vs.metadata?.resourceVersion);
  }

  override prepareCanary(version: string): Promise<void> {
    return this.ensureSubset(this.r.canarySubset, { [VERSION_LABEL]: version });
  }

  override prepareColour(colour: Colour, labels: Record<string, string>): Promise<void> {
    return this.ensureSubset(colour === 'blue' ? this.r.stableSubset : this.r.canarySubset, labels);
  }

  override async routesToColourNamespaces(): Promise<boolean> {
    const vs = await this.vs.read();
    const hosts = (vs ? (this.route(vs, false)?.route ?? []) : []).map((d) => d.destination?.host ?? '');
    return hosts.some((h) => this.isColourNamespace(h.split('.')[1]));
  }

  async routeExperiment(route: ExperimentRoute): Promise<TrafficSplit> {
    const r = this.r;
    // One DestinationRule subset per variant, selecting its pods by version label; sticky by consistent hash.
    for (const v of route.variants)
      await this.ensureSubset(`variant-${v.name}`, { [VERSION_LABEL]: v.version }, route.stickyHeader);
    const headerMatch = (m: HeaderMatch) => ({
      [m.header.toLowerCase()]: m.exact !== undefined ? { exact: m.exact } : { regex: m.regex ?? '' },
    });
    const names = new Set([...route.pins.map((_p, i) => `${r.route}-pin-${i}`), `${r.route}-experiment`]);
    await this.vs.write((vs) => {
      const next = structuredClone(vs);
      const http = next.spec?.http ?? [];
      const primary = this.route(next);
      const host = primary.route?.[0]?.destination?.host ?? this.o.name;
      const base = (primary.match as { headers?: unknown }[] | undefined) ?? [{}];
      const withHeaders = (m: HeaderMatch) =>
        base.map((b) => ({ ...b, headers: { ...((b.headers as object) ?? {}), ...headerMatch(m) } }));
      const dest = (variant: string, weight: number) => ({
        destination: { host, subset: `variant-${variant}` },
        weight,
      });
      const desired: IstioHttpRoute[] = [
        ...route.pins.map((p, i) => ({
          name: `${r.route}-pin-${i}`,
          match: withHeaders(p.match),
          route: [dest(p.variant, 100)],
        })),
        {
          name: `${r.route}-experiment`,
          match: withHeaders(route.cohort),
          route: route.variants.map((v) => dest(v.name, v.weight)),
        },
      ];
      const defaultRoute = [dest(route.defaultVariant, 100)];
      const current = http.filter((h) => names.has(h.name ?? ''));
      if (
        JSON.stringify(current) === JSON.stringify(desired) &&
        JSON.stringify(primary.route) === JSON.stringify(defaultRoute)
      )
        return undefined;
      primary.route = defaultRoute;
      next.spec = { ...next.spec, http: [...desired, ...http.filter((h) => !names.has(h.name ?? ''))] };
      return next;
    });
    const vs = await this.vs.read();
    const experiment = vs?.spec?.http?.find((h) => h.name === `${r.route}-experiment`);
    const split: TrafficSplit = {
      weights: percentWeights(
        experiment?.route ?? [],
        (d) => d.destination?.subset?.replace(/^variant-/, ''),
        (d) => d.weight,
        0,
      ),
      source: `VirtualService ${this.o.ns}/${r.virtualService} route ${r.route}-experiment`,
      resourceVersion: vs?.metadata?.resourceVersion,
    };
    if (route.stickyHeader) {
      const dr = await this.dr.read();
      const hashed = route.variants.every(
        (v) =>
          subsetHashHeader(dr?.spec?.subsets?.find((s) => s.name === `variant-${v.name}`)) ===
          route.stickyHeader,
      );
      split.notes = [
        hashed
          ? `Sticky on ${route.stickyHeader}: DestinationRule ${this.o.ns}/${r.destinationRule} hashes it (consistentHash.httpHeaderName) in every variant subset, so a user stays on one pod of a variant; Istio draws the weighted choice between variants per request, so a cohort user is not held to one variant.`
          : `Stickiness on ${route.stickyHeader} is not in effect: DestinationRule ${this.o.ns}/${r.destinationRule} does not hash it in every variant subset.`,
      ];
    }
    return split;
  }

  protected async setSlotWeights(w: Record<Slot, number>): Promise<TrafficSplit> {
    const r = this.r;
    await this.vs.write((vs) => {
      const next = structuredClone(vs);
      // An A/B test's header routes end with the release: weights go back to the primary route alone.
      const isExperiment = (h: IstioHttpRoute) =>
        h.name === `${r.route}-experiment` || (h.name ?? '').startsWith(`${r.route}-pin-`);
      const hadExperiment = (next.spec?.http ?? []).some(isExperiment);
      if (next.spec?.http) next.spec.http = next.spec.http.filter((h) => !isExperiment(h));
      const route = this.route(next);
      const dests = (route.route ?? []).filter((d) => !(d.destination?.subset ?? '').startsWith('variant-'));
      let stable = dests.find((d) => this.slot(d) === 'stable');
      let canary = dests.find((d) => this.slot(d) === 'canary');
      if (!stable && (hadExperiment || dests.length === 0)) {
        stable = {
          destination: { host: route.route?.[0]?.destination?.host ?? this.o.name, subset: r.stableSubset },
        };
        dests.unshift(stable);
      }
      if (!stable)
        throw new ClusterError(
          'notFound',
          `VirtualService ${this.o.ns}/${r.virtualService} route ${r.route} has no destination with subset ${r.stableSubset}.`,
          404,
        );
      if (!canary) {
        canary = {
          ...structuredClone(stable),
          destination: { ...stable.destination, subset: r.canarySubset },
        };
        dests.push(canary);
      }
      const unchanged = stable.weight === w.stable && canary.weight === w.canary && route.route?.length === 2;
      if (unchanged && !hadExperiment && dests.length === 2) return undefined;
      stable.weight = w.stable;
      canary.weight = w.canary;
      route.route = dests.filter((d) => d === stable || d === canary || (d.weight ?? 0) > 0);
      return next;
    });
    return this.readSplit();
  }

  override managedFields(object: RouterObject): Record<string, string> {
    return object.kind === 'DestinationRule'
      ? this.drFields(object as DestinationRule)
      : this.vsFields(object as VirtualService);
  }

  override requiredAccess(): RouterAccess[] {
    const group = 'networking.istio.io';
    const why = 'to point the subset at the new pods';
    return [
      ...this.routeAccess(group, 'virtualservices'),
      { verb: 'update', group, resource: 'destinationrules', why, when: 'first' },
    ];
  }

  override async checkObjects(): Promise<RouterObjectCheck[]> {
    const r = this.r;
    const vs = await this.o.getCustom<VirtualService>('virtualService', r.virtualService, () => ({}));
    const dr = await this.o.getCustom<DestinationRule>('destinationRule', r.destinationRule, () => ({}));
    const routes = vs?.spec?.http ?? [];
    const subsets = (dr?.spec?.subsets ?? []).map((x) => x.name);
    // The canary subset is created by the release itself; the stable one must be there.
    const named = routes.some((h) => h.name === r.route) || (routes.length === 1 && !routes[0]?.name);
    return [
      {
        object: `VirtualService ${this.o.ns}/${r.virtualService}`,
        problem: !vs ? 'does not exist' : named ? null : `has no http route named "${r.route}"`,
      },
      {
        object: `DestinationRule ${this.o.ns}/${r.destinationRule}`,
        problem: !dr
          ? 'does not exist'
          : subsets.includes(r.stableSubset)
            ? null
            : `has no subset "${r.stableSubset}" (it has ${subsets.length ? subsets.map((x) => `"${x}"`).join(', ') : 'none'})`,
      },
    ];
  }

  override warnings(): string[] {
    const s = this.o.plan.strategy;
    if (s.kind !== 'ab-test' || !s.stickyHeader) return [];
    return [
      `stickyHeader ${s.stickyHeader} keeps a user on one pod of a variant (DestinationRule consistent hash), but Istio draws the weighted choice between variants per request; pin users with a header match for a strict assignment.`,
    ];
  }

  private vsFields(vs: VirtualService): Record<string, string> {
    const route = this.route(vs, false);
    return Object.fromEntries(
      (route?.route ?? []).map((d) => [
        `weight of ${d.destination?.subset ? `subset ${d.destination.subset}` : `host ${d.destination?.host}`}`,
        String(d.weight ?? ''),
      ]),
    );
  }

  private drFields(dr: DestinationRule): Record<string, string> {
    const subsets = dr.spec?.subsets ?? [];
    return Object.fromEntries(
      subsets.map((s) => [`labels of subset ${s.name}`, JSON.stringify(s.labels ?? {})]),
    );
  }

  private route(vs: VirtualService): IstioHttpRoute;
  private route(vs: VirtualService, strict: false): IstioHttpRoute | undefined;
  private route(vs: VirtualService, strict = true) {
    const routeName = this.r.route;
    const http = vs.spec?.http ?? [];
    const route = http.find((h) => h.name === routeName) ?? (http.length === 1 ? http[0] : undefined);
    if (!route && strict)
      throw new ClusterError(
        'notFound',
        `VirtualService ${this.o.ns}/${vs.metadata?.name} has no HTTP route named "${routeName}".`,
        404,
      );
    return route;
  }

  private slot(d: IstioDestination): Slot | undefined {
    const subset = d.destination?.subset;
    if (subset === this.r.stableSubset) return 'stable';
    if (subset === this.r.canarySubset) return 'canary';
    if (!this.o.blueGreen || subset) return undefined;
    // Runbook layout: destinations are the colour Services by host, e.g. web-green.shop-green.svc.cluster.local.
    const [short = '', hostNs = ''] = (d.destination?.host ?? '').split('.');
    if (short.endsWith('-blue') || hostNs.endsWith('-blue')) return 'stable';
    if (short.endsWith('-green') || hostNs.endsWith('-green')) return 'canary';
    return undefined;
  }

  private async ensureSubset(
    subset: string,
    labels: Record<string, string>,
    stickyHeader?: string,
  ): Promise<void> {
    await this.dr.write((dr) => {
      const next = structuredClone(dr);
      next.spec = next.spec ?? {};
      const subsets = (next.spec.subsets ??= []);
      const found = subsets.find((s) => s.name === subset);
      const hashOk = stickyHeader === undefined || subsetHashHeader(found) === stickyHeader;
      if (found && sameMap(found.labels, labels) && hashOk) return undefined;
      const target = found ?? { name: subset };
      if (!found) subsets.push(target);
      target.labels = labels;
      if (!hashOk) {
        // Only the load balancer of this subset changes; its other traffic policy stays as it was.
        const policy = (target.trafficPolicy ??= {});
        policy.loadBalancer = { consistentHash: { httpHeaderName: stickyHeader } };
      }
      return next;
    });
  }
}
