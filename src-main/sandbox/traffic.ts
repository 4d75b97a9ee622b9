import type { Clock } from '../ports/clock.port.ts';
import { isActive, isReady, podIdentity } from './controllers/context.ts';
import { FlagTraffic } from './flags/flag-traffic.ts';
import type { ProfileBook } from './profiles.ts';
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

/** Upper bounds (seconds) of the latency histogram buckets. */
export const latencyBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9, 1, 1.5, 2, 2.5, 5, 10,
];

/** Cumulative request counters of one (namespace, job, version). Counts are expected values (fractional). */
export interface SeriesCounters {
  requests: number;
  errors: number;
  /** Cumulative count per bucket of `latencyBuckets` (le), without +Inf. */
  buckets: number[];
  /** Sum of latencies, seconds. */
  sumSeconds: number;
  restarts: number;
}

/** A series: labels plus counters and the current saturation gauge (ratio). */
export interface Series extends SeriesCounters {
  readonly namespace: string;
  readonly job: string;
  readonly version: string;
  /** The feature-flag variant the requests were served with (services that evaluate a flag only). */
  readonly variant?: string;
  saturation: number;
}

/** Per-version figures over a window, as `GET /_sandbox/stats` returns them (ratios, milliseconds). */
export interface WindowStats {
  requests: number | null;
  errors: number | null;
  successRate: number | null;
  errorRate: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  saturation: number | null;
  restarts: number;
  samples: number;
}

function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}

