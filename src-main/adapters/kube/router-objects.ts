/** The parts of the router custom resources the release operations read and write. Other fields pass through untouched. */

export interface ObjectMetaLite {
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

export interface DestinationRule {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaLite;
  spec?: {
    host?: string;
    subsets?: { name: string; labels?: Record<string, string> }[];
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

export interface HTTPRoute {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaLite;
  spec?: { rules?: { backendRefs?: GatewayBackendRef[]; [key: string]: unknown }[]; [key: string]: unknown };
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
