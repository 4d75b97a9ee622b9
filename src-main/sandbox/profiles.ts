/** How one image version behaves in the sandbox: its traffic outcome and its pod lifecycle. */
export interface BehaviourProfile {
  /** Share of requests answered with a 5xx, ratio 0..1. */
  readonly errorRate: number;
  /** Median latency, milliseconds. */
  readonly p50Ms: number;
  /** 95th percentile latency, milliseconds. */
  readonly p95Ms: number;
  /** Resource saturation, ratio 0..1. */
  readonly saturation: number;
  /** The container exits shortly after each start (restartCount grows, never ready). */
  readonly crashLoop: boolean;
  /** The container runs but never passes its readiness probe. */
  readonly neverReady: boolean;
  /** Pulling the image fails (`ErrImagePull`, then `ImagePullBackOff`); the container never starts. */
  readonly imagePullFails: boolean;
  /** The container is OOM-killed (exit 137, `OOMKilled`) after it turned ready, and restarts with back-off. */
  readonly oomKill: boolean;
  /** Seconds from pod creation to the container running. */
  readonly startupSeconds: number;
  /** Seconds from the container running to the pod being ready. */
  readonly readinessSeconds: number;
  /** Seconds a crash-looping container runs before it exits. */
  readonly crashAfterSeconds: number;
  /** Seconds a Job pod runs before it finishes. */
  readonly jobSeconds: number;
  /** A Job pod of this image exits non-zero. */
  readonly jobFails: boolean;
}

/** A profile entry as a scenario or a fault writes it: which images it applies to, and the fields it sets. */
export interface ProfileRule extends Partial<BehaviourProfile> {
  /** Service (the pod's `app` label or the image's repository name); absent = every service. */
  readonly service?: string;
  /** Image tag; absent = every version. */
  readonly version?: string;
  /** Namespace; absent = every namespace. */
  readonly namespace?: string;
  /** Feature-flag variant the requests were served with; absent = every request (with or without a variant). */
  readonly variant?: string;
}

/** The profile when no rule says otherwise: a healthy service. */
export const defaultProfile: BehaviourProfile = {
  errorRate: 0.001,
  p50Ms: 60,
  p95Ms: 180,
  saturation: 0.4,
  crashLoop: false,
  neverReady: false,
  imagePullFails: false,
  oomKill: false,
  startupSeconds: 3,
  readinessSeconds: 5,
  crashAfterSeconds: 5,
  jobSeconds: 10,
  jobFails: false,
};

/** Splits an image reference into its repository name (last path segment) and tag (`latest` when absent). */
export function parseImage(image: string): { name: string; tag: string } {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > slash;
  const repo = hasTag ? ref.slice(0, colon) : ref;
  return { name: repo.slice(repo.lastIndexOf('/') + 1), tag: hasTag ? ref.slice(colon + 1) : 'latest' };
}

function specificity(r: ProfileRule): number {
  return (r.service ? 2 : 0) + (r.version ? 4 : 0) + (r.namespace ? 1 : 0) + (r.variant ? 8 : 0);
}

/** Scenario rules plus run-time faults; later and more specific rules win field by field. */
export class ProfileBook {
  private rules: ProfileRule[] = [];
  private faults: ProfileRule[] = [];
  private cache = new Map<string, BehaviourProfile>();
  /** Bumped on every change so pods re-read their profile. */
  version = 0;

  constructor(rules: readonly ProfileRule[] = []) {
    this.rules = [...rules];
  }

  /** Adds or replaces a fault for (namespace, service, version, variant); fields left out keep their current value. */
  setFault(f: ProfileRule): void {
    const same = (r: ProfileRule) =>
      r.service === f.service &&
      r.version === f.version &&
      r.namespace === f.namespace &&
      r.variant === f.variant;
    const prev = this.faults.find(same);
    this.faults = [...this.faults.filter((r) => !same(r)), { ...prev, ...f }];
    this.cache.clear();
    this.version++;
  }

  /** The effective profile of `service` at `version` in `namespace` (for requests served with flag `variant`). */
  resolve(namespace: string, service: string, version: string, variant?: string): BehaviourProfile {
    const key = `${namespace}\u0000${service}\u0000${version}\u0000${variant ?? ''}`;
    let p = this.cache.get(key);
    if (p) return p;
    const applies = (r: ProfileRule) =>
      (!r.service || r.service === service) &&
      (!r.version || r.version === version) &&
      (!r.namespace || r.namespace === namespace) &&
      (!r.variant || r.variant === variant);
    const ordered = [...this.rules.filter(applies), ...this.faults.filter(applies)]
      .map((r, i) => ({ r, i }))
      .sort((a, b) => specificity(a.r) - specificity(b.r) || a.i - b.i);
    const merged: Record<string, unknown> = { ...defaultProfile };
    for (const { r } of ordered) {
      for (const [k, v] of Object.entries(r))
        if (v !== undefined && !['service', 'version', 'namespace', 'variant'].includes(k)) merged[k] = v;
    }
    p = merged as unknown as BehaviourProfile;
    this.cache.set(key, p);
    return p;
  }
}
