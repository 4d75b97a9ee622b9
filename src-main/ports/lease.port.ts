/**
 * A release owns its workload in the cluster through a Lease (`coordination.k8s.io/v1`), so a second
 * console, CLI or laptop cannot release the same workload at the same time.
 */

/**
 * Seconds a lease stays valid after its last renewal. A constant, independent of the plan: it measures
 * whether the holding process is alive, not anything about the release.
 */
export const LEASE_DURATION_SECONDS = 30;
/** Real milliseconds between two renewals while a live process drives the release. */
export const LEASE_RENEW_INTERVAL_MS = 10_000;

/** Who holds a workload's lease, as the cluster shows it. */
export interface LeaseHolder {
  /** The holding release's id (the Lease's `holderIdentity`). */
  readonly releaseId: string;
  /** OS user that started the holding release; '' when the Lease does not say. */
  readonly user: string;
  /** Host name of the computer that holds it; '' when the Lease does not say. */
  readonly host: string;
  /** When the holder took the lease, milliseconds since the Unix epoch; null when unknown. */
  readonly acquiredAtMs: number | null;
  /** When the holder last renewed it, milliseconds since the Unix epoch; null when never. */
  readonly renewedAtMs: number | null;
  /** Seconds the lease is valid after a renewal. */
  readonly durationSeconds: number;
  /** True when the holder stopped renewing: last renewal + duration lies in the past (real time). */
  readonly stale: boolean;
}

/** Who asks for a lease. */
export interface LeaseClaim {
  readonly releaseId: string;
  readonly user: string;
  readonly host: string;
}

/** What `acquire` found. */
export type AcquireOutcome =
  /** The claimant holds the lease now; `from` is the stale holder it took over from, if any. */
  | { readonly kind: 'acquired'; readonly from?: LeaseHolder }
  /** Another release holds the lease (live, or stale and no takeover was asked for). */
  | { readonly kind: 'held'; readonly holder: LeaseHolder };

/** What `renew` found. */
export type RenewOutcome =
  | { readonly kind: 'renewed' }
  /** Another release holds the lease now (it was taken over), or the Lease is gone (null). */
  | { readonly kind: 'lost'; readonly holder: LeaseHolder | null };

/** The lease of one workload (`switchyard-<kind>-<name>` in the workload's namespace). */
export interface WorkloadLeasePort {
  /** `namespace/name` of the Lease, for messages. */
  readonly ref: string;
  /**
   * Takes the lease for `claim`. Idempotent for the same release id (a resume takes its own lease back).
   * A lease held by another release is taken only when it is stale and `takeOver` is true. Throws the
   * cluster's DomainError (`forbidden`, `unreachable`, …); a lost race answers `held` with the winner.
   */
  acquire(claim: LeaseClaim, options?: { takeOver?: boolean }): Promise<AcquireOutcome>;
  /** Moves `renewTime` to now when `releaseId` still holds the lease. Throws the cluster's DomainError. */
  renew(releaseId: string): Promise<RenewOutcome>;
  /** Deletes the Lease when `releaseId` holds it; otherwise does nothing. Throws the cluster's DomainError. */
  release(releaseId: string): Promise<void>;
  /** The current holder, or null when nobody holds the workload. Throws the cluster's DomainError. */
  read(): Promise<LeaseHolder | null>;
}
