import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type {
  V1Deployment,
  V1Job,
  V1Pod,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1Service,
} from '@kubernetes/client-node';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { HeaderMatch } from '../../../src-shared/plan/plan.schema.ts';
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
import { DriftGuard, type ManagedFields } from './drift-guard.ts';
import { createKubeClient, sleep, type KubeClient, type KubeClientOptions } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RELEASE_ANNOTATION } from './managed.ts';
import {
  ROUTER_RESOURCES,
  percentWeights,
  sameRefs,
  sameRules,
  subsetHashHeader,
  type DestinationRule,
  type GatewayBackendRef,
  type GatewayMatch,
  type HTTPRoute,
  type IstioDestination,
  type IstioHttpRoute,
  type VirtualService,
} from './router-objects.ts';

/** Options of `createKubeReleaseOps`. */
export interface KubeReleaseOpsOptions extends KubeClientOptions {
  /** Time between two reads while waiting for a workload or a Job, milliseconds. Default 500. */
  readonly pollMs?: number;
  /** How long `promoteCanary` waits for the stable workload to become ready, milliseconds. Default 600 000. */
  readonly readyTimeoutMs?: number;
  /** How long `runJob` waits for the Job, milliseconds. Default 1 800 000. */
  readonly jobTimeoutMs?: number;
  /** `fieldManager` sent with every write. Default `switchyard`. */
  readonly fieldManager?: string;
  /** Release id; makes Job names unique per release. Default the plan's name. */
  readonly releaseId?: string;
}

/** Label that carries the version on canary pods and Istio subsets. */
export const VERSION_LABEL = 'version';
/** Label that carries the colour on blue-green pods, subsets and Service selectors. */
export const COLOUR_LABEL = 'colour';
/** Annotation on the canary Deployment keeping the total replica count of a replica-ratio router. */
export const TOTAL_REPLICAS_ANNOTATION = 'switchyard.dev/total-replicas';
/**
 * Annotation keeping the stable workload's image when a release began: on the canary Deployment, and on the
 * Deployment a rolling release updates (beside `switchyard.dev/release`).
 */
export const STABLE_IMAGE_ANNOTATION = 'switchyard.dev/stable-image';
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Annotation on a rolling release's Deployment keeping its rollout settings from before the release (JSON). */
export const ROLLOUT_BEFORE_ANNOTATION = 'switchyard.dev/rollout-before';

type Slot = 'stable' | 'canary';
type IstioRouter = Extract<ReleasePlan['router'], { kind: 'istio' }>;
type GatewayRouter = Extract<ReleasePlan['router'], { kind: 'gateway-api' }>;
type GatewayRule = NonNullable<NonNullable<HTTPRoute['spec']>['rules']>[number];

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
  const client = createKubeClient(kubeconfigYaml, options);
  return new KubeReleaseOps(client, plan, options);
}

class KubeReleaseOps implements ReleaseOps {
  private readonly ns: string;
  private readonly name: string;
  private readonly drift = new DriftGuard();
  private readonly pollMs: number;
  private readonly fieldManager: string;
  private readonly blueGreen: boolean;
  private colourLayout: boolean | undefined;

  constructor(
    private readonly k: KubeClient,
    private readonly plan: ReleasePlan,
    private readonly options: KubeReleaseOpsOptions,
  ) {
    this.ns = plan.target.namespace;
    this.name = plan.target.name;
    this.pollMs = options.pollMs ?? 500;
    this.fieldManager = options.fieldManager ?? 'switchyard';
    this.blueGreen = plan.strategy.kind === 'blue-green';
  }

  // ---------- traffic ----------

  async readSplit(): Promise<TrafficSplit> {
    const r = this.plan.router;
    switch (r.kind) {
      case 'istio': {
        const vs = await this.getCustom<VirtualService>('virtualService', r.virtualService);
        if (!vs) throw this.missing('VirtualService', r.virtualService);
        const route = this.istioRoute(vs);
        const weights = percentWeights(
          route.route ?? [],
          (d) => this.slotName(this.istioSlot(d)),
          (d) => d.weight,
          (route.route?.length ?? 0) === 1 ? 100 : 0,
        );
        return this.fill(
          weights,
          `VirtualService ${this.ns}/${r.virtualService} route ${r.route}`,
          vs.metadata?.resourceVersion,
        );
      }
      case 'gateway-api': {
        const hr = await this.getCustom<HTTPRoute>('httpRoute', r.httpRoute);
        if (!hr) throw this.missing('HTTPRoute', r.httpRoute);
        const rule = this.gatewayRule(hr);
        const weights = percentWeights(
          rule.backendRefs ?? [],
          (b) =>
            this.slotName(
              b.name === r.backendRefs.stable
                ? 'stable'
                : b.name === r.backendRefs.canary
                  ? 'canary'
                  : undefined,
            ),
          (b) => b.weight,
          1,
        );
        return this.fill(weights, `HTTPRoute ${this.ns}/${r.httpRoute}`, hr.metadata?.resourceVersion);
      }
      case 'replica-ratio': {
        const stable = await this.getDeployment(this.name);
        if (!stable) throw this.missing('Deployment', this.name);
        const canary = await this.getDeployment(this.canaryName());
        const s = stable.spec?.replicas ?? 0;
        const c = canary?.spec?.replicas ?? 0;
        const canaryPct = s + c === 0 ? 0 : Math.round((c / (s + c)) * 10_000) / 100;
        return {
          weights: { stable: 100 - canaryPct, canary: canaryPct },
          source: `replicas of Deployments ${this.ns}/${this.name} (${s}) and ${this.canaryName()} (${c})`,
          resourceVersion: stable.metadata?.resourceVersion,
        };
      }
      case 'service-selector': {
        const svc = await this.getService(r.service);
        if (!svc) throw this.missing('Service', r.service);
        const source = `Service ${this.ns}/${r.service} selector`;
        if (this.blueGreen) {
          const active = await this.colourFromSelector(svc.spec?.selector ?? {});
          return {
            weights: { blue: active === 'blue' ? 100 : 0, green: active === 'green' ? 100 : 0 },
            source,
            resourceVersion: svc.metadata?.resourceVersion,
          };
        }
        const value = svc.spec?.selector?.[r.versionLabel] ?? 'stable';
        return { weights: { [value]: 100 }, source, resourceVersion: svc.metadata?.resourceVersion };
      }
    }
  }

  async ensureCanary(image: string, version: string): Promise<void> {
    const stable = await this.getDeployment(this.name);
    if (!stable) throw this.missing('Deployment', this.name);
    const canaryName = this.canaryName();
    const matchLabels = { ...(stable.spec?.selector?.matchLabels ?? {}), [VERSION_LABEL]: version };
    const existing = await this.getDeployment(canaryName);
    if (existing && !isManaged(existing)) throw notOurCanary(this.ns, canaryName, this.k.context);
    if (existing && !sameMap(existing.spec?.selector?.matchLabels, matchLabels)) {
      // The selector of a Deployment cannot change: a canary of another version is replaced.
      await this.k.write(`deleting Deployment ${this.ns}/${canaryName}`, () =>
        this.k.apps.deleteNamespacedDeployment({
          name: canaryName,
          namespace: this.ns,
          propagationPolicy: 'Foreground',
        }),
      );
      this.drift.forget(`Deployment ${this.ns}/${canaryName}`);
      await this.waitGone(canaryName);
    }
    const releaseId = this.options.releaseId ?? this.plan.name;
    const fresh = () => canaryDeployment(stable, this.plan, version, releaseId);
    await this.upsertDeployment(canaryName, (current) => {
      if (!current) return fresh();
      if (!isManaged(current)) throw notOurCanary(this.ns, canaryName, this.k.context);
      // A canary an earlier release left (scaled to 0) is adopted: rebuilt from the stable workload for this release.
      if (current.metadata?.annotations?.[RELEASE_ANNOTATION] !== releaseId) return fresh();
      if (containerImage(current, this.plan.target.container) === image) return undefined;
      return withImage(current, this.plan.target.container, image);
    });
    const r = this.plan.router;
    if (r.kind === 'istio')
      await this.ensureSubset(r.destinationRule, r.canarySubset, { [VERSION_LABEL]: version });
    if (r.kind === 'gateway-api')
      await this.ensureBackendService(r.backendRefs.canary, r.backendRefs.stable, {
        [VERSION_LABEL]: version,
      });
  }

