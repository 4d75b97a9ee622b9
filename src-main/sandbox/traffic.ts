import type { Clock } from '../ports/clock.port.ts';
import { isActive, isReady, podIdentity } from './controllers/context.ts';
import { FlagTraffic } from './flags/flag-traffic.ts';
import type { ProfileBook } from './profiles.ts';
import type { KubeObject } from './selectors.ts';
import { bucketQuantile, latencyBuckets, latencyCdf } from './latency-histogram.ts';
import { routeRequests, type TrafficSource } from './traffic-routing.ts';
import type { ObjectStore } from './store.ts';

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
      for (const [pods, share] of routeRequests(this.store, source, seg.headers)) {
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
