import type { V1PodTemplateSpec, V1Service } from '@kubernetes/client-node';
import type { FoundRouter, WorkloadPlanFacts } from '../../../src-shared/bridge/connection-views.ts';
import type { KubeClient } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import {
  ROUTER_RESOURCES,
  type DestinationRule,
  type HTTPRoute,
  type VirtualService,
} from './router-objects.ts';
import { ROLLOUTS } from './workload-summary.ts';

interface WorkloadObject {
  spec?: { replicas?: number; template?: V1PodTemplateSpec };
}

/**
 * What a plan can say about a workload, read from the cluster: its first container and image, its replicas, the
 * Prometheus job its pods carry, and the routers of its namespace that send traffic to it (VirtualService or
 * HTTPRoute naming one of its Services, else the Service itself). Each field's `sources` entry says where it was
 * read. A router kind the cluster does not serve (404) or may not list (403) is left out, not an error.
 * Errors: notFound (the workload), unreachable, timeout, unauthorized, forbidden (reading the workload).
 */
export async function workloadPlanFacts(
  k: KubeClient,
  namespace: string,
  kind: 'Deployment' | 'Rollout',
  name: string,
): Promise<WorkloadPlanFacts> {
  const w = await readWorkload(k, namespace, kind, name);
  const template = w.spec?.template;
  const container = template?.spec?.containers?.[0];
  const labels = template?.metadata?.labels ?? {};
  const job = labels.app ?? labels['app.kubernetes.io/name'];
  const services = (
    await k.read(`listing Services in "${namespace}"`, () => k.core.listNamespacedService({ namespace }))
  ).items.filter((s) => selects(s, labels));
  const serviceNames = services.map((s) => s.metadata?.name ?? '').filter(Boolean);
  const [istio, gateway] = await Promise.all([
    istioRouters(k, namespace, serviceNames),
    gatewayRouters(k, namespace, serviceNames),
  ]);
  const sources: Record<string, string> = {
    context: 'the context picked in Connections',
    namespace: 'the namespace picked in Connections',
    name: `the ${kind} picked in Connections`,
    kind: `the ${kind} picked in Connections`,
    image: `${kind} "${name}", container ${container?.name ?? '1'}`,
    replicas: `${kind} "${name}" spec.replicas`,
  };
  if (container?.name) sources.container = `${kind} "${name}": its first container`;
  if (job) sources.job = `pod label ${labels.app ? 'app' : 'app.kubernetes.io/name'} of ${kind} "${name}"`;
  const routers: FoundRouter[] = [
    ...istio.map((r) => r.router),
    ...gateway.map((r) => r.router),
    ...serviceNames.map((service) => ({ kind: 'service-selector' as const, service })),
  ];
  const first = [...istio, ...gateway][0];
  sources.router = first
    ? first.why
    : serviceNames[0]
      ? `Service "${serviceNames[0]}" selects the pods of ${kind} "${name}"; no VirtualService or HTTPRoute routes to it`
      : `no Service in "${namespace}" selects the pods of ${kind} "${name}"`;
  return {
    context: k.context,
    namespace,
    kind,
    name,
    ...(container?.name ? { container: container.name } : {}),
    image: container?.image ?? '',
    replicas: w.spec?.replicas ?? 1,
    ...(job ? { job } : {}),
    routers,
    sources,
  };
}

async function readWorkload(
  k: KubeClient,
  namespace: string,
  kind: 'Deployment' | 'Rollout',
  name: string,
): Promise<WorkloadObject> {
  if (kind === 'Deployment')
    return k.read(`reading Deployment "${name}"`, () => k.apps.readNamespacedDeployment({ name, namespace }));
  return (await k.read(`reading Rollout "${name}"`, () =>
    k.custom.getNamespacedCustomObject({ ...ROLLOUTS, namespace, name }),
  )) as WorkloadObject;
}

/** True when the Service's selector is non-empty and every one of its labels is on the pods. */
function selects(s: V1Service, podLabels: Record<string, string>): boolean {
  const selector = Object.entries(s.spec?.selector ?? {});
  return selector.length > 0 && selector.every(([key, value]) => podLabels[key] === value);
}

/** `svc`, `svc.ns`, `svc.ns.svc…` all name Service `svc` of namespace `ns`. */
function hostNames(host: string | undefined, namespace: string, services: readonly string[]): boolean {
  if (!host) return false;
  const [svc, ns] = host.split('.');
  return services.includes(svc ?? '') && (ns === undefined || ns === namespace);
}

/** Lists a router kind; [] when the cluster does not serve it (404) or we may not list it (403). */
async function listCustom<T>(
  k: KubeClient,
  r: { group: string; version: string; plural: string; kind: string },
  namespace: string,
): Promise<T[]> {
  try {
    const list = (await k.read(`listing ${r.kind}s in "${namespace}"`, () =>
      k.custom.listNamespacedCustomObject({
        group: r.group,
        version: r.version,
        plural: r.plural,
        namespace,
      }),
    )) as { items?: T[] };
    return list.items ?? [];
  } catch (error) {
    if (error instanceof ClusterError && (error.status === 404 || error.status === 403)) return [];
    throw error;
  }
}

async function istioRouters(
  k: KubeClient,
  namespace: string,
  services: readonly string[],
): Promise<{ router: FoundRouter; why: string }[]> {
  if (services.length === 0) return [];
  const [vss, drs] = await Promise.all([
    listCustom<VirtualService>(k, ROUTER_RESOURCES.virtualService, namespace),
    listCustom<DestinationRule>(k, ROUTER_RESOURCES.destinationRule, namespace),
  ]);
  return vss.flatMap((vs) => {
    const route = (vs.spec?.http ?? []).find((h) =>
      (h.route ?? []).some((d) => hostNames(d.destination?.host, namespace, services)),
    );
    const vsName = vs.metadata?.name;
    if (!route || !vsName) return [];
    const host = route.route?.find((d) => hostNames(d.destination?.host, namespace, services))?.destination
      ?.host;
    const dr = drs.find((d) => hostNames(d.spec?.host, namespace, services))?.metadata?.name;
    return [
      {
        router: {
          kind: 'istio' as const,
          virtualService: vsName,
          ...(route.name ? { route: route.name } : {}),
          ...(dr ? { destinationRule: dr } : {}),
        },
        why: `VirtualService "${vsName}"${route.name ? ` (route ${route.name})` : ''} sends traffic to ${host ?? 'its Service'}${dr ? `; DestinationRule "${dr}"` : ''}`,
      },
    ];
  });
}

async function gatewayRouters(
  k: KubeClient,
  namespace: string,
  services: readonly string[],
): Promise<{ router: FoundRouter; why: string }[]> {
  if (services.length === 0) return [];
  const routes = await listCustom<HTTPRoute>(k, ROUTER_RESOURCES.httpRoute, namespace);
  return routes.flatMap((r) => {
    const name = r.metadata?.name;
    const ref = (r.spec?.rules ?? [])
      .flatMap((rule) => rule.backendRefs ?? [])
      .find((b) => services.some((s) => b.name === s || b.name?.startsWith(`${s}-`)));
    if (!name || !ref) return [];
    return [
      {
        router: { kind: 'gateway-api' as const, httpRoute: name },
        why: `HTTPRoute "${name}" sends traffic to Service "${ref.name}"`,
      },
    ];
  });
}