  async setCanaryWeight(percent: number): Promise<TrafficSplit> {
    const p = clampPercent(percent);
    await this.checkStableImage();
    const r = this.plan.router;
    if (r.kind === 'replica-ratio') {
      const total = await this.ratioTotal();
      const canary = Math.round((total * p) / 100);
      // Grow the side that gains traffic first, so capacity never dips.
      const steps: [string, number][] = [
        [this.canaryName(), canary],
        [this.name, total - canary],
      ];
      const current = await this.getDeployment(this.canaryName());
      if ((current?.spec?.replicas ?? 0) > canary) steps.reverse();
      for (const [dep, replicas] of steps) await this.scale(dep, replicas);
      return this.readSplit();
    }
    if (p > 0) {
      const stable = await this.getDeployment(this.name);
      const wanted = Math.max(1, Math.ceil(((stable?.spec?.replicas ?? 1) * p) / 100));
      const canary = await this.getDeployment(this.canaryName());
      if (canary && (canary.spec?.replicas ?? 0) < wanted) await this.scale(this.canaryName(), wanted);
    }
    return this.setSlotWeights({ stable: 100 - p, canary: p });
  }

  async scaleForWeight(percent: number): Promise<{ replicas: number }> {
    const p = clampPercent(percent);
    if (p === 0) return { replicas: 0 };
    let wanted: number;
    if (this.plan.router.kind === 'replica-ratio') {
      wanted = Math.round(((await this.ratioTotal()) * p) / 100);
    } else {
      const stable = await this.getDeployment(this.name);
      wanted = Math.max(1, Math.ceil(((stable?.spec?.replicas ?? 1) * p) / 100));
    }
    const canary = await this.getDeployment(this.canaryName());
    if (!canary) throw this.missing('Deployment', this.canaryName());
    // Only ever up: the stable side (replica-ratio) shrinks in setCanaryWeight, once these pods are ready.
    if ((canary.spec?.replicas ?? 0) < wanted) await this.scale(this.canaryName(), wanted);
    return { replicas: wanted };
  }

  async promoteCanary(image: string): Promise<TrafficSplit> {
    const expected = await this.stableImageAtStart();
    await this.upsertDeployment(this.name, (current) => {
      if (!current) throw this.missing('Deployment', this.name);
      const now = containerImage(current, this.plan.target.container);
      if (now === image) return undefined;
      if (expected !== undefined && now !== expected) throw this.stableDrift(now, expected);
      return withImage(current, this.plan.target.container, image);
    });
    if (this.plan.router.kind === 'replica-ratio') {
      const total = await this.ratioTotal();
      await this.scale(this.name, total);
      await this.waitReady(this.name);
      await this.scale(this.canaryName(), 0);
      return this.readSplit();
    }
    await this.waitReady(this.name);
    const split = await this.setSlotWeights({ stable: 100, canary: 0 });
    if (await this.getDeployment(this.canaryName())) await this.scale(this.canaryName(), 0);
    return split;
  }

  async abortCanary(): Promise<TrafficSplit> {
    if (this.plan.router.kind === 'replica-ratio') {
      const total = await this.ratioTotal();
      await this.scale(this.name, total);
      if (await this.getDeployment(this.canaryName())) await this.scale(this.canaryName(), 0);
      return this.readSplit();
    }
    const split = await this.setSlotWeights({ stable: 100, canary: 0 });
    if (await this.getDeployment(this.canaryName())) await this.scale(this.canaryName(), 0);
    return split;
  }

  async routeExperiment(route: ExperimentRoute): Promise<TrafficSplit> {
    const r = this.plan.router;
    if (r.kind === 'istio') return this.routeExperimentIstio(r, route);
    if (r.kind === 'gateway-api') return this.routeExperimentGateway(r, route);
    throw new ClusterError(
      'invalidConfig',
      `An A/B test routes by header, which needs an istio or gateway-api router, not ${r.kind}.`,
    );
  }

  private async routeExperimentIstio(r: IstioRouter, route: ExperimentRoute): Promise<TrafficSplit> {
    // One DestinationRule subset per variant, selecting its pods by version label; sticky by consistent hash.
    for (const v of route.variants)
      await this.ensureSubset(
        r.destinationRule,
        `variant-${v.name}`,
        { [VERSION_LABEL]: v.version },
        route.stickyHeader,
      );
    const headerMatch = (m: HeaderMatch) => ({
      [m.header.toLowerCase()]: m.exact !== undefined ? { exact: m.exact } : { regex: m.regex ?? '' },
    });
    const names = new Set([...route.pins.map((_p, i) => `${r.route}-pin-${i}`), `${r.route}-experiment`]);
    await this.upsertCustom<VirtualService>('virtualService', r.virtualService, (vs) => {
      const next = structuredClone(vs);
      const http = next.spec?.http ?? [];
      const primary = this.istioRoute(next);
      const host = primary.route?.[0]?.destination?.host ?? this.name;
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
    const vs = await this.getCustom<VirtualService>('virtualService', r.virtualService);
    const experiment = vs?.spec?.http?.find((h) => h.name === `${r.route}-experiment`);
    const split: TrafficSplit = {
      weights: percentWeights(
        experiment?.route ?? [],
        (d) => d.destination?.subset?.replace(/^variant-/, ''),
        (d) => d.weight,
        0,
      ),
      source: `VirtualService ${this.ns}/${r.virtualService} route ${r.route}-experiment`,
      resourceVersion: vs?.metadata?.resourceVersion,
    };
    if (route.stickyHeader) {
      const dr = await this.getCustom<DestinationRule>('destinationRule', r.destinationRule);
      const hashed = route.variants.every(
        (v) =>
          subsetHashHeader(dr?.spec?.subsets?.find((s) => s.name === `variant-${v.name}`)) ===
          route.stickyHeader,
      );
      split.notes = [
        hashed
          ? `Sticky on ${route.stickyHeader}: DestinationRule ${this.ns}/${r.destinationRule} hashes it (consistentHash.httpHeaderName) in every variant subset, so a user stays on one pod of a variant; Istio draws the weighted choice between variants per request, so a cohort user is not held to one variant.`
          : `Stickiness on ${route.stickyHeader} is not in effect: DestinationRule ${this.ns}/${r.destinationRule} does not hash it in every variant subset.`,
      ];
    }
    return split;
  }

  private async routeExperimentGateway(r: GatewayRouter, route: ExperimentRoute): Promise<TrafficSplit> {
    // One Service per variant, made from the stable backend's Service and selecting its pods by version label.
    for (const v of route.variants)
      await this.ensureBackendService(this.variantService(v.name), r.backendRefs.stable, {
        [VERSION_LABEL]: v.version,
      });
    await this.upsertCustom<HTTPRoute>('httpRoute', r.httpRoute, (hr) => {
      const next = structuredClone(hr);
      const rules = next.spec?.rules ?? [];
      const primary = this.gatewayRule(next);
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
      const base: GatewayMatch[] = (primary.matches as GatewayMatch[] | undefined)?.length
        ? (primary.matches as GatewayMatch[])
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
        {
          matches: withHeaders(route.cohort),
          backendRefs: route.variants.map((v) => ref(v.name, v.weight)),
        },
      ];
      const defaultRefs = [ref(route.defaultVariant, 100)];
      const experiment = this.experimentRules(rules);
      const current = rules.filter((x) => experiment.has(x));
      if (sameRules(current, desired) && sameRefs(primary.backendRefs ?? [], defaultRefs)) return undefined;
      primary.backendRefs = defaultRefs;
      next.spec = { ...next.spec, rules: [...desired, ...rules.filter((x) => !experiment.has(x))] };
      return next;
    });
    const hr = await this.getCustom<HTTPRoute>('httpRoute', r.httpRoute);
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
      source: `HTTPRoute ${this.ns}/${r.httpRoute} rule matching ${route.cohort.header}`,
      resourceVersion: hr?.metadata?.resourceVersion,
    };
    if (route.stickyHeader)
      split.notes = [
        `Stickiness on ${route.stickyHeader} is not enforced by the gateway-api router: HTTPRoute ${ROUTER_RESOURCES.httpRoute.version} has no standard way to hash a header to a backend (sessionPersistence is experimental and keeps a gateway-issued session, not a user's header), so a cohort user may see both variants.`,
      ];
    return split;
  }

