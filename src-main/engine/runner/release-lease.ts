import { DomainError, type BridgeError } from '../../../src-shared/bridge/errors.ts';
import type { Target } from '../../../src-shared/plan/plan.schema.ts';
import type { LeaseClaim, LeaseHolder, WorkloadLeasePort } from '../../ports/lease.port.ts';
import { formatDateTime } from '../../../src-shared/format/time.ts';

/** A release was refused because another release holds the workload's lease. */
export class LeaseHeldError extends DomainError {
  constructor(
    readonly holder: LeaseHolder,
    message: string,
  ) {
    super('conflict', message);
    this.name = 'LeaseHeldError';
  }

  /** The bridge error, offering the takeover (`canTakeOver`) when the holder stopped renewing. */
  override toBridge(): BridgeError {
    return this.holder.stale ? { ...super.toBridge(), canTakeOver: true } : super.toBridge();
  }
}

/** `deployment platform-production/workflow-engine`. */
export function workloadName(target: Pick<Target, 'kind' | 'namespace' | 'name'>): string {
  return `${target.kind.toLowerCase()} ${target.namespace}/${target.name}`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min ago` : `${Math.round(m / 60)} h ago`;
}

function at(ms: number | null): string {
  return ms === null ? 'an unknown time' : formatDateTime(ms);
}

/** `release X of alice on laptop-2 (since …, last renewed … (5 s ago))`. */
export function describeHolder(holder: LeaseHolder, nowMs: number = Date.now()): string {
  const by = holder.user ? ` of ${holder.user}` : '';
  const on = holder.host ? ` on ${holder.host}` : '';
  const renewed =
    holder.renewedAtMs === null
      ? 'never renewed'
      : `last renewed ${at(holder.renewedAtMs)} (${ago(nowMs - holder.renewedAtMs)})`;
  return `release ${holder.releaseId}${by}${on} (since ${at(holder.acquiredAtMs)}, ${renewed})`;
}

/**
 * The one sentence that refuses a release: which release holds the workload, by whom, on which host, since
 * when, when it was last renewed, and, for a holder that stopped renewing, how to take it over.
 */
export function leaseHeldMessage(
  holder: LeaseHolder,
  target: Pick<Target, 'kind' | 'namespace' | 'name'>,
  nowMs: number = Date.now(),
): string {
  const head = `${workloadName(target)} is held by ${describeHolder(holder, nowMs)}`;
  return holder.stale
    ? `${head}; it stopped renewing its ${holder.durationSeconds} s lease, so take it over only if that release is no longer driven: run again with --take-over (in the console: Take over).`
    : `${head}; a second release of it is refused until that one ends.`;
}

/**
 * Takes the workload's lease for `claim`, or throws LeaseHeldError with the sentence that names the holder.
 * Returns the stale holder it took over from, if any (the caller audits it).
 */
export async function takeLease(
  lease: WorkloadLeasePort,
  target: Pick<Target, 'kind' | 'namespace' | 'name'>,
  claim: LeaseClaim,
  takeOver: boolean,
): Promise<LeaseHolder | undefined> {
  const outcome = await lease.acquire(claim, { takeOver });
  if (outcome.kind === 'held')
    throw new LeaseHeldError(outcome.holder, leaseHeldMessage(outcome.holder, target));
  return outcome.from;
}

/** The audit sentence of a takeover: who took the workload from whom. */
export function takeoverSentence(user: string, from: LeaseHolder, target: Target): string {
  return ` ${user} confirmed taking over the lease of ${workloadName(target)} from ${describeHolder(from)}.`;
}
