import type { FlagProvider } from '../../ports/exposure.port.ts';
import type {
  ReleaseSnapshot,
  OperatorEvent,
  ReleaseOutcome,
} from '../../../src-shared/release/release.schema.ts';
import type { Clock } from '../../ports/clock.port.ts';
import type { AuditActor, AuditEventInput, Journal } from '../../ports/journal.port.ts';
import type { WorkloadLeasePort } from '../../ports/lease.port.ts';
import type { AnalysisSource, ReleaseOps } from '../../ports/release.port.ts';
import type { AnalysisCounter } from '../machines/release-common.ts';

/** The ports and settings a run needs. */
export interface ReleaseRunDeps {
  ops: ReleaseOps;
  analysis: AnalysisSource;
  clock: Clock;
  journal: Journal;
  /** Who runs the release: OS user and kubeconfig context, named in every audit entry. */
  who: AuditActor;
  /** The flag a flag-rollout release ramps (required for one; see app/flag-providers.ts). */
  flags?: FlagProvider;
  /** Argo-style counting of analysis measurements; default `assessMeasurements` from src-shared/stats. */
  count?: AnalysisCounter;
  /**
   * When true, `done` resolves (and the machine stops, resumable from the journal) as soon as the
   * release pauses for an operator; for headless runs. Default false: a paused release waits for events.
   */
  stopWhenPaused?: boolean;
  /**
   * The workload's lease in the cluster. When given, the release takes it before its journal entry and first
   * mutation (refused with LeaseHeldError when another release holds it), renews it every 10 s while this
   * process drives the release, and deletes it when the release ends; a stopped run keeps it (it goes stale).
   * When the start itself fails afterwards (journal error), the caller releases it (`lease.release(id)`).
   */
  lease?: WorkloadLeasePort;
  /** Take over a lease whose holder stopped renewing (the user confirmed it); audited. Default false. */
  takeOver?: boolean;
  /** Host name written into the lease; default `os.hostname()`. */
  host?: string;
  /** Real milliseconds between two lease renewals; default `LEASE_RENEW_INTERVAL_MS` (10 s). */
  leaseRenewMs?: number;
}

/** One analysis metric still being measured, and when (on the release clock) its next measurement is due. */
export interface PendingMeasurement {
  /** `template/metric`, e.g. `initial-canary/error-rate`. */
  key: string;
  /** Milliseconds since the Unix epoch on the release's clock. */
  nextAtMs: number;
  /** Milliseconds between two measurements of this metric. */
  intervalMs: number;
}

/** A running release. */
export interface ReleaseHandle {
  readonly id: string;
  /**
   * Sends an operator event (`PAUSE`, `RESUME`, `PROMOTE`, `PROMOTE_FULL`, `ABORT`, `RETRY`, `ROLLBACK`,
   * `CONFIRM`). `by` defaults to the runner's OS user. Throws DomainError `badRequest` for an unknown event,
   * `conflict` (a plain sentence naming the state) when the release does not accept it now.
   */
  send(event: OperatorEvent, by?: string): void;
  /** Calls `listener` with the current projection now and after every change; returns the unsubscribe function. */
  subscribe(listener: (snapshot: ReleaseSnapshot) => void): () => void;
  /** The current projection. */
  getSnapshot(): ReleaseSnapshot;
  /**
   * Resolves once the release settles: completed, aborted, rolled back, failed, or (with `stopWhenPaused`)
   * paused; the journal holds that state when it resolves. Never rejects.
   */
  readonly done: Promise<ReleaseOutcome>;
  /**
   * Stops driving the release without changing it (it stays resumable); resolves when the journal is
   * flushed and closed.
   */
  stop(): Promise<void>;
  /** Resolves when every journal write queued so far is on disk. */
  flushed(): Promise<void>;
  /**
   * Appends an audit entry that is not a state change (e.g. what happened while the computer slept), in
   * order with the release's other entries. Rejects with the journal's DomainError, or `conflict` once the
   * journal is closed.
   */
  note(event: AuditEventInput): Promise<void>;
  /** The analysis metrics (step and background analysis) waiting for their next measurement; empty when none is. */
  pendingMeasurements(): PendingMeasurement[];
}
