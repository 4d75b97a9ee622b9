import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import type { KubeObject } from '../selectors.ts';
import type { ObjectStore } from '../store.ts';
import { FEATURE_FLAGS, flagsOf } from './feature-flag-kind.ts';
import { simulatedUsers } from './simulated-users.ts';

/**
 * The Deployment annotation naming the FeatureFlag whose flag a service evaluates: `<name>` (in the
 * Deployment's namespace) or `<namespace>/<name>`. With several flags in it, `FLAG_KEY_ANNOTATION` picks one;
 * otherwise the first flag counts. (The OpenFeature Operator injects flagd through `openfeature.dev/enabled`
 * plus `openfeature.dev/featureflagsource`; the sandbox has no sidecar, so it names the FeatureFlag directly.)
 */
export const FEATURE_FLAG_ANNOTATION = 'openfeature.dev/featureflag';
/** The metrics label carrying the variant (OpenTelemetry's `feature_flag.variant`, in Prometheus spelling). */
export const VARIANT_LABEL = 'feature_flag_variant';
/** The Deployment annotation naming the flag key inside the FeatureFlag, e.g. `new-checkout`. */
export const FLAG_KEY_ANNOTATION = 'openfeature.dev/flag-key';

/** Share of a service's requests per variant (shares sum to 1). */
export type VariantShares = readonly (readonly [variant: string, share: number])[];

const silent = { error() {}, warn() {}, info() {}, debug() {} };

interface FlagRef {
  namespace: string;
  name: string;
  key?: string;
}

/**
 * Which variant the sandbox's simulated users get, per service: a service whose Deployment carries
 * `FEATURE_FLAG_ANNOTATION` evaluates that FeatureFlag's flag with flagd's own evaluator for every simulated
 * user (a stable `targetingKey` and attributes each), and its requests split by the variants served. The
 * shares are computed once per FeatureFlag resourceVersion; services without the annotation cost one map lookup.
 */
export class FlagTraffic {
  /** `namespace \0 app` → annotated Deployments of that app (`namespace/name`) → their flag reference. */
  private readonly refs = new Map<string, Map<string, FlagRef>>();
  /** Deployment `namespace/name` → its index key, to drop it when the annotation goes. */
  private readonly byDeployment = new Map<string, string>();
  private readonly cache = new Map<string, { rv: string; key: string; shares: VariantShares }>();

  constructor(private readonly store: ObjectStore) {
    for (const d of store.list('deployments.apps')) this.index(d, false);
    store.subscribe((e) => {
      if (e.key === 'deployments.apps') this.index(e.object, e.type === 'DELETED');
    });
  }

  private index(d: KubeObject, deleted: boolean): void {
    const ns = d.metadata.namespace ?? 'default';
    const id = `${ns}/${d.metadata.name}`;
    const before = this.byDeployment.get(id);
    if (before) {
      const entries = this.refs.get(before);
      entries?.delete(id);
      if (!entries?.size) this.refs.delete(before);
      this.byDeployment.delete(id);
    }
    const value = d.metadata.annotations?.[FEATURE_FLAG_ANNOTATION];
    if (deleted || typeof value !== 'string' || !value) return;
    const app = d.spec?.template?.metadata?.labels?.app ?? d.metadata.name;
    const [refNs, refName] = value.includes('/') ? value.split('/', 2) : [ns, value];
    const key = d.metadata.annotations?.[FLAG_KEY_ANNOTATION];
    const indexKey = `${ns}\u0000${app}`;
    const entries = this.refs.get(indexKey) ?? new Map<string, FlagRef>();
    entries.set(id, { namespace: refNs!, name: refName!, ...(key ? { key } : {}) });
    this.refs.set(indexKey, entries);
    this.byDeployment.set(id, indexKey);
  }

  /** `sharesFor` of a traffic series key (`namespace \0 job \0 version`); undefined at once when no service has a flag. */
  sharesForSeries(seriesKey: string): VariantShares | undefined {
    if (this.refs.size === 0) return undefined;
    const [namespace, job] = seriesKey.split('\u0000');
    return this.sharesFor(namespace ?? '', job ?? '');
  }

  /**
   * The variant shares of service `job` in `namespace`, or undefined when it evaluates no flag (or its
   * FeatureFlag or flag does not exist: requests then carry no variant).
   */
  sharesFor(namespace: string, job: string): VariantShares | undefined {
    if (this.refs.size === 0) return undefined;
    const ref = this.refs.get(`${namespace}\u0000${job}`)?.values().next().value;
    if (!ref) return undefined;
    const ff = this.store.get(FEATURE_FLAGS.storageKey, ref.namespace, ref.name);
    if (!ff) return undefined;
    const flags = flagsOf(ff);
    const key = ref.key ?? Object.keys(flags)[0];
    if (!key || !flags[key]) return undefined;
    const id = `${ref.namespace}/${ref.name}`;
    const rv = String(ff.metadata.resourceVersion ?? '');
    const hit = this.cache.get(id);
    if (hit && hit.rv === rv && hit.key === key) return hit.shares;
    const shares = evaluateShares(flags, key);
    this.cache.set(id, { rv, key, shares });
    return shares;
  }
}

/**
 * Evaluates flag `key` of `flags` for every simulated user with flagd's evaluator and returns the share of
 * users per variant. A disabled flag, or targeting that errs or returns no variant, serves the default
 * variant (flagd's default resolution).
 */
export function evaluateShares(flags: Record<string, unknown>, key: string): VariantShares {
  const core = new FlagdCore(new MemoryStorage(silent), silent);
  const def = flags[key] as { defaultVariant?: string } | undefined;
  const fallback = String(def?.defaultVariant ?? 'default');
  try {
    core.setConfigurations(JSON.stringify({ flags: { [key]: flags[key] } }));
  } catch {
    // A flag flagd cannot load serves its default variant to everyone.
    return [[fallback, 1]];
  }
  const flag = core.getFlag(key);
  if (!flag) return [[fallback, 1]];
  const users = simulatedUsers();
  const counts = new Map<string, number>();
  for (const ctx of users) {
    const r = flag.evaluate(ctx);
    const variant = r.reason === 'ERROR' ? fallback : (r.variant ?? fallback);
    counts.set(variant, (counts.get(variant) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([v, n]) => [v, n / users.length] as const);
}
