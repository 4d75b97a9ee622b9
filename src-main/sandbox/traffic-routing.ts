import { matchesMap, type KubeObject } from './selectors.ts';
import type { ObjectStore } from './store.ts';

/** Where requests arrive: a host name as clients call it in a namespace, at a rate. */
export interface TrafficSource {
  readonly namespace: string;
  /** Host clients call: a Service name, a VirtualService host or an HTTPRoute hostname. */
  readonly host: string;
  /** Requests per second of sandbox time. */
  rps: number;
  /** Request classes by headers (for header-matched routes), weights summing to 1; default one class without headers. */
  readonly segments?: readonly { weight: number; headers: Record<string, string> }[];
}

function shortHost(host: string, ns: string): { name: string; namespace: string } {
  const parts = host.split('.');
  if (parts.length >= 2 && (parts.length === 2 || parts[2] === 'svc'))
    return { name: parts[0]!, namespace: parts[1]! };
  return { name: host, namespace: ns };
}

function hostMatches(hosts: readonly string[] | undefined, host: string, ns: string): boolean {
  const h = shortHost(host, ns);
  return (hosts ?? []).some((x) => {
    if (x === host) return true;
    const s = shortHost(x, ns);
    return !x.includes('.') || x.includes('.svc') || x.split('.').length === 2
      ? s.name === h.name && s.namespace === h.namespace
      : false;
  });
}

/** A header regex as Istio and Envoy-based gateways apply it: the whole value must match. */
function fullMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    // An invalid pattern (the API server would refuse it) matches nothing.
    return false;
  }
}

/** Request headers with lower-case names: HTTP compares header names case-insensitively. */
function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function headersMatch(
  conds: Record<string, Record<string, string>> | undefined,
  headers: Record<string, string>,
): boolean {
  for (const [name, cond] of Object.entries(conds ?? {})) {
    const v = headers[name.toLowerCase()];
    if (v === undefined) return false;
    if (cond.exact !== undefined && v !== cond.exact) return false;
    if (cond.prefix !== undefined && !v.startsWith(cond.prefix)) return false;
    if (cond.regex !== undefined && !fullMatch(cond.regex, v)) return false;
  }
  return true;
}

type GatewayRule = {
  matches?: { headers?: { name: string; value: string; type?: string }[] }[];
  backendRefs?: { name: string; namespace?: string; weight?: number }[];
};

/**
 * The HTTPRoute rule a request takes, by Gateway API precedence as far as the sandbox models requests (by
 * headers only): among rules with a matching `matches[]` entry (none means match all), the one whose
 * matching entry has the most header matches wins; a tie goes to the earlier rule.
 */
function gatewayRuleFor<R extends GatewayRule>(
  rules: readonly R[],
  headers: Record<string, string>,
): R | undefined {
  let best: { rule: R; score: number } | undefined;
  for (const rule of rules) {
    const matches = rule.matches?.length ? rule.matches : [{ headers: [] }];
    for (const m of matches) {
      const conds = m.headers ?? [];
      const ok = conds.every((h) => {
        const v = headers[h.name.toLowerCase()];
        if (v === undefined) return false;
        return h.type === 'RegularExpression' ? fullMatch(h.value, v) : v === h.value;
      });
      if (ok && (!best || conds.length > best.score)) best = { rule, score: conds.length };
    }
  }
  return best?.rule;
}

/**
 * Where a request class from `source` goes: the pods of each destination with its share of the requests
 * (0..1), as the routers say (Istio VirtualService + DestinationRule subsets, Gateway API HTTPRoute,
 * Service selector, or all pods of `app=<host>`).
 */
export function routeRequests(
  store: ObjectStore,
  source: TrafficSource,
  requestHeaders: Record<string, string>,
): [KubeObject[], number][] {
  const ns = source.namespace;
  const headers = lowerKeys(requestHeaders);
  const vs = store
    .list('virtualservices.networking.istio.io', ns)
    .find((v) => hostMatches(v.spec?.hosts, source.host, ns));
  if (vs) {
    const http = (vs.spec?.http ?? []) as {
      match?: { headers?: Record<string, Record<string, string>> }[];
      route?: { destination: { host: string; subset?: string }; weight?: number }[];
    }[];
    const rule = http.find((r) => !r.match?.length || r.match.some((m) => headersMatch(m.headers, headers)));
    if (!rule?.route?.length) return [];
    const weights = rule.route.map((d) =>
      d.weight === undefined ? (rule.route!.length === 1 ? 100 : 0) : d.weight,
    );
    const sum = weights.reduce((a, b) => a + b, 0) || 1;
    return rule.route.map((d, i) => [
      destinationPods(store, d.destination.host, d.destination.subset, ns),
      weights[i]! / sum,
    ]);
  }
  const short = shortHost(source.host, ns);
  const hr = store
    .list('httproutes.gateway.networking.k8s.io', ns)
    .find(
      (r) =>
        (r.spec?.hostnames ?? []).includes(source.host) ||
        (r.spec?.rules ?? []).some((rule: { backendRefs?: { name: string }[] }) =>
          rule.backendRefs?.some((b) => b.name === short.name),
        ),
    );
  if (hr) {
    const refs = gatewayRuleFor((hr.spec?.rules ?? []) as GatewayRule[], headers)?.backendRefs ?? [];
    const weights = refs.map((b) => b.weight ?? 1);
    const sum = weights.reduce((a, b) => a + b, 0) || 1;
    return refs.map((b, i) => [servicePods(store, b.namespace ?? ns, b.name), weights[i]! / sum]);
  }
  if (store.get('services', short.namespace, short.name))
    return [[servicePods(store, short.namespace, short.name), 1]];
  return [[store.list('pods', short.namespace).filter((p) => p.metadata.labels?.app === short.name), 1]];
}

function servicePods(store: ObjectStore, ns: string, name: string): KubeObject[] {
  const svc = store.get('services', ns, name);
  if (!svc?.spec?.selector) return [];
  return store.list('pods', ns).filter((p) => matchesMap(svc.spec.selector, p.metadata.labels));
}

function destinationPods(
  store: ObjectStore,
  host: string,
  subset: string | undefined,
  vsNamespace: string,
): KubeObject[] {
  const target = shortHost(host, vsNamespace);
  let pods = servicePods(store, target.namespace, target.name);
  if (subset) {
    const drs = [
      ...store.list('destinationrules.networking.istio.io', target.namespace),
      ...(target.namespace === vsNamespace
        ? []
        : store.list('destinationrules.networking.istio.io', vsNamespace)),
    ];
    const dr = drs.find((d) => hostMatches([d.spec?.host ?? ''], host, vsNamespace));
    const labels = (dr?.spec?.subsets ?? []).find((s: { name: string }) => s.name === subset)?.labels as
      Record<string, string> | undefined;
    if (!labels) return [];
    pods = pods.filter((p) => Object.entries(labels).every(([k, v]) => p.metadata.labels?.[k] === v));
  }
  return pods;
}
