/** The parts of the router custom resources the release operations read and write. Other fields pass through untouched. */

interface ObjectMetaLite {
  name?: string;
  namespace?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface IstioDestination {
  destination?: { host?: string; subset?: string; port?: { number?: number } };
  weight?: number;
  [key: string]: unknown;
}

export interface IstioHttpRoute {
  name?: string;
  route?: IstioDestination[];
  [key: string]: unknown;
}

export interface VirtualService {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaLite;
  spec?: { hosts?: string[]; http?: IstioHttpRoute[]; [key: string]: unknown };
  [key: string]: unknown;
}

/** Istio load-balancer settings; `consistentHash.httpHeaderName` keeps requests with one header value on one pod. */
interface IstioLoadBalancer {
  simple?: string;
  consistentHash?: { httpHeaderName?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface IstioSubset {
  name: string;
  labels?: Record<string, string>;
  trafficPolicy?: { loadBalancer?: IstioLoadBalancer; [key: string]: unknown };
  [key: string]: unknown;
}

export interface DestinationRule {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaLite;
  spec?: {
    host?: string;
    subsets?: IstioSubset[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface GatewayBackendRef {
  name?: string;
  namespace?: string;
  port?: number;
  weight?: number;
  [key: string]: unknown;
}

/** One `matches[]` entry of an HTTPRoute rule; header `type` defaults to `Exact`, a missing path to PathPrefix `/`. */
export interface GatewayMatch {
  path?: { type?: string; value?: string };
  headers?: { type?: 'Exact' | 'RegularExpression'; name: string; value: string }[];
  [key: string]: unknown;
}

export interface HTTPRoute {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaLite;
  spec?: {
    rules?: { matches?: GatewayMatch[]; backendRefs?: GatewayBackendRef[]; [key: string]: unknown }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Group, version and plural of the router resources, as served by Istio and Gateway API. */
export const ROUTER_RESOURCES = {
  virtualService: {
    group: 'networking.istio.io',
    version: 'v1beta1',
    plural: 'virtualservices',
    kind: 'VirtualService',
  },
  destinationRule: {
    group: 'networking.istio.io',
    version: 'v1beta1',
    plural: 'destinationrules',
    kind: 'DestinationRule',
  },
  httpRoute: { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute' },
} as const;

/** Percent weights (0..100, summing to 100 when any weight is set) of `refs` keyed by `keyOf`; unset Gateway API weights count as 1. */
export function percentWeights<T>(
  refs: readonly T[],
  keyOf: (ref: T) => string | undefined,
  weightOf: (ref: T) => number | undefined,
  defaultWeight: number,
): Record<string, number> {
  const raw = refs
    .map((r) => ({ key: keyOf(r), weight: weightOf(r) ?? defaultWeight }))
    .filter((r): r is { key: string; weight: number } => r.key !== undefined);
  const total = raw.reduce((sum, r) => sum + r.weight, 0);
  const out: Record<string, number> = {};
  for (const r of raw) out[r.key] = (out[r.key] ?? 0) + (total === 0 ? 0 : (r.weight / total) * 100);
  for (const k of Object.keys(out)) out[k] = Math.round((out[k] ?? 0) * 100) / 100;
  return out;
}

/** The header an Istio subset hashes requests on (`trafficPolicy.loadBalancer.consistentHash.httpHeaderName`), if any. */
export function subsetHashHeader(subset: IstioSubset | undefined): string | undefined {
  return subset?.trafficPolicy?.loadBalancer?.consistentHash?.httpHeaderName;
}

/**
 * The parts of HTTPRoute matches Switchyard writes, with the API server's defaults filled in (path PathPrefix `/`,
 * header type Exact, names lower-cased as HTTP compares them), so a defaulted read-back compares equal to what was written.
 */
function matchKey(matches: readonly GatewayMatch[] | undefined): string {
  const list = matches?.length ? matches : [{}];
  return JSON.stringify(
    list.map((m) => ({
      path: { type: m.path?.type ?? 'PathPrefix', value: m.path?.value ?? '/' },
      headers: (m.headers ?? [])
        .map((h) => ({ type: h.type ?? 'Exact', name: h.name.toLowerCase(), value: h.value }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    })),
  );
}

/** True when two backendRef lists send the same weights to the same Services and ports (unset weight = 1). */
export function sameRefs(a: readonly GatewayBackendRef[], b: readonly GatewayBackendRef[]): boolean {
  const key = (refs: readonly GatewayBackendRef[]) =>
    JSON.stringify(refs.map((r) => [r.name, r.namespace ?? null, r.port ?? null, r.weight ?? 1]));
  return key(a) === key(b);
}

/** True when two rule lists match the same requests and send them to the same backends, in order. */
export function sameRules(
  a: readonly { matches?: GatewayMatch[]; backendRefs?: GatewayBackendRef[] }[],
  b: readonly { matches?: GatewayMatch[]; backendRefs?: GatewayBackendRef[] }[],
): boolean {
  return (
    a.length === b.length &&
    a.every(
      (x, i) =>
        matchKey(x.matches) === matchKey(b[i]?.matches) &&
        sameRefs(x.backendRefs ?? [], b[i]?.backendRefs ?? []),
    )
  );
}
