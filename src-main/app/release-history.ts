import type { HealthPoint, ReleaseListItem } from '../../src-shared/bridge/contract.ts';
import { DomainError } from '../../src-shared/bridge/errors.ts';
import type { ReleasePlan } from '../../src-shared/plan/plan.schema.ts';
import type { ReleaseSnapshot } from '../../src-shared/release/release.schema.ts';
import { assessMeasurements } from '../../src-shared/stats/threshold-analysis.ts';
import { driverSummary, liveDriver } from '../engine/journal/control-channel.ts';
import { redactSecrets } from '../../src-shared/redact/redact.ts';
import type { SnapshotLike, StateValueLike } from '../engine/machines/projection.ts';
import { withFinishedRollback } from '../engine/rollback/finished-rollback.ts';
import type { ReleaseHandle } from '../engine/runner/release-runner.ts';
import { strategyFor } from '../engine/runner/strategies.ts';
import type { AuditEntry, Journal, StoredRelease } from '../ports/journal.port.ts';
import { renderReleaseMarkdown } from './release-report.ts';
import type { Runtime } from './runtime.ts';

/** The context name rehearsals are journaled under. */
export const REHEARSAL_CONTEXT = 'rehearsal';

/** What History reads of a release this console drives now. */
export interface LiveReleaseView {
  readonly handle: ReleaseHandle;
  readonly plan: ReleasePlan;
  readonly health: readonly HealthPoint[];
}

/** A release as History shows it. */
export interface ReleaseDetail {
  snapshot: ReleaseSnapshot | null;
  health: HealthPoint[];
  /** The plan as JSON text (which the plan parser reads as YAML), secrets redacted; null when none is stored. */
  planText: string | null;
  audit: AuditEntry[];
  integrity: string;
  /** Why the release's saved state cannot be shown (the file and what is wrong with it); absent when it can. */
  problem?: string;
}

/** Refuses (DomainError `badRequest`) what is not a release id. */
export function checkReleaseId(id: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith('.'))
    throw new DomainError('badRequest', `"${id}" is not a release id.`);
}

/** Every release in the journal, newest first; live ones with their live status and who drives them. */
export async function listReleases(
  runtime: Runtime,
  live: (id: string) => LiveReleaseView | undefined,
): Promise<ReleaseListItem[]> {
  const all = await runtime.journal.listReleases();
  const items = all.map((r): ReleaseListItem => {
    if (!r.readable) {
      return {
        id: r.releaseId,
        planName: '',
        strategy: '',
        context: '',
        namespace: '',
        status: 'unreadable',
        rehearsal: false,
        startedAtMs: 0,
        savedAtMs: 0,
        problem: r.problem,
      };
    }
    const snapshot = live(r.releaseId)?.handle.getSnapshot();
    const driver = liveDriver(runtime.journalDir, r.releaseId);
    return {
      id: r.releaseId,
      planName: r.header.planName,
      strategy: r.header.strategy,
      context: r.header.context,
      namespace: r.header.namespace,
      status: snapshot ? snapshot.status : r.status,
      rehearsal: r.header.context === REHEARSAL_CONTEXT,
      startedAtMs: r.header.startedAtMs,
      savedAtMs: r.savedAtMs,
      ...(driver
        ? { driver: { ...driverSummary(driver), here: driver.driverId === runtime.control.id } }
        : {}),
    };
  });
  return items.sort((a, b) => b.startedAtMs - a.startedAtMs);
}

/** A release's latest projection, health points and audit log (verified). Throws DomainError `notFound`. */
export async function releaseDetail(
  journal: Journal,
  id: string,
  live: LiveReleaseView | undefined,
): Promise<ReleaseDetail> {
  checkReleaseId(id);
  let read: Awaited<ReturnType<Journal['readAudit']>>;
  try {
    read = await journal.readAudit(id);
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'notFound')
      throw new DomainError('notFound', `There is no release ${id} in the journal.`);
    throw error;
  }
  const { verification } = read;
  const integrity = verification.ok
    ? `The audit log's ${verification.entries} entries are intact.`
    : `The audit log is broken at line ${verification.line}: ${verification.problem}`;
  if (live) {
    return {
      snapshot: live.handle.getSnapshot(),
      health: [...live.health],
      planText: JSON.stringify(redactSecrets(live.plan), null, 2),
      audit: read.entries,
      integrity,
    };
  }
  const stored = await storedState(journal, id);
  return {
    snapshot: stored.snapshot,
    health: await journal.readHealth(id).catch(() => []),
    planText: stored.plan ? JSON.stringify(redactSecrets(stored.plan), null, 2) : null,
    audit: read.entries,
    integrity,
    ...(stored.problem ? { problem: stored.problem } : {}),
  };
}

/** A report for a post-incident review, with every secret-looking value redacted. */
export function exportRelease(
  id: string,
  r: ReleaseDetail,
  format: 'markdown' | 'json',
): { filename: string; text: string } {
  if (format === 'json') {
    const doc = redactSecrets({
      id,
      integrity: r.integrity,
      release: r.snapshot,
      audit: r.audit,
      health: r.health,
    });
    return { filename: `${id}.json`, text: `${JSON.stringify(doc, null, 2)}\n` };
  }
  // A rehearsal's decisions are on the sandbox's compressed clock; the report labels them `sim`.
  const simulated = r.audit.some((a) => a.who.context === REHEARSAL_CONTEXT);
  const text = renderReleaseMarkdown(id, r.snapshot, r.audit, r.integrity, { simulated });
  return { filename: `${id}.md`, text };
}

/** A machine snapshot as XState persists it: its children's own persisted snapshots under `children`. */
interface PersistedMachine {
  value?: StateValueLike;
  context?: unknown;
  children?: Record<string, { snapshot?: PersistedMachine } | undefined>;
}

/**
 * A persisted snapshot's children as the projections read live ones, so a wrapper (migration gates, a flag
 * with deploy) shows the step its running phase stands at from the journal too.
 */
function persistedChildren(x: PersistedMachine): SnapshotLike['children'] {
  const out: NonNullable<SnapshotLike['children']> = {};
  for (const [id, child] of Object.entries(x.children ?? {})) {
    const snap = child?.snapshot;
    if (!snap?.value) continue;
    out[id] = { getSnapshot: () => ({ ...snap, children: persistedChildren(snap) }) };
  }
  return out;
}

/** A release's saved projection and plan as the journal holds them, or what keeps them from being shown. */
export async function storedState(
  journal: Journal,
  id: string,
): Promise<{ snapshot: ReleaseSnapshot | null; plan: ReleasePlan | null; problem?: string }> {
  let stored: StoredRelease;
  try {
    stored = await journal.readRelease(id);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { snapshot: null, plan: null, problem: error.message };
  }
  const p = stored.release;
  const x = p?.xstate as PersistedMachine | null | undefined;
  if (!p || !x?.value || !x.context) return { snapshot: null, plan: p?.plan ?? null };
  try {
    const projection = strategyFor(p.plan, assessMeasurements, p.machine).project(
      x.value,
      x.context,
      persistedChildren(x),
    );
    return { snapshot: withFinishedRollback(projection, p), plan: p.plan };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      snapshot: null,
      plan: p.plan,
      problem: `The saved state in ${stored.path} cannot be shown: ${why}`,
    };
  }
}
