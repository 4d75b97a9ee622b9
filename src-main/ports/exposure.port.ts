/**
 * Something that exposes a new version to a share of users without (necessarily) moving pods: a traffic
 * router moving requests between a stable and a canary workload, or a feature-flag provider moving users
 * between a flag's variants. A ramp (a canary's weights, a flag-rollout's percentages) talks only to this
 * port, never to a concrete router or provider.
 *
 * Every method is idempotent (calling it again after a crash changes nothing twice) and throws
 * `ClusterError`-shaped errors with a `kind` (`unreachable`, `timeout`, `forbidden`, `conflict`, `notFound`,
 * `invalid`): `conflict` means someone changed the object since we last read or wrote it (drift), and the
 * caller pauses with the difference, it never overwrites.
 */
export interface ExposureProvider {
  /** The provider kind, e.g. `openfeature`, `unleash`, or a router kind such as `istio`. */
  readonly kind: string;
  /** One line naming what is changed, e.g. `FeatureFlag shop/checkout-flags, flag new-checkout`. */
  describe(): string;
  /**
   * The system that answers for this provider when it is not the cluster, named for people, e.g. `Unleash at
   * https://unleash.example.com`: a release paused because it does not answer names it. Absent when the
   * provider lives in the cluster (an OpenFeature `FeatureFlag`, a router object).
   */
  readonly system?: string;
  /** Exposure as the provider says it is now (read back, never what we intended). */
  read(signal?: AbortSignal): Promise<ExposureReading>;
  /**
   * Exposes `percent` (0..100) of users to the new variant, everyone else to the off variant. With
   * `expected`, refuses with a `conflict` error when the provider's object changed since that reading
   * (someone edited it in the flag system's own UI). Returns the exposure read back afterwards.
   */
  setPercent(percent: number, expected?: ExposureReading): Promise<ExposureReading>;
  /**
   * The kill switch: everyone back to the off variant (or the environment/flag disabled) at once, whatever
   * the flag looks like now (never refused for drift). Returns the exposure read back afterwards.
   */
  kill(): Promise<ExposureReading>;
}

/** A feature-flag system's flag as a ramp drives it: an exposure provider with targeting and flag listing. */
export interface FlagProvider extends ExposureProvider {
  /** The flags this provider can ramp (for the plan screen's picker), each with its variants. */
  listFlags(signal?: AbortSignal): Promise<FlagSummary[]>;
  /**
   * Serves `variant` to every user in the listed segments (user targeting first: beta testers, a tier, a
   * region, an organisation list), before and independent of the percentage. Idempotent; `expected` as in
   * `setPercent`. An empty list removes Switchyard's segment rules.
   */
  setSegments(segments: readonly FlagSegment[], expected?: ExposureReading): Promise<ExposureReading>;
  /** Reads another flag of the same provider (for prerequisites): its exposure and whether it is on. */
  readFlag(key: string, signal?: AbortSignal): Promise<ExposureReading>;
  /** Preflight: what this provider can and cannot do with the plan's flag, each finding one sentence. */
  check(signal?: AbortSignal): Promise<FlagCheck[]>;
}

export interface ExposureReading {
  /** Percent (0..100) of users per variant or track, e.g. `{ off: 90, on: 10 }` or `{ stable: 90, canary: 10 }`. */
  percent: Record<string, number>;
  /** The variant or track that counts as "new" in `percent`. */
  newVariant: string;
  /** False when the flag (or its environment) is disabled: everyone gets the off variant. */
  enabled: boolean;
  /** Which object was read, e.g. `FeatureFlag shop/checkout-flags (resourceVersion 412)`. */
  source: string;
  /**
   * A token that changes whenever anyone changes the object (a resourceVersion, or the id of the flag's last
   * event), for drift detection.
   */
  version?: string;
  /** Users-targeting rules in force, as Switchyard wrote them (absent when the provider has none). */
  segments?: FlagSegment[];
  /** Plain sentences about what the provider does not do as asked; recorded in a decision. */
  notes?: string[];
}

/** Users matching `attribute <operator> values` get `variant`. */
export interface FlagSegment {
  /** A name people read, e.g. `beta testers`. */
  name: string;
  /** The evaluation-context attribute, e.g. `email`, `tier`, `region`, `orgId`. */
  attribute: string;
  operator: 'in' | 'not_in' | 'ends_with' | 'starts_with';
  values: readonly string[];
  /** The variant served to matching users (the plan's new variant unless said otherwise). */
  variant?: string;
}

export interface FlagSummary {
  key: string;
  variants: string[];
  enabled: boolean;
  description?: string;
}

export interface FlagCheck {
  /** What was checked, e.g. `reachable`, `authorised`, `flag exists`, `variants exist`, `can edit`. */
  check: string;
  ok: boolean;
  /** One sentence a person reads. */
  detail: string;
}
