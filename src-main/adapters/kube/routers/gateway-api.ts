import { createHash } from 'node:crypto';
import type { V1Service } from '@kubernetes/client-node';
import type { HeaderMatch, ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import type { Colour, ExperimentRoute, TrafficSplit } from '../../../ports/release.port.ts';
import type { RouterAccess, RouterObject, RouterObjectCheck } from '../../../ports/traffic-router.port.ts';
import { VERSION_LABEL, sameMap } from '../deployment-spec.ts';
import { ClusterError } from '../kube-errors.ts';
import type { KubeObjects, RouterObjectHandle } from '../kube-objects.ts';
import {
  ROUTER_RESOURCES,
  percentWeights,
  sameRefs,
  sameRules,
  type GatewayBackendRef,
  type GatewayMatch,
  type HTTPRoute,
} from '../router-objects.ts';
import { KubeRouter, type Slot } from './kube-router.ts';

type GatewayConfig = Extract<ReleasePlan['router'], { kind: 'gateway-api' }>;
type GatewayRule = NonNullable<NonNullable<HTTPRoute['spec']>['rules']>[number];

/**
 * Gateway API: the split is the weights of an HTTPRoute rule's backendRefs to two Services (stable and canary,
 * blue and green in a blue-green), each selecting its pods. An A/B test adds header-matching rules over one
 * Service per variant (`<target>-variant-<name>`).
 */
export class GatewayApiRouter extends KubeRouter {
  readonly kind = 'gateway-api';

  private readonly route: RouterObjectHandle<HTTPRoute>;

  constructor(
    o: KubeObjects,
    private readonly r: GatewayConfig,
  ) {
    super(o);
    this.route = o.routerObject<HTTPRoute>('httpRoute', r.httpRoute, (x) => this.managedFields(x));
  }

  describe(): string {
    return `HTTPRoute ${this.o.ns}/${this.r.httpRoute}`;
  }

  async readSplit(): Promise<TrafficSplit> {
    const r = this.r;
    const hr = await this.route.read();
    if (!hr) throw this.o.missing('HTTPRoute', r.httpRoute);
    const rule = this.rule(hr);
    const weights = percentWeights(
      rule.backendRefs ?? [],
      (b) =>
        this.slotName(
          b.name === r.backendRefs.stable ? 'stable' : b.name === r.backendRefs.canary ? 'canary' : undefined,
        ),
      (b) => b.weight,
      1,
    );
    return this.fill(weights, this.describe(), hr.metadata?.resourceVersion);
  }

  override prepareCanary(version: string): Promise<void> {
    return this.ensureBackendService(this.r.backendRefs.canary, this.r.backendRefs.stable, {
      [VERSION_LABEL]: version,
    });
  }

  override prepareColour(colour: Colour, labels: Record<string, string>): Promise<void> {
    const refs = this.r.backendRefs;
    return this.ensureBackendService(colour === 'blue' ? refs.stable : refs.canary, this.o.name, labels);
  }

  override async routesToColourNamespaces(): Promise<boolean> {
    const hr = await this.route.read();
    return (hr ? (this.rule(hr, false)?.backendRefs ?? []) : []).some((b) =>
      this.isColourNamespace(b.namespace),
    );
  }

  async routeExperiment(route: ExperimentRoute): Promise<TrafficSplit> {
    const r = this.r;
    // One Service per variant, made from the stable backend's Service and selecting its pods by version label.
    for (const v of route.variants)
      await this.ensureBackendService(this.variantService(v.name), r.backendRefs.stable, {
        [VERSION_LABEL]: v.version,
      });
    await this.route.write((hr) => {
      const next = structuredClone(hr);
      const rules = next.spec?.rules ?? [];
      const primary = this.rule(next);
      const template =
        primary.backendRefs?.find((b) => b.name === r.backendRefs.stable) ?? primary.backendRefs?.[0] ?? {};
      const ref = (variant: string, weight: number): GatewayBackendRef => {
        const { name: _n, weight: _w, ...rest } = structuredClone(template);
        return {
          ...rest,
          name: this.variantService(variant),
          ...(r.backendRefs.port ? { port: r.backendRefs.port } : {}),
          weight,
        };
      };
      const base: GatewayMatch[] = primary.matches?.length
        ? primary.matches
        : [{ path: { type: 'PathPrefix', value: '/' } }];
      const withHeaders = (m: HeaderMatch): GatewayMatch[] =>
        base.map((b) => ({
          ...structuredClone(b),
          headers: [
            ...(b.headers ?? []).filter((h) => h.name.toLowerCase() !== m.header.toLowerCase()),
            m.exact !== undefined
              ? { type: 'Exact', name: m.header, value: m.exact }
              : { type: 'RegularExpression', name: m.header, value: m.regex ?? '' },
          ],
        }));
      const desired: GatewayRule[] = [
        ...route.pins.map((p) => ({ matches: withHeaders(p.match), backendRefs: [ref(p.variant, 100)] })),
        { matches: withHeaders(route.cohort), backendRefs: route.variants.map((v) => ref(v.name, v.weight)) },
      ];
      const defaultRefs = [ref(route.defaultVariant, 100)];
      const experiment = this.experimentRules(rules);
      const current = rules.filter((x) => experiment.has(x));
      if (sameRules(current, desired) && sameRefs(primary.backendRefs ?? [], defaultRefs)) return undefined;
      primary.backendRefs = defaultRefs;
      next.spec = { ...next.spec, rules: [...desired, ...rules.filter((x) => !experiment.has(x))] };
      return next;
    });
    const hr = await this.route.read();
    const cohort = (hr?.spec?.rules ?? []).find(
      (x) =>
        this.experimentRules(hr?.spec?.rules ?? []).has(x) &&
        (x.backendRefs?.length ?? 0) === route.variants.length,
    );
    const byService = new Map(route.variants.map((v) => [this.variantService(v.name), v.name]));
    const split: TrafficSplit = {
      weights: percentWeights(
        cohort?.backendRefs ?? [],
        (b) => byService.get(b.name ?? ''),
        (b) => b.weight,
        1,
      ),
      source: `HTTPRoute ${this.o.ns}/${r.httpRoute} rule matching ${route.cohort.header}`,
      resourceVersion: hr?.metadata?.resourceVersion,
    };
    if (route.stickyHeader)
      split.notes = [
        `Stickiness on ${route.stickyHeader} is not enforced by the gateway-api router: HTTPRoute ${ROUTER_RESOURCES.httpRoute.version} has no standard way to hash a header to a backend (sessionPersistence is experimental and keeps a gateway-issued session, not a user's header), so a cohort user may see both variants.`,
      ];
    return split;
  }

  protected async setSlotWeights(w: Record<Slot, number>): Promise<TrafficSplit> {
    const r = this.r;
    await this.route.write((hr) => {
      const next = structuredClone(hr);
      // An A/B test's header rules end with the release: weights go back to the primary rule alone.
      const before = next.spec?.rules ?? [];
      const experiment = this.experimentRules(before);
      const hadExperiment = experiment.size > 0;
      if (next.spec?.rules) next.spec.rules = before.filter((x) => !experiment.has(x));
      const rule = this.rule(next);
      const variantRefs = (rule.backendRefs ?? []).filter((b) => this.isVariantService(b.name));
      const refs = (rule.backendRefs = (rule.backendRefs ?? []).filter(
        (b) => !this.isVariantService(b.name),
      ));
      let stable = refs.find((b) => b.name === r.backendRefs.stable);
      if (!stable && variantRefs[0]) {
        const { name: _n, weight: _w, ...rest } = structuredClone(variantRefs[0]);
        stable = { ...rest, name: r.backendRefs.stable };
        refs.unshift(stable);
      }
      let canary = refs.find((b) => b.name === r.backendRefs.canary);
      if (!stable)
        throw new ClusterError(
          'notFound',
          `HTTPRoute ${this.o.ns}/${r.httpRoute} has no backend ${r.backendRefs.stable}.`,
          404,
        );
      if (!canary) {
        canary = {
          ...structuredClone(stable),
          name: r.backendRefs.canary,
          ...(r.backendRefs.port ? { port: r.backendRefs.port } : {}),
        };
        refs.push(canary);
      }
      const unchanged = stable.weight === w.stable && canary.weight === w.canary;
      if (unchanged && !hadExperiment && variantRefs.length === 0) return undefined;
      stable.weight = w.stable;
      canary.weight = w.canary;
      return next;
    });
    return this.readSplit();
  }

  override managedFields(object: RouterObject): Record<string, string> {
    return this.routeFields(object as HTTPRoute);
  }

  override requiredAccess(): RouterAccess[] {
    const why = 'to create the backend Service of the new version';
    return [
      ...this.routeAccess('gateway.networking.k8s.io', 'httproutes'),
      { verb: 'create', group: '', resource: 'services', why, when: 'first' },
    ];
  }

  override async checkObjects(): Promise<RouterObjectCheck[]> {
    const r = this.r;
    const hr = await this.o.getCustom<HTTPRoute>('httpRoute', r.httpRoute, () => ({}));
    const refs = (hr?.spec?.rules ?? []).flatMap((rule) => (rule.backendRefs ?? []).map((b) => b.name));
    const stable = r.backendRefs.stable;
    const service = await this.o.getOrUndefined(`reading Service ${this.o.ns}/${stable}`, () =>
      this.o.k.core.readNamespacedService({ name: stable, namespace: this.o.ns }),
    );
    return [
      {
        object: `HTTPRoute ${this.o.ns}/${r.httpRoute}`,
        problem: !hr
          ? 'does not exist'
          : refs.includes(stable)
            ? null
            : `has no backendRef to the stable Service "${stable}"`,
      },
      { object: `Service ${this.o.ns}/${stable}`, problem: service ? null : 'does not exist' },
    ];
  }

  override warnings(): string[] {
    const s = this.o.plan.strategy;
    if (s.kind !== 'ab-test' || !s.stickyHeader) return [];
    return [
      `stickyHeader ${s.stickyHeader} is not enforced by a gateway-api router: HTTPRoute has no standard way to keep a user on one variant, so a cohort user may see both variants.`,
    ];
  }

  private routeFields(hr: HTTPRoute): Record<string, string> {
    const rule = this.rule(hr, false);
    return Object.fromEntries(
      (rule?.backendRefs ?? []).map((b) => [`weight of backend ${b.name}`, String(b.weight ?? 1)]),
    );
  }

  private rule(hr: HTTPRoute): GatewayRule;
  private rule(hr: HTTPRoute, strict: false): GatewayRule | undefined;
  private rule(hr: HTTPRoute, strict = true) {
    const names = [this.r.backendRefs.stable, this.r.backendRefs.canary];
    const rules = hr.spec?.rules ?? [];
    // During an A/B test the primary rule sends everyone else to the default variant's Service.
    const experiment = this.experimentRules(rules);
    const rule =
      rules.find((x) => (x.backendRefs ?? []).some((b) => names.includes(b.name ?? ''))) ??
      rules.find(
        (x) =>
          !experiment.has(x) &&
          (x.backendRefs?.length ?? 0) > 0 &&
          (x.backendRefs ?? []).every((b) => this.isVariantService(b.name)),
      );
    if (!rule && strict)
      throw new ClusterError(
        'notFound',
        `HTTPRoute ${this.o.ns}/${hr.metadata?.name} has no rule with backend ${names.join(' or ')}.`,
        404,
      );
    return rule;
  }

  /**
   * Makes Service `name` select `extraSelector` besides what it selects; when it does not exist, creates it from
   * Service `baseName` (its ports and selector) with `extraSelector` added.
   */
  private async ensureBackendService(
    name: string,
    baseName: string,
    extraSelector: Record<string, string>,
  ): Promise<void> {
    await this.o
      .upsertService(
        name,
        (svc) => {
          const selector = { ...(svc.spec?.selector ?? {}), ...extraSelector };
          if (sameMap(selector, svc.spec?.selector)) return undefined;
          return { ...svc, spec: { ...svc.spec, selector } };
        },
        () => {
          throw new ClusterError(
            'notFound',
            `Service ${this.o.ns}/${name} does not exist; create it from ${baseName} first.`,
            404,
          );
        },
      )
      .catch(async (error: unknown) => {
        if (!(error instanceof ClusterError && error.clusterKind === 'notFound')) throw error;
        const base = await this.o.getService(baseName);
        if (!base) throw error;
        const body: V1Service = {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name, namespace: this.o.ns, labels: base.metadata?.labels ?? {} },
          spec: { ports: base.spec?.ports, selector: { ...(base.spec?.selector ?? {}), ...extraSelector } },
        };
        await this.o.upsertService(
          name,
          () => undefined,
          () => body,
        );
      });
  }

  /** The Service of an A/B variant (at most 63 characters, as Service names must be). */
  private variantService(variant: string): string {
    const full = `${this.o.name}-variant-${variant}`;
    if (full.length <= 63) return full;
    const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
    return `${full.slice(0, 54).replace(/-+$/, '')}-${hash}`;
  }

  private isVariantService(name: string | undefined): boolean {
    return (name ?? '').startsWith(`${this.o.name}-variant-`);
  }

  /**
   * The rules an A/B test added to `rules`. Every rule whose backends are all variant Services belongs to the
   * experiment except the primary one (everyone else → the default variant): the experiment's rules each add
   * one header condition to the primary rule's matches, so the primary is the one with the fewest (the last of
   * equals, as the experiment's rules are written before it).
   */
  private experimentRules(rules: readonly GatewayRule[]): Set<GatewayRule> {
    const conditions = (x: GatewayRule) =>
      Math.min(...(x.matches?.length ? x.matches : [{}]).map((m) => m.headers?.length ?? 0));
    const variantOnly = rules.filter(
      (x) =>
        (x.backendRefs?.length ?? 0) > 0 && (x.backendRefs ?? []).every((b) => this.isVariantService(b.name)),
    );
    const fewest = Math.min(...variantOnly.map(conditions));
    const primary = variantOnly.findLast((x) => conditions(x) === fewest);
    return new Set(variantOnly.filter((x) => x !== primary));
  }
}