/** Share of a log-normal latency distribution (median `p50Ms`, 95th percentile `p95Ms`) at or below `seconds`. */
export function latencyCdf(seconds: number, p50Ms: number, p95Ms: number): number {
  const sigma = Math.max(0.01, Math.log(Math.max(p95Ms, p50Ms * 1.01) / p50Ms) / 1.6449);
  const z = (Math.log(seconds * 1000) - Math.log(p50Ms)) / sigma;
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

/** `histogram_quantile` over cumulative bucket counts (linear within a bucket, as Prometheus does); seconds. */
export function bucketQuantile(q: number, buckets: readonly number[], total: number): number | null {
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevCount = 0;
  let prevLe = 0;
  for (let i = 0; i < latencyBuckets.length; i++) {
    const c = buckets[i] ?? 0;
    if (c >= rank) {
      const le = latencyBuckets[i]!;
      return c === prevCount ? le : prevLe + ((le - prevLe) * (rank - prevCount)) / (c - prevCount);
    }
    prevCount = c;
    prevLe = latencyBuckets[i]!;
  }
  return latencyBuckets[latencyBuckets.length - 1]!;
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
export function gatewayRuleFor<R extends GatewayRule>(
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

type Split = Map<string, { share: number; pods: KubeObject[] }>;

/**
 * The traffic and metrics model: on each tick, every source's requests for the elapsed sandbox time
 * are split the way the routers say (Istio VirtualService + DestinationRule subsets, Gateway API
 * HTTPRoute, Service selector, or pro rata to ready pods of `app=<host>`), then counted per
 * (namespace, job = pod `app` label, version = image tag) with that version's behaviour profile.
 */
export class TrafficModel {
  readonly series = new Map<string, Series>();
  private last: number;
  private readonly history: { t: number; counters: Map<string, SeriesCounters> }[] = [];
  private readonly podRestarts = new Map<string, number>();
  /** Variant shares of services that evaluate a feature flag. */
  readonly flags: FlagTraffic;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly profiles: ProfileBook,
    readonly sources: TrafficSource[],
  ) {
    this.last = clock.now();
    this.flags = new FlagTraffic(store);
    store.subscribe((e) => {
      if (e.key !== 'pods') return;
      if (e.type === 'DELETED') this.podRestarts.delete(e.object.metadata.uid ?? '');
      else this.countRestarts(e.object);
    });
  }

  /** Counts traffic from the clock's now on (after the clock stepped, as at the end of seeding). */
  restart(): void {
    this.last = this.clock.now();
  }

  /** Where each source's traffic goes right now: series key → share of the source's requests (0..1). */
  split(source: TrafficSource): Split {
    const out: Split = new Map();
    const segments = source.segments?.length ? source.segments : [{ weight: 1, headers: {} }];
    const total = segments.reduce((n, s) => n + s.weight, 0) || 1;
    for (const seg of segments) {
      for (const [pods, share] of this.route(source, seg.headers)) {
        const ready = pods.filter((p) => isActive(p) && isReady(p));
        for (const p of ready) {
          const id = podIdentity(p);
          const key = `${p.metadata.namespace}\u0000${id.service}\u0000${id.version}`;
          const entry = out.get(key) ?? { share: 0, pods: [] };
          entry.share += ((seg.weight / total) * share) / ready.length;
          entry.pods.push(p);
          out.set(key, entry);
        }
      }
    }
    return out;
  }

  private route(source: TrafficSource, requestHeaders: Record<string, string>): [KubeObject[], number][] {
    const ns = source.namespace;
    const headers = lowerKeys(requestHeaders);
    const vs = this.store
      .list('virtualservices.networking.istio.io', ns)
      .find((v) => hostMatches(v.spec?.hosts, source.host, ns));
    if (vs) {
      const http = (vs.spec?.http ?? []) as {
        match?: { headers?: Record<string, Record<string, string>> }[];
        route?: { destination: { host: string; subset?: string }; weight?: number }[];
      }[];
      const rule = http.find(
        (r) => !r.match?.length || r.match.some((m) => headersMatch(m.headers, headers)),
      );
      if (!rule?.route?.length) return [];
      const weights = rule.route.map((d) =>
        d.weight === undefined ? (rule.route!.length === 1 ? 100 : 0) : d.weight,
      );
      const sum = weights.reduce((a, b) => a + b, 0) || 1;
      return rule.route.map((d, i) => [
        this.destinationPods(d.destination.host, d.destination.subset, ns),
        weights[i]! / sum,
      ]);
    }
    const short = shortHost(source.host, ns);
    const hr = this.store
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
      return refs.map((b, i) => [this.servicePods(b.namespace ?? ns, b.name), weights[i]! / sum]);
    }
    if (this.store.get('services', short.namespace, short.name))
      return [[this.servicePods(short.namespace, short.name), 1]];
    return [
      [this.store.list('pods', short.namespace).filter((p) => p.metadata.labels?.app === short.name), 1],
    ];
  }

  private servicePods(ns: string, name: string): KubeObject[] {
    const svc = this.store.get('services', ns, name);
    if (!svc?.spec?.selector) return [];
    return this.store.list('pods', ns).filter((p) => matchesMap(svc.spec.selector, p.metadata.labels));
  }

  private destinationPods(host: string, subset: string | undefined, vsNamespace: string): KubeObject[] {
    const target = shortHost(host, vsNamespace);
    let pods = this.servicePods(target.namespace, target.name);
    if (subset) {
      const drs = [
        ...this.store.list('destinationrules.networking.istio.io', target.namespace),
        ...(target.namespace === vsNamespace
          ? []
          : this.store.list('destinationrules.networking.istio.io', vsNamespace)),
      ];
      const dr = drs.find((d) => hostMatches([d.spec?.host ?? ''], host, vsNamespace));
      const labels = (dr?.spec?.subsets ?? []).find((s: { name: string }) => s.name === subset)?.labels as
        Record<string, string> | undefined;
      if (!labels) return [];
      pods = pods.filter((p) => Object.entries(labels).every(([k, v]) => p.metadata.labels?.[k] === v));
    }
    return pods;
  }

  /** Advances the model to the clock's now: counts requests, errors, latencies and restarts. */
  tick(): void {
    const now = this.clock.now();
    const dt = Math.max(0, now - this.last) / 1000;
    this.last = now;
    for (const s of this.series.values()) s.saturation = 0;
    for (const source of this.sources) {
      const n = source.rps * dt;
      for (const [key, { share }] of this.split(source)) {
        const variants = this.flags.sharesForSeries(key);
        if (!variants) this.count(this.seriesFor(key), n * share);
        else for (const [v, vs] of variants) this.count(this.seriesFor(`${key}\u0000${v}`), n * share * vs);
      }
    }
    const lastSnap = this.history[this.history.length - 1];
    if (!lastSnap || now - lastSnap.t >= 1000) {
      const counters = new Map<string, SeriesCounters>();
      for (const [k, s] of this.series)
        counters.set(k, {
          requests: s.requests,
          errors: s.errors,
          buckets: [...s.buckets],
          sumSeconds: s.sumSeconds,
          restarts: s.restarts,
        });
      this.history.push({ t: now, counters });
      while (
        this.history.length > 2 &&
        (now - this.history[0]!.t > 3 * 3_600_000 || this.history.length > 20_000)
      )
        this.history.shift();
    }
  }

  /** Counts `count` requests of series `s` with the behaviour profile of its version (and variant). */
  private count(s: Series, count: number): void {
    const p = this.profiles.resolve(s.namespace, s.job, s.version, s.variant);
    s.requests += count;
    s.errors += count * p.errorRate;
    for (let i = 0; i < latencyBuckets.length; i++)
      s.buckets[i]! += count * latencyCdf(latencyBuckets[i]!, p.p50Ms, p.p95Ms);
    const sigma = Math.max(0.01, Math.log(Math.max(p.p95Ms, p.p50Ms * 1.01) / p.p50Ms) / 1.6449);
    s.sumSeconds += ((count * p.p50Ms) / 1000) * Math.exp((sigma * sigma) / 2);
    s.saturation = Math.max(s.saturation, p.saturation);
  }

  private seriesFor(key: string): Series {
    let s = this.series.get(key);
    if (!s) {
      const [namespace, job, version, variant] = key.split('\u0000') as [string, string, string, string?];
      s = {
        namespace,
        job,
        version,
        ...(variant ? { variant } : {}),
        requests: 0,
        errors: 0,
        buckets: latencyBuckets.map(() => 0),
        sumSeconds: 0,
        restarts: 0,
        saturation: 0,
      };
      this.series.set(key, s);
    }
    return s;
  }

  private countRestarts(pod: KubeObject): void {
    const count = pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
    const uid = pod.metadata.uid ?? '';
    const before = this.podRestarts.get(uid) ?? 0;
    if (count <= before) return;
    const id = podIdentity(pod);
    this.seriesFor(`${pod.metadata.namespace}\u0000${id.service}\u0000${id.version}`).restarts +=
      count - before;
    this.podRestarts.set(uid, count);
  }

  /**
   * Figures for (namespace?, job, version?) over the last `windowSeconds` of sandbox time, up to now.
   * Rates are ratios, latencies milliseconds; request-derived values are null without traffic.
   */
  stats(q: {
    namespace?: string;
    job: string;
    version?: string;
    variant?: string;
    windowSeconds: number;
  }): WindowStats {
    // Counters end at the last tick, up to a tick interval (more on a busy machine) behind the clock:
    // bring them to now, or the window would end in the past and miss the latest requests.
    this.tick();
    const now = this.clock.now();
    const from = now - q.windowSeconds * 1000;
    const matches = (key: string) => {
      const [ns, job, version, variant] = key.split('\u0000');
      return (
        job === q.job &&
        (!q.namespace || ns === q.namespace) &&
        (!q.version || version === q.version) &&
        (!q.variant || variant === q.variant)
      );
    };
    const base = [...this.history].reverse().find((h) => h.t <= from) ?? this.history[0];
    const samples = this.history.filter((h) => h.t > from).length;
    const sum = (m: Map<string, SeriesCounters> | undefined) => {
      const acc: SeriesCounters = {
        requests: 0,
        errors: 0,
        buckets: latencyBuckets.map(() => 0),
        sumSeconds: 0,
        restarts: 0,
      };
      for (const [k, c] of m ?? []) {
        if (!matches(k)) continue;
        acc.requests += c.requests;
        acc.errors += c.errors;
        acc.restarts += c.restarts;
        c.buckets.forEach((b, i) => (acc.buckets[i]! += b));
      }
      return acc;
    };
    const end = sum(this.series as Map<string, SeriesCounters>);
    const start = base && base.t <= from ? sum(base.counters) : sum(undefined);
    const requests = end.requests - start.requests;
    const errors = end.errors - start.errors;
    const buckets = end.buckets.map((b, i) => b - start.buckets[i]!);
    const live = [...this.series].filter(([k]) => matches(k)).map(([, s]) => s.saturation);
    const has = requests > 1e-9;
    const q95 = bucketQuantile(0.95, buckets, requests);
    const q99 = bucketQuantile(0.99, buckets, requests);
    return {
      requests: has ? requests : null,
      errors: has ? errors : null,
      successRate: has ? 1 - errors / requests : null,
      errorRate: has ? errors / requests : null,
      p95Ms: has && q95 !== null ? q95 * 1000 : null,
      p99Ms: has && q99 !== null ? q99 * 1000 : null,
      saturation: has && live.length ? Math.max(...live) : null,
      restarts: end.restarts - start.restarts,
      samples,
    };
  }
}