  // ---------- blue-green ----------

  async activeColour(): Promise<Colour> {
    const split = await this.readSplit();
    return (split.weights.green ?? 0) > (split.weights.blue ?? 0) ? 'green' : 'blue';
  }

  async deployColour(colour: Colour, image: string): Promise<void> {
    const other: Colour = colour === 'blue' ? 'green' : 'blue';
    if (await this.colourNamespaces()) {
      const active = await this.colourDeployment(other).catch(() => undefined);
      const ns = `${this.ns}-${colour}`;
      await this.upsertDeployment(
        this.name,
        (current) => {
          if (!current)
            throw new ClusterError(
              'notFound',
              `Deployment ${ns}/${this.name} does not exist on context "${this.k.context}".`,
              404,
            );
          const replicas = active?.spec?.replicas ?? current.spec?.replicas ?? 1;
          if (
            containerImage(current, this.plan.target.container) === image &&
            current.spec?.replicas === replicas
          )
            return undefined;
          const next = withImage(current, this.plan.target.container, image);
          next.spec = { ...next.spec!, replicas };
          return next;
        },
        ns,
      );
      return;
    }
    const own = `${this.name}-${colour}`;
    const base = (await this.getDeployment(`${this.name}-${other}`)) ?? (await this.getDeployment(this.name));
    if (!base) throw this.missing('Deployment', this.name);
    const replicas = base.spec?.replicas ?? 1;
    const versionLabel =
      this.plan.router.kind === 'service-selector' ? this.plan.router.versionLabel : VERSION_LABEL;
    const tag = imageTag(image);
    await this.upsertDeployment(own, (current) => {
      if (current) {
        const inSelector = current.spec?.selector?.matchLabels?.[versionLabel] !== undefined;
        const labelOk = inSelector || current.spec?.template?.metadata?.labels?.[versionLabel] === tag;
        if (
          containerImage(current, this.plan.target.container) === image &&
          current.spec?.replicas === replicas &&
          labelOk
        )
          return undefined;
        const next = withImage(current, this.plan.target.container, image);
        next.spec = { ...next.spec!, replicas };
        if (!inSelector)
          next.spec.template.metadata = {
            ...next.spec.template.metadata,
            labels: { ...next.spec.template.metadata?.labels, [versionLabel]: tag },
          };
        return next;
      }
      const matchLabels: Record<string, string> = {
        ...(base.spec?.selector?.matchLabels ?? {}),
        [COLOUR_LABEL]: colour,
      };
      if (matchLabels[versionLabel] !== undefined) matchLabels[versionLabel] = tag;
      const template = structuredClone(base.spec?.template ?? {});
      template.metadata = {
        ...template.metadata,
        labels: { ...(template.metadata?.labels ?? {}), ...matchLabels, [versionLabel]: tag },
      };
      return withImage(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: {
            name: own,
            namespace: this.ns,
            labels: { ...(base.metadata?.labels ?? {}), [COLOUR_LABEL]: colour },
          },
          spec: { ...base.spec, replicas, selector: { matchLabels }, template },
        },
        this.plan.target.container,
        image,
      );
    });
    const r = this.plan.router;
    if (r.kind === 'istio')
      await this.ensureSubset(r.destinationRule, colour === 'blue' ? r.stableSubset : r.canarySubset, {
        [COLOUR_LABEL]: colour,
      });
    if (r.kind === 'gateway-api')
      await this.ensureBackendService(
        colour === 'blue' ? r.backendRefs.stable : r.backendRefs.canary,
        this.name,
        { [COLOUR_LABEL]: colour },
      );
  }

  async switchTo(colour: Colour): Promise<TrafficSplit> {
    const r = this.plan.router;
    if (r.kind === 'service-selector') {
      const dep = await this.colourDeployment(colour);
      const labels = dep.spec?.template?.metadata?.labels ?? {};
      await this.upsertService(r.service, (svc) => {
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
    if (r.kind === 'replica-ratio')
      throw new ClusterError(
        'invalidConfig',
        'A blue-green switch needs an istio, gateway-api or service-selector router, not replica-ratio.',
      );
    return this.setSlotWeights(colour === 'blue' ? { stable: 100, canary: 0 } : { stable: 0, canary: 100 });
  }

  async scaleColour(colour: Colour, replicas: number): Promise<void> {
    const dep = await this.colourDeployment(colour);
    const name = dep.metadata?.name ?? this.name;
    const ns = dep.metadata?.namespace ?? this.ns;
    await this.upsertDeployment(
      name,
      (cur) => {
        if (!cur) throw this.missing('Deployment', name);
        if ((cur.spec?.replicas ?? 1) === replicas) return undefined;
        return { ...cur, spec: { ...cur.spec!, replicas } };
      },
      ns,
    );
    if (replicas > 0) await this.waitReady(name, ns);
  }

  async warmup(
    colour: Colour,
    path: string,
    requests: number,
    intervalMs: number,
    signal?: AbortSignal,
  ): Promise<ProbeTally> {
    const pods = await this.readyPods(await this.colourDeployment(colour));
    const tally: ProbeTally = { ok: 0, failed: 0 };
    for (let i = 0; i < requests; i++) {
      if (signal?.aborted) break;
      const pod = pods[i % Math.max(1, pods.length)];
      const status = pod ? await this.proxyGet(pod, path) : 0;
      if (status >= 200 && status < 400) tally.ok++;
      else tally.failed++;
      if (intervalMs > 0 && i < requests - 1) await sleep(intervalMs, signal).catch(() => undefined);
    }
    return tally;
  }

  async smoke(colour: Colour, checks: readonly SmokeCheck[], signal?: AbortSignal): Promise<SmokeResult[]> {
    const dep = await this.colourDeployment(colour);
    const pods = await this.readyPods(dep);
    const results: SmokeResult[] = [];
    for (const check of checks) {
      if (check.kind === 'http') {
        const pod = pods[0];
        const status = pod ? await this.proxyGet(pod, check.path) : 0;
        results.push({
          check,
          ok: status === check.expectStatus,
          detail: pod
            ? `GET ${check.path} on pod ${pod.metadata?.name} answered ${status === 0 ? 'nothing' : status}, expected ${check.expectStatus}.`
            : `No ready pod of ${dep.metadata?.name} to send GET ${check.path} to.`,
        });
      } else {
        results.push(
          await runCommand(
            check,
            {
              SWITCHYARD_COLOUR: colour,
              SWITCHYARD_NAMESPACE: this.ns,
              SWITCHYARD_WORKLOAD: dep.metadata?.name ?? '',
            },
            signal,
          ),
        );
      }
    }
    return results;
  }

  // ---------- rolling ----------

  async setImage(image: string): Promise<{ revision: number }> {
    const before = await this.getDeployment(this.name);
    if (!before) throw this.missing('Deployment', this.name);
    // The plan's rollout settings come with the release's own image (not with a roll back to the one before).
    const settings = image === this.plan.target.image ? this.plannedRollout() : undefined;
    if (containerImage(before, this.plan.target.container) === image && settings === undefined)
      return { revision: revisionOf(before) };
    // Only a release with its own id notes itself on the Deployment (a plan name is no release's identity).
    const releaseId = this.options.releaseId;
    const written = await this.upsertDeployment(this.name, (current) => {
      if (!current) throw this.missing('Deployment', this.name);
      const now = containerImage(current, this.plan.target.container);
      const planned = settings ? withRollout(current, settings) : undefined;
      if (now === image) return planned;
      // This release set its image before (then its process stopped): someone released another one since.
      if (
        releaseId !== undefined &&
        current.metadata?.annotations?.[RELEASE_ANNOTATION] === releaseId &&
        now !== this.plan.target.image
      )
        throw this.stableDrift(now, this.plan.target.image);
      const next = withImage(planned ?? current, this.plan.target.container, image);
      if (releaseId === undefined) return next;
      next.metadata = {
        ...next.metadata,
        annotations: {
          ...next.metadata?.annotations,
          [RELEASE_ANNOTATION]: releaseId,
          [STABLE_IMAGE_ANNOTATION]: now,
        },
      };
      return next;
    });
    if (containerImage(before, this.plan.target.container) === image) return { revision: revisionOf(before) };
    const generation = written?.metadata?.generation ?? 0;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const d = await this.getDeployment(this.name);
      if (d && (d.status?.observedGeneration ?? 0) >= generation && revisionOf(d) > revisionOf(before))
        return { revision: revisionOf(d) };
      if (Date.now() > deadline) return { revision: revisionOf(before) + 1 };
      await sleep(Math.min(this.pollMs, 100));
    }
  }

  async restoreRollout(): Promise<void> {
    await this.upsertDeployment(this.name, (cur) => {
      if (!cur) throw this.missing('Deployment', this.name);
      const noted = cur.metadata?.annotations?.[ROLLOUT_BEFORE_ANNOTATION];
      if (noted === undefined) return undefined;
      return restoredRollout(cur, noted);
    });
  }

  async undo(revision?: number): Promise<void> {
    const dep = await this.getDeployment(this.name);
    if (!dep) throw this.missing('Deployment', this.name);
    const sets = (await this.ownedReplicaSets(dep)).sort((a, b) => revisionOf(b) - revisionOf(a));
    // Default: the newest revision that does not run the release's image. Unlike a bare `kubectl rollout undo`,
    // calling it again after a crash finds the same revision (now current) and changes nothing.
    const releaseImage = this.plan.target.image;
    const target =
      revision === undefined
        ? sets.find((rs) => templateImage(rs.spec?.template, this.plan.target.container) !== releaseImage)
        : sets.find((rs) => revisionOf(rs) === revision);
    if (!target)
      throw new ClusterError(
        'notFound',
        revision === undefined
          ? `Deployment ${this.ns}/${this.name} has no previous revision to roll back to.`
          : `Deployment ${this.ns}/${this.name} has no revision ${revision} to roll back to.`,
      );
    const template = structuredClone(target.spec?.template ?? {});
    const labels = { ...(template.metadata?.labels ?? {}) };
    delete labels['pod-template-hash'];
    template.metadata = { ...template.metadata, labels };
    const releaseId = this.options.releaseId;
    await this.upsertDeployment(this.name, (cur) => {
      if (!cur) throw this.missing('Deployment', this.name);
      if (sameTemplate(cur.spec?.template, template)) return undefined;
      // Another release replaced this one's image meanwhile: this release's version no longer runs, and
      // undoing would put an older image over theirs, so nothing is written.
      const now = containerImage(cur, this.plan.target.container);
      if (
        releaseId !== undefined &&
        cur.metadata?.annotations?.[RELEASE_ANNOTATION] === releaseId &&
        now !== releaseImage
      )
        return undefined;
      return { ...cur, spec: { ...cur.spec!, template } };
    });
  }

  async workloadState(which: WorkloadRole): Promise<WorkloadState> {
    const dep =
      which === 'stable'
        ? await this.getDeployment(this.name, false)
        : which === 'canary'
          ? await this.getDeployment(this.canaryName(), false)
          : await this.colourDeployment(which).catch(() => undefined);
    if (!dep)
      throw this.missing(
        'Deployment',
        which === 'stable' ? this.name : which === 'canary' ? this.canaryName() : `${this.name}-${which}`,
      );
    const pods = await this.ownedPods(dep);
    let restarts = 0;
    let failingPods = 0;
    for (const p of pods) {
      const statuses = p.status?.containerStatuses ?? [];
      restarts += statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
      if (
        p.status?.phase === 'Failed' ||
        statuses.some((s) => s.state?.waiting?.reason === 'CrashLoopBackOff')
      )
        failingPods++;
    }
    const progressing = dep.status?.conditions?.find((c) => c.type === 'Progressing');
    return {
      desired: dep.spec?.replicas ?? 1,
      current: dep.status?.replicas ?? 0,
      observed: (dep.status?.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 0),
      ready: dep.status?.readyReplicas ?? 0,
      updated: dep.status?.updatedReplicas ?? 0,
      available: dep.status?.availableReplicas ?? 0,
      image: containerImage(dep, this.plan.target.container),
      revision: revisionOf(dep),
      restarts,
      failingPods,
      progressDeadlineExceeded:
        progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded',
    };
  }

  async runJob(spec: JobSpec, signal?: AbortSignal): Promise<JobResult> {
    const id = createHash('sha256')
      .update(JSON.stringify([this.options.releaseId ?? this.plan.name, spec.image, spec.command]))
      .digest('hex')
      .slice(0, 8);
    const name = `${spec.name.slice(0, 52).replace(/-+$/, '')}-${id}`;
    const label = `Job ${this.ns}/${name}`;
    let job = await this.getJob(name);
    if (!job) {
      const [command, ...args] = spec.command;
      const body: V1Job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name, namespace: this.ns, labels: { 'app.kubernetes.io/managed-by': 'switchyard' } },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels: { 'app.kubernetes.io/managed-by': 'switchyard' } },
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'job', image: spec.image, command: command ? [command] : [], args }],
            },
          },
        },
      };
      try {
        job = await this.k.write(`creating ${label}`, () =>
          this.k.batch.createNamespacedJob({ namespace: this.ns, body, fieldManager: this.fieldManager }),
        );
      } catch (error) {
        if (!(error instanceof ClusterError && error.clusterKind === 'conflict')) throw error;
        job = await this.getJob(name);
      }
    }
    const deadline = Date.now() + (this.options.jobTimeoutMs ?? 1_800_000);
    for (;;) {
      const conditions = job?.status?.conditions ?? [];
      const done = conditions.find(
        (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
      );
      if (done?.type === 'Complete' || (job?.status?.succeeded ?? 0) > 0)
        return { succeeded: true, message: `${label} completed.` };
      if (done?.type === 'Failed' || (job?.status?.failed ?? 0) > (job?.spec?.backoffLimit ?? 0))
        return { succeeded: false, message: `${label} failed${done?.message ? `: ${done.message}` : ''}.` };
      if (Date.now() > deadline) return { succeeded: false, message: `${label} did not finish in time.` };
      await sleep(this.pollMs, signal);
      job = await this.getJob(name);
    }
  }

  // ---------- helpers: reads ----------

  /** The plan's rolling settings, for a rolling release; undefined for any other strategy. */
  private plannedRollout(): RolloutSettings | undefined {
    const s = this.plan.strategy;
    if (s.kind !== 'rolling') return undefined;
    return {
      maxSurge: s.maxSurge,
      maxUnavailable: s.maxUnavailable,
      minReadySeconds: s.minReadySeconds,
      progressDeadlineSeconds: s.progressDeadlineSeconds,
    };
  }

  private canaryName(): string {
    return `${this.name}-canary`;
  }

  /**
   * The stable workload's image when this release began, as noted on its canary; undefined when not noted or
   * when the canary is not this release's (another release's, or not yet adopted).
   */
  private async stableImageAtStart(): Promise<string | undefined> {
    const canary = await this.getDeployment(this.canaryName(), false);
    const notes = canary?.metadata?.annotations ?? {};
    const ours =
      canary !== undefined &&
      notes[RELEASE_ANNOTATION] === (this.options.releaseId ?? this.plan.name) &&
      containerImage(canary, this.plan.target.container) === this.plan.target.image;
    return ours ? notes[STABLE_IMAGE_ANNOTATION] : undefined;
  }

  /**
   * Throws drift (`ClusterError` `conflict`) when the stable workload no longer runs the image it ran when the
   * release began nor the release's own: someone released another version meanwhile (e.g. while this release
   * sat paused or its process was killed), and moving on would put an older image back over theirs.
   */
  private async checkStableImage(): Promise<void> {
    const expected = await this.stableImageAtStart();
    if (expected === undefined) return;
    const stable = await this.getDeployment(this.name);
    if (!stable) throw this.missing('Deployment', this.name);
    const now = containerImage(stable, this.plan.target.container);
    if (now !== expected && now !== this.plan.target.image) throw this.stableDrift(now, expected);
  }

  private stableDrift(now: string, expected: string): ClusterError {
    return new ClusterError(
      'conflict',
      `Deployment ${this.ns}/${this.name} was changed by someone else since this release began: image is ${now} (the release expected ${expected}). The release pauses and nothing was overwritten; abort it, then release again from what runs now.`,
    );
  }

  private missing(kind: string, name: string): ClusterError {
    return new ClusterError(
      'notFound',
      `${kind} ${this.ns}/${name} does not exist on context "${this.k.context}".`,
      404,
    );
  }

  private slotName(slot: Slot | undefined): string | undefined {
    if (!slot) return undefined;
    if (!this.blueGreen) return slot;
    return slot === 'stable' ? 'blue' : 'green';
  }

  private fill(
    weights: Record<string, number>,
    source: string,
    resourceVersion: string | undefined,
  ): TrafficSplit {
    const [a, b] = this.blueGreen ? ['blue', 'green'] : ['stable', 'canary'];
    return { weights: { [a!]: weights[a!] ?? 0, [b!]: weights[b!] ?? 0 }, source, resourceVersion };
  }

  private async getOrUndefined<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.k.read(what, fn);
    } catch (error) {
      if (error instanceof ClusterError && error.clusterKind === 'notFound') return undefined;
      throw error;
    }
  }

  private async getDeployment(name: string, observe = true, ns = this.ns): Promise<V1Deployment | undefined> {
    const d = await this.getOrUndefined(`reading Deployment ${ns}/${name}`, () =>
      this.k.apps.readNamespacedDeployment({ name, namespace: ns }),
    );
    if (d && observe)
      this.drift.observe(`Deployment ${ns}/${name}`, d.metadata?.resourceVersion, this.deploymentFields(d));
    return d;
  }

  private async getService(name: string): Promise<V1Service | undefined> {
    const s = await this.getOrUndefined(`reading Service ${this.ns}/${name}`, () =>
      this.k.core.readNamespacedService({ name, namespace: this.ns }),
    );
    if (s)
      this.drift.observe(
        `Service ${this.ns}/${name}`,
        s.metadata?.resourceVersion,
        mapFields('selector', s.spec?.selector),
      );
    return s;
  }

  private getJob(name: string): Promise<V1Job | undefined> {
    return this.getOrUndefined(`reading Job ${this.ns}/${name}`, () =>
      this.k.batch.readNamespacedJob({ name, namespace: this.ns }),
    );
  }

  private async getCustom<T extends { metadata?: { resourceVersion?: string } }>(
    which: keyof typeof ROUTER_RESOURCES,
    name: string,
  ): Promise<T | undefined> {
    const res = ROUTER_RESOURCES[which];
    const obj = (await this.getOrUndefined(`reading ${res.kind} ${this.ns}/${name}`, () =>
      this.k.custom.getNamespacedCustomObject({
        group: res.group,
        version: res.version,
        namespace: this.ns,
        plural: res.plural,
        name,
      }),
    )) as T | undefined;
    if (obj)
      this.drift.observe(
        `${res.kind} ${this.ns}/${name}`,
        obj.metadata?.resourceVersion,
        this.customFields(which, obj),
      );
    return obj;
  }

  private deploymentFields(d: V1Deployment): ManagedFields {
    return { image: containerImage(d, this.plan.target.container), replicas: String(d.spec?.replicas ?? 1) };
  }

  private customFields(which: keyof typeof ROUTER_RESOURCES, obj: unknown): ManagedFields {
    if (which === 'virtualService') {
      const route = this.istioRoute(obj as VirtualService, false);
      return Object.fromEntries(
        (route?.route ?? []).map((d) => [
          `weight of ${d.destination?.subset ? `subset ${d.destination.subset}` : `host ${d.destination?.host}`}`,
          String(d.weight ?? ''),
        ]),
      );
    }
    if (which === 'httpRoute') {
      const rule = this.gatewayRule(obj as HTTPRoute, false);
      return Object.fromEntries(
        (rule?.backendRefs ?? []).map((b) => [`weight of backend ${b.name}`, String(b.weight ?? 1)]),
      );
    }
    const subsets = (obj as DestinationRule).spec?.subsets ?? [];
    return Object.fromEntries(
      subsets.map((s) => [`labels of subset ${s.name}`, JSON.stringify(s.labels ?? {})]),
    );
  }

  private istioRoute(vs: VirtualService): NonNullable<NonNullable<VirtualService['spec']>['http']>[number];
  private istioRoute(
    vs: VirtualService,
    strict: false,
  ): NonNullable<NonNullable<VirtualService['spec']>['http']>[number] | undefined;
  private istioRoute(vs: VirtualService, strict = true) {
    const r = this.plan.router;
    const routeName = r.kind === 'istio' ? r.route : '';
    const http = vs.spec?.http ?? [];
    const route = http.find((h) => h.name === routeName) ?? (http.length === 1 ? http[0] : undefined);
    if (!route && strict)
      throw new ClusterError(
        'notFound',
        `VirtualService ${this.ns}/${vs.metadata?.name} has no HTTP route named "${routeName}".`,
        404,
      );
    return route;
  }

  private gatewayRule(hr: HTTPRoute): NonNullable<NonNullable<HTTPRoute['spec']>['rules']>[number];
  private gatewayRule(
    hr: HTTPRoute,
    strict: false,
  ): NonNullable<NonNullable<HTTPRoute['spec']>['rules']>[number] | undefined;
  private gatewayRule(hr: HTTPRoute, strict = true) {
    const r = this.plan.router;
    const names = r.kind === 'gateway-api' ? [r.backendRefs.stable, r.backendRefs.canary] : [];
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
        `HTTPRoute ${this.ns}/${hr.metadata?.name} has no rule with backend ${names.join(' or ')}.`,
        404,
      );
    return rule;
  }

  /** The Service of an A/B variant under a gateway-api router (at most 63 characters, as Service names must be). */
  private variantService(variant: string): string {
    const full = `${this.name}-variant-${variant}`;
    if (full.length <= 63) return full;
    const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
    return `${full.slice(0, 54).replace(/-+$/, '')}-${hash}`;
  }

  private isVariantService(name: string | undefined): boolean {
    return (name ?? '').startsWith(`${this.name}-variant-`);
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

  private async ownedReplicaSets(dep: V1Deployment): Promise<V1ReplicaSet[]> {
    const selector = labelSelector(dep.spec?.selector?.matchLabels);
    const ns = dep.metadata?.namespace ?? this.ns;
    const list = await this.k.read(`listing ReplicaSets of ${ns}/${dep.metadata?.name}`, () =>
      this.k.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: selector }),
    );
    return list.items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === dep.metadata?.uid));
  }

  private async ownedPods(dep: V1Deployment): Promise<V1Pod[]> {
    const sets = new Set((await this.ownedReplicaSets(dep)).map((rs) => rs.metadata?.uid));
    const ns = dep.metadata?.namespace ?? this.ns;
    const list = await this.k.read(`listing pods of ${ns}/${dep.metadata?.name}`, () =>
      this.k.core.listNamespacedPod({
        namespace: ns,
        labelSelector: labelSelector(dep.spec?.selector?.matchLabels),
      }),
    );
    return list.items.filter((p) => p.metadata?.ownerReferences?.some((o) => sets.has(o.uid)));
  }

  private async readyPods(dep: V1Deployment): Promise<V1Pod[]> {
    return (await this.ownedPods(dep)).filter((p) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  }

  /** True when the colours live in the runbook's namespaces `<ns>-blue` / `<ns>-green` (same workload name). */
  private async colourNamespaces(): Promise<boolean> {
    if (this.colourLayout === undefined) {
      // Only when the router itself points at hosts in those namespaces (the runbook's VirtualService).
      const r = this.plan.router;
      let routed = false;
      if (r.kind === 'istio') {
        const vs = await this.getCustom<VirtualService>('virtualService', r.virtualService);
        const hosts = (vs ? (this.istioRoute(vs, false)?.route ?? []) : []).map(
          (d) => d.destination?.host ?? '',
        );
        routed = hosts.some(
          (h) => h.split('.')[1] === `${this.ns}-blue` || h.split('.')[1] === `${this.ns}-green`,
        );
      } else if (r.kind === 'gateway-api') {
        const hr = await this.getCustom<HTTPRoute>('httpRoute', r.httpRoute);
        routed = (hr ? (this.gatewayRule(hr, false)?.backendRefs ?? []) : []).some(
          (b) => b.namespace === `${this.ns}-blue` || b.namespace === `${this.ns}-green`,
        );
      }
      const found = routed
        ? await Promise.all(
            (['blue', 'green'] as const).map((c) => this.getDeployment(this.name, false, `${this.ns}-${c}`)),
          )
        : [];
      this.colourLayout = found.some(Boolean);
    }
    return this.colourLayout;
  }

  private istioSlot(d: IstioDestination): Slot | undefined {
    const r = this.plan.router;
    if (r.kind !== 'istio') return undefined;
    const subset = d.destination?.subset;
    if (subset === r.stableSubset) return 'stable';
    if (subset === r.canarySubset) return 'canary';
    if (!this.blueGreen || subset) return undefined;
    // Runbook layout: destinations are the colour Services by host, e.g. web-green.shop-green.svc.cluster.local.
    const [short = '', hostNs = ''] = (d.destination?.host ?? '').split('.');
    if (short.endsWith('-blue') || hostNs.endsWith('-blue')) return 'stable';
    if (short.endsWith('-green') || hostNs.endsWith('-green')) return 'canary';
    return undefined;
  }

  private async colourDeployment(colour: Colour): Promise<V1Deployment> {
    if (await this.colourNamespaces()) {
      const d = await this.getDeployment(this.name, false, `${this.ns}-${colour}`);
      if (!d)
        throw new ClusterError(
          'notFound',
          `Deployment ${this.ns}-${colour}/${this.name} does not exist on context "${this.k.context}".`,
          404,
        );
      return d;
    }
    const own = await this.getDeployment(`${this.name}-${colour}`, false);
    if (own) return own;
    // The original Deployment serves the colour that was active before the first switch: after it, the
    // colour without a Deployment of its own (the other one has one).
    const base = await this.getDeployment(this.name, false);
    const other: Colour = colour === 'blue' ? 'green' : 'blue';
    if (
      base &&
      ((await this.getDeployment(`${this.name}-${other}`, false)) ||
        (await this.activeColourOfBase()) === colour)
    )
      return base;
    throw this.missing('Deployment', `${this.name}-${colour}`);
  }

  private async activeColourOfBase(): Promise<Colour> {
    const r = this.plan.router;
    if (r.kind === 'service-selector') {
      const svc = await this.getService(r.service);
      return svc?.spec?.selector?.[COLOUR_LABEL] === 'green' ? 'green' : 'blue';
    }
    return this.activeColour();
  }

  private async colourFromSelector(selector: Record<string, string>): Promise<Colour> {
    if (selector[COLOUR_LABEL] === 'green' || selector[COLOUR_LABEL] === 'blue')
      return selector[COLOUR_LABEL];
    const green = await this.getDeployment(`${this.name}-green`, false);
    const labels = green?.spec?.template?.metadata?.labels ?? {};
    return green && Object.entries(selector).every(([k, v]) => labels[k] === v) ? 'green' : 'blue';
  }

  private async ratioTotal(): Promise<number> {
    const r = this.plan.router;
    if (r.kind === 'replica-ratio' && r.replicas !== undefined) return r.replicas;
    const canary = await this.getDeployment(this.canaryName());
    const noted = Number(canary?.metadata?.annotations?.[TOTAL_REPLICAS_ANNOTATION]);
    if (Number.isFinite(noted) && noted > 0) return noted;
    const stable = await this.getDeployment(this.name);
    return (stable?.spec?.replicas ?? 0) + (canary?.spec?.replicas ?? 0);
  }

  private async waitGone(name: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (await this.getDeployment(name, false)) {
      if (Date.now() > deadline)
        throw new ClusterError('timeout', `Deployment ${this.ns}/${name} was not deleted within 60 s.`);
      await sleep(this.pollMs);
    }
  }

  private async waitReady(name: string, ns = this.ns): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 600_000);
    for (;;) {
      const d = await this.getDeployment(name, false, ns);
      if (!d) throw this.missing('Deployment', name);
      const want = d.spec?.replicas ?? 1;
      const s = d.status ?? {};
      if (
        (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        (s.updatedReplicas ?? 0) >= want &&
        (s.readyReplicas ?? 0) >= want &&
        (s.availableReplicas ?? 0) >= want &&
        (s.replicas ?? 0) <= want
      )
        return;
      const progressing = s.conditions?.find((c) => c.type === 'Progressing');
      if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded')
        throw new ClusterError(
          'timeout',
          `Deployment ${this.ns}/${name} exceeded its progress deadline: ${progressing.message ?? 'no progress'}.`,
        );
      if (Date.now() > deadline)
        throw new ClusterError(
          'timeout',
          `Deployment ${this.ns}/${name} did not become ready in time (${s.readyReplicas ?? 0} of ${want} ready).`,
        );
      await sleep(this.pollMs);
    }
  }

  private async proxyGet(pod: V1Pod, path: string): Promise<number> {
    const container =
      pod.spec?.containers?.find((c) => c.name === this.plan.target.container) ?? pod.spec?.containers?.[0];
    const port =
      container?.ports?.find((p) => p.name === 'http')?.containerPort ??
      container?.ports?.[0]?.containerPort ??
      8080;
    try {
      await this.k.write(`probing pod ${pod.metadata?.name}`, () =>
        this.k.core.connectGetNamespacedPodProxyWithPath({
          name: `${pod.metadata?.name}:${port}`,
          namespace: pod.metadata?.namespace ?? this.ns,
          path: path.replace(/^\//, ''),
        }),
      );
      return 200;
    } catch (error) {
      return error instanceof ClusterError && error.status !== undefined ? error.status : 0;
    }
  }

  // ---------- helpers: writes ----------

  /** Read, decide, write with the read resourceVersion; on 409 read again and decide again. */
  private async upsert<T extends { metadata?: { resourceVersion?: string; name?: string } }>(
    label: string,
    get: () => Promise<T | undefined>,
    fields: (obj: T) => ManagedFields,
    decide: (current: T | undefined) => T | undefined,
    create: (body: T) => Promise<T>,
    replace: (body: T) => Promise<T>,
  ): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = await get();
      const desired = decide(current);
      if (!desired) return current;
      try {
        const written = await this.k.write(`${current ? 'updating' : 'creating'} ${label}`, () =>
          current
            ? replace({
                ...desired,
                metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion },
              })
            : create(desired),
        );
        this.drift.wrote(label, written.metadata?.resourceVersion, fields(written));
        return written;
      } catch (error) {
        if (
          error instanceof ClusterError &&
          (error.clusterKind === 'unreachable' || error.clusterKind === 'timeout')
        ) {
          this.drift.mayHaveWritten(label, fields(desired));
        }
        if (!(error instanceof ClusterError && error.clusterKind === 'conflict') || attempt >= 5) throw error;
      }
    }
  }

  private upsertDeployment(
    name: string,
    decide: (current: V1Deployment | undefined) => V1Deployment | undefined,
    ns = this.ns,
  ): Promise<V1Deployment | undefined> {
    return this.upsert<V1Deployment>(
      `Deployment ${ns}/${name}`,
      () => this.getDeployment(name, true, ns),
      (d) => this.deploymentFields(d),
      decide,
      (body) =>
        this.k.apps.createNamespacedDeployment({ namespace: ns, body, fieldManager: this.fieldManager }),
      (body) =>
        this.k.apps.replaceNamespacedDeployment({
          name,
          namespace: ns,
          body,
          fieldManager: this.fieldManager,
        }),
    );
  }

  private upsertService(
    name: string,
    decide: (current: V1Service) => V1Service | undefined,
    create?: () => V1Service,
  ): Promise<V1Service | undefined> {
    return this.upsert<V1Service>(
      `Service ${this.ns}/${name}`,
      () => this.getService(name),
      (s) => mapFields('selector', s.spec?.selector),
      (cur) =>
        cur
          ? decide(cur)
          : create
            ? create()
            : (() => {
                throw this.missing('Service', name);
              })(),
      (body) =>
        this.k.core.createNamespacedService({ namespace: this.ns, body, fieldManager: this.fieldManager }),
      (body) =>
        this.k.core.replaceNamespacedService({
          name,
          namespace: this.ns,
          body,
          fieldManager: this.fieldManager,
        }),
    );
  }

  private upsertCustom<T extends { metadata?: { resourceVersion?: string; name?: string } }>(
    which: keyof typeof ROUTER_RESOURCES,
    name: string,
    decide: (current: T) => T | undefined,
  ): Promise<T | undefined> {
    const res = ROUTER_RESOURCES[which];
    const base = { group: res.group, version: res.version, namespace: this.ns, plural: res.plural };
    return this.upsert<T>(
      `${res.kind} ${this.ns}/${name}`,
      () => this.getCustom<T>(which, name),
      (o) => this.customFields(which, o),
      (cur) => {
        if (!cur) throw this.missing(res.kind, name);
        return decide(cur);
      },
      (body) =>
        this.k.custom.createNamespacedCustomObject({
          ...base,
          body,
          fieldManager: this.fieldManager,
        }) as Promise<T>,
      (body) =>
        this.k.custom.replaceNamespacedCustomObject({
          ...base,
          name,
          body,
          fieldManager: this.fieldManager,
        }) as Promise<T>,
    );
  }

  private async scale(name: string, replicas: number): Promise<void> {
    await this.upsertDeployment(name, (cur) => {
      if (!cur) throw this.missing('Deployment', name);
      if ((cur.spec?.replicas ?? 1) === replicas) return undefined;
      return { ...cur, spec: { ...cur.spec!, replicas } };
    });
  }

  private async setSlotWeights(w: Record<Slot, number>): Promise<TrafficSplit> {
    const r = this.plan.router;
    if (r.kind === 'istio') {
      await this.upsertCustom<VirtualService>('virtualService', r.virtualService, (vs) => {
        const next = structuredClone(vs);
        // An A/B test's header routes end with the release: weights go back to the primary route alone.
        const isExperiment = (h: IstioHttpRoute) =>
          h.name === `${r.route}-experiment` || (h.name ?? '').startsWith(`${r.route}-pin-`);
        const hadExperiment = (next.spec?.http ?? []).some(isExperiment);
        if (next.spec?.http) next.spec.http = next.spec.http.filter((h) => !isExperiment(h));
        const route = this.istioRoute(next);
        const dests = (route.route ?? []).filter(
          (d) => !(d.destination?.subset ?? '').startsWith('variant-'),
        );
        let stable = dests.find((d) => this.istioSlot(d) === 'stable');
        let canary = dests.find((d) => this.istioSlot(d) === 'canary');
        if (!stable && (hadExperiment || dests.length === 0)) {
          stable = {
            destination: { host: route.route?.[0]?.destination?.host ?? this.name, subset: r.stableSubset },
          };
          dests.unshift(stable);
        }
        if (!stable)
          throw new ClusterError(
            'notFound',
            `VirtualService ${this.ns}/${r.virtualService} route ${r.route} has no destination with subset ${r.stableSubset}.`,
            404,
          );
        if (!canary) {
          canary = {
            ...structuredClone(stable),
            destination: { ...stable.destination, subset: r.canarySubset },
          };
          dests.push(canary);
        }
        const unchanged =
          stable.weight === w.stable && canary.weight === w.canary && route.route?.length === 2;
        if (unchanged && !hadExperiment && dests.length === 2) return undefined;
        stable.weight = w.stable;
        canary.weight = w.canary;
        route.route = dests.filter((d) => d === stable || d === canary || (d.weight ?? 0) > 0);
        return next;
      });
    } else if (r.kind === 'gateway-api') {
      await this.upsertCustom<HTTPRoute>('httpRoute', r.httpRoute, (hr) => {
        const next = structuredClone(hr);
        // An A/B test's header rules end with the release: weights go back to the primary rule alone.
        const before = next.spec?.rules ?? [];
        const experiment = this.experimentRules(before);
        const hadExperiment = experiment.size > 0;
        if (next.spec?.rules) next.spec.rules = before.filter((x) => !experiment.has(x));
        const rule = this.gatewayRule(next);
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
            `HTTPRoute ${this.ns}/${r.httpRoute} has no backend ${r.backendRefs.stable}.`,
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
    } else {
      throw new ClusterError(
        'invalidConfig',
        `Traffic weights need an istio or gateway-api router, not ${r.kind}.`,
      );
    }
    return this.readSplit();
  }

  private async ensureSubset(
    destinationRule: string,
    subset: string,
    labels: Record<string, string>,
    stickyHeader?: string,
  ): Promise<void> {
    await this.upsertCustom<DestinationRule>('destinationRule', destinationRule, (dr) => {
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

  private async ensureBackendService(
    name: string,
    baseName: string,
    extraSelector: Record<string, string>,
  ): Promise<void> {
    await this.upsertService(
      name,
      (svc) => {
        const selector = { ...(svc.spec?.selector ?? {}), ...extraSelector };
        if (sameMap(selector, svc.spec?.selector)) return undefined;
        return { ...svc, spec: { ...svc.spec, selector } };
      },
      () => {
        throw new ClusterError(
          'notFound',
          `Service ${this.ns}/${name} does not exist; create it from ${baseName} first.`,
          404,
        );
      },
    ).catch(async (error: unknown) => {
      if (!(error instanceof ClusterError && error.clusterKind === 'notFound')) throw error;
      const base = await this.getService(baseName);
      if (!base) throw error;
      const body: V1Service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: this.ns, labels: base.metadata?.labels ?? {} },
        spec: { ports: base.spec?.ports, selector: { ...(base.spec?.selector ?? {}), ...extraSelector } },
      };
      await this.upsertService(
        name,
        () => undefined,
        () => body,
      );
    });
  }
}

// ---------- pure helpers ----------

/** The image of `container` (or the first container) of a Deployment; '' when it has none. */
export function containerImage(d: V1Deployment, container?: string): string {
  return templateImage(d.spec?.template, container);
}

function templateImage(t: V1PodTemplateSpec | undefined, container?: string): string {
  const cs = t?.spec?.containers ?? [];
  return (cs.find((c) => c.name === container) ?? cs[0])?.image ?? '';
}

function withImage(d: V1Deployment, container: string | undefined, image: string): V1Deployment {
  const next = structuredClone(d);
  const cs = next.spec?.template?.spec?.containers ?? [];
  const target = cs.find((c) => c.name === container) ?? cs[0];
  if (!target)
    throw new ClusterError(
      'invalidConfig',
      `Deployment ${d.metadata?.namespace}/${d.metadata?.name} has no container${container ? ` named ${container}` : ''}.`,
    );
  target.image = image;
  return next;
}

/** A Deployment's rollout settings, as `setImage` applies them and `restoreRollout` puts them back. */
interface RolloutSettings {
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
}

function rolloutOf(d: V1Deployment): RolloutSettings {
  const ru = d.spec?.strategy?.rollingUpdate;
  return {
    ...(ru?.maxSurge !== undefined ? { maxSurge: ru.maxSurge } : {}),
    ...(ru?.maxUnavailable !== undefined ? { maxUnavailable: ru.maxUnavailable } : {}),
    ...(d.spec?.minReadySeconds !== undefined ? { minReadySeconds: d.spec.minReadySeconds } : {}),
    ...(d.spec?.progressDeadlineSeconds !== undefined
      ? { progressDeadlineSeconds: d.spec.progressDeadlineSeconds }
      : {}),
  };
}

function withSettings(d: V1Deployment, s: RolloutSettings): V1Deployment {
  const next = structuredClone(d);
  const spec = next.spec!;
  const { rollingUpdate: _old, ...strategy } = spec.strategy ?? {};
  const rollingUpdate = {
    ...(s.maxSurge !== undefined ? { maxSurge: s.maxSurge } : {}),
    ...(s.maxUnavailable !== undefined ? { maxUnavailable: s.maxUnavailable } : {}),
  };
  spec.strategy = {
    ...strategy,
    type: 'RollingUpdate',
    ...(Object.keys(rollingUpdate).length ? { rollingUpdate } : {}),
  };
  if (s.minReadySeconds !== undefined) spec.minReadySeconds = s.minReadySeconds;
  else delete spec.minReadySeconds;
  if (s.progressDeadlineSeconds !== undefined) spec.progressDeadlineSeconds = s.progressDeadlineSeconds;
  else delete spec.progressDeadlineSeconds;
  return next;
}

/**
 * `d` with the plan's rollout settings, the previous ones noted in an annotation (only the first time, so a
 * resumed release still knows the values from before it); undefined when `d` already has them.
 */
function withRollout(d: V1Deployment, planned: RolloutSettings): V1Deployment | undefined {
  const current = rolloutOf(d);
  const noted = d.metadata?.annotations?.[ROLLOUT_BEFORE_ANNOTATION];
  if (JSON.stringify(current) === JSON.stringify(planned) && noted !== undefined) return undefined;
  const next = withSettings(d, planned);
  next.metadata = {
    ...next.metadata,
    annotations: {
      ...next.metadata?.annotations,
      [ROLLOUT_BEFORE_ANNOTATION]: noted ?? JSON.stringify(current),
    },
  };
  return next;
}

/** `d` with the settings noted in its annotation put back and the annotation removed. */
function restoredRollout(d: V1Deployment, noted: string): V1Deployment {
  let before: RolloutSettings = {};
  try {
    before = JSON.parse(noted) as RolloutSettings;
  } catch {
    // An unreadable note restores nothing but is still removed, so it cannot linger.
  }
  const next = withSettings(d, before);
  const annotations = { ...next.metadata?.annotations };
  delete annotations[ROLLOUT_BEFORE_ANNOTATION];
  next.metadata = { ...next.metadata, annotations };
  return next;
}

/**
 * The canary Deployment a release of `plan` creates (or rebuilds when it adopts one an earlier release left):
 * the stable workload's spec with the plan's image, selecting pods labelled `version: <version>`, labelled as
 * Switchyard's and annotated with the release id and the stable workload's image at that moment.
 */
export function canaryDeployment(
  stable: V1Deployment,
  plan: ReleasePlan,
  version: string,
  releaseId: string,
): V1Deployment {
  const matchLabels = { ...(stable.spec?.selector?.matchLabels ?? {}), [VERSION_LABEL]: version };
  const total =
    plan.router.kind === 'replica-ratio' ? (plan.router.replicas ?? stable.spec?.replicas ?? 1) : undefined;
  const template = structuredClone(stable.spec?.template ?? {});
  template.metadata = {
    ...template.metadata,
    labels: { ...(template.metadata?.labels ?? {}), ...matchLabels },
  };
  const body: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `${plan.target.name}-canary`,
      namespace: plan.target.namespace,
      labels: {
        ...(stable.metadata?.labels ?? {}),
        [VERSION_LABEL]: version,
        [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
      },
      annotations: {
        [RELEASE_ANNOTATION]: releaseId,
        // What the stable workload ran when this release began: a resume that finds another image there
        // (someone released meanwhile) pauses as drift instead of writing an older image over it.
        [STABLE_IMAGE_ANNOTATION]: containerImage(stable, plan.target.container),
        ...(total === undefined ? {} : { [TOTAL_REPLICAS_ANNOTATION]: String(total) }),
      },
    },
    spec: {
      ...stable.spec,
      replicas: total === undefined ? 1 : 0,
      selector: { matchLabels },
      template,
    },
  };
  return withImage(body, plan.target.container, plan.target.image);
}

/** True when Switchyard created `d` (label `app.kubernetes.io/managed-by: switchyard`). */
export function isManaged(d: V1Deployment): boolean {
  return d.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/** The refusal to touch a `-canary` Deployment Switchyard did not create. */
export function notOurCanary(ns: string, name: string, context: string): ClusterError {
  return new ClusterError(
    'conflict',
    `Deployment ${ns}/${name} exists on context "${context}" but Switchyard did not create it (no label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}); Switchyard neither adopts nor deletes it. Rename or remove it, or label it ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} to hand it over.`,
  );
}

function revisionOf(o: { metadata?: { annotations?: Record<string, string> } }): number {
  return Number(o.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a?.[k] === b?.[k]);
}

function sameTemplate(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  const norm = (t: V1PodTemplateSpec | undefined) => ({
    labels: Object.fromEntries(
      Object.entries(t?.metadata?.labels ?? {})
        .filter(([k]) => k !== 'pod-template-hash')
        .sort(),
    ),
    images: (t?.spec?.containers ?? []).map((c) => `${c.name}=${c.image}`),
    args: (t?.spec?.containers ?? []).map((c) =>
      JSON.stringify([c.command ?? [], c.args ?? [], c.env ?? []]),
    ),
  });
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

function mapFields(prefix: string, m: Record<string, string> | undefined): ManagedFields {
  return Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [`${prefix} ${k}`, v]));
}

/** A label selector string (`a=b,c=d`) from matchLabels. */
export function labelSelector(m: Record<string, string> | undefined): string {
  return Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function clampPercent(p: number): number {
  if (!Number.isFinite(p)) throw new RangeError(`weight ${p} is not a number between 0 and 100`);
  return Math.min(100, Math.max(0, p));
}

function imageTag(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0)
    return image
      .slice(at + 1)
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 63);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

function runCommand(
  check: Extract<SmokeCheck, { kind: 'command' }>,
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<SmokeResult> {
  const [file, ...args] = check.argv;
  if (!file) return Promise.resolve({ check, ok: false, detail: 'The smoke command is empty.' });
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, ...env }, timeout: 120_000, signal, windowsHide: true },
      (error, _stdout, stderr) => {
        if (!error) return resolve({ check, ok: true, detail: `${file} exited with 0.` });
        const code = (error as { code?: unknown }).code;
        const why =
          typeof code === 'number'
            ? `exited with ${code}`
            : typeof code === 'string'
              ? `could not run (${code})`
              : error.message;
        const tail = stderr.trim().split('\n').slice(-1)[0];
        resolve({ check, ok: false, detail: `${file} ${why}${tail ? `: ${tail}` : ''}.` });
      },
    );
  });
}
