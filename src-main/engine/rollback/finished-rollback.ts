import { DomainError } from '../../../src-shared/bridge/errors.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { Decision, ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import type { FlagProvider } from '../../ports/exposure.port.ts';
import type { AuditActor, Journal, PersistedRelease, ReleaseHeader } from '../../ports/journal.port.ts';
import type { Colour, ReleaseOps, TrafficSplit } from '../../ports/release.port.ts';

/** What a rollback after completion did, journaled in the persisted release as `finishedRollback`. */
export interface FinishedRollback {
  /** The rollback decision, appended after the release's own decisions. */
  decision: Decision;
  /** Traffic as the router read back after the rollback. */
  traffic: TrafficSplit;
  /** What serves again: a colour (`blue`) or an image. */
  restored: string;
}

/** A completed release as the journal holds it, ready to be rolled back. */
export interface FinishedRelease {
  header: ReleaseHeader;
  plan: ReleasePlan;
  status: string;
}

/** The outcome of `rollBackFinishedRelease`. */
export interface FinishedRollbackResult extends FinishedRollback {
  releaseId: string;
  /** One plain sentence: what was rolled back, to what, and the traffic read back. */
  summary: string;
}

export interface FinishedRollbackOptions {
  journal: Journal;
  releaseId: string;
  /** Operations bound to the release's plan on its context. */
  ops: ReleaseOps;
  /** The flag a flag-rollout release ramped (its rollback is the kill switch); needed for such a release. */
  flags?: FlagProvider | undefined;
  who: AuditActor;
  reason?: string;
  /** Progress lines for the user (e.g. `scaling blue back to 3 replicas`). */
  onProgress?: (line: string) => void;
  /** How long a restored workload may take to become ready, milliseconds; default 600 000. */
  readyTimeoutMs?: number;
  /** Poll interval of the ready wait, milliseconds; default 500. */
  pollMs?: number;
  /** The release's clock (a sandbox's may run fast), milliseconds since the Unix epoch; default Date.now. */
  now?: () => number;
}

type Persisted = PersistedRelease & { finishedRollback?: FinishedRollback };

const weightsText = (t: TrafficSplit) =>
  Object.entries(t.weights)
    .map(([k, v]) => `${k} ${Math.round(v * 100) / 100} %`)
    .join(' / ');

/**
 * The completed release `releaseId` (its header, plan and status), without locking it. Throws DomainError
 * `notFound`, or `invalidConfig` naming the file and what is wrong with it.
 */
export async function readFinishedRelease(journal: Journal, releaseId: string): Promise<FinishedRelease> {
  const stored = await journal.readRelease(releaseId);
  if (!stored.release)
    throw new DomainError('invalidConfig', `Release ${releaseId} has no plan in its journal.`);
  return { header: stored.record.header, plan: stored.release.plan, status: stored.record.status };
}

/**
 * Rolls a completed release back with its own short procedure (no strategy machine runs): a blue-green
 * release to the colour it kept (scaled back up and ready first when it was scaled down), a canary or
 * rolling release to the image the workload ran before it (journaled at its start), a flag ramp by its
 * kill switch (the flag's off variant for everyone, read back from `flags`). It refuses, changing
 * nothing, when the release did not complete, or when the workload has moved on since (another release
 * changed the image or the serving colour: named). An audit entry is written before the first change, and
 * one after with who, why and the traffic read back; the release's status becomes `rolledBack`.
 * Throws DomainError `conflict` (a plain sentence) when it refuses, or the cluster's error when a step fails
 * (then the journal says so and the status stays completed).
 */
export async function rollBackFinishedRelease(o: FinishedRollbackOptions): Promise<FinishedRollbackResult> {
  const rj = await o.journal.open(o.releaseId);
  // Set once the request is journaled: from then on a failure is journaled too.
  let requested = false;
  // Flag with deploy: the flag off for everyone first (the kill switch), then the code back.
  let flagKilled: { restored: string; traffic: TrafficSplit } | null = null;
  let flagRamp: ReleasePlan['flagRamp'];
  const request = async (to: string, why: string) => {
    const first = flagRamp ? `the kill switch of flag "${flagRamp.flag}" first, then ` : '';
    await rj.append({
      what: 'rollback-requested',
      why: `${o.who.user} asked to roll the completed release back${first ? `: ${first}the code` : ''} to ${to}${why}.`,
    });
    requested = true;
    if (flagRamp) flagKilled = await killFinishedRamp(o, flagRamp, async () => undefined);
  };
  try {
    const loaded = await rj.load();
    const persisted = loaded.record.snapshot as Persisted | null;
    if (!persisted?.plan)
      throw new DomainError('invalidConfig', `Release ${o.releaseId} has no plan in its journal.`);
    if (loaded.record.status === 'rolledBack')
      throw new DomainError('conflict', `Release ${o.releaseId} was already rolled back.`);
    if (loaded.record.status !== 'succeeded')
      throw new DomainError(
        'conflict',
        `Release ${o.releaseId} did not complete (it is ${loaded.record.status}); only a completed release can be rolled back after the fact.`,
      );
    const plan = persisted.plan;
    const why = o.reason ? ` (${o.reason})` : '';
    const inner = persisted.machine.replace(/^migration:/, '');
    const step = inner.replace(/^flag-after:/, '');
    if (inner !== step) flagRamp = plan.flagRamp;
    const target = `${plan.target.kind} ${plan.target.namespace}/${plan.target.name}`;
    const movedOn = (now: string) => laterRelease(o.journal, loaded.record.header, plan, now);

    let restored: string;
    let traffic: TrafficSplit;
    if (step === 'blue-green') {
      const ctx = (persisted.xstate as { context?: { active?: Colour; idle?: Colour } } | null)?.context;
      const kept = ctx?.active;
      const serving = ctx?.idle;
      if (!kept || !serving)
        throw new DomainError('invalidConfig', `Release ${o.releaseId} does not say which colours it used.`);
      const now = await o.ops.activeColour();
      const servingState = await o.ops.workloadState(serving);
      if (now !== serving || servingState.image !== plan.target.image) {
        const image = now === serving ? servingState.image : (await o.ops.workloadState(now)).image;
        throw new DomainError(
          'conflict',
          `${target} has moved on since release ${o.releaseId}: ${now} serves ${image}${await movedOn(image)}, not ${serving} with ${plan.target.image}. Rolling back would undo that; nothing was changed.`,
        );
      }
      await request(kept, why);
      const keptState = await o.ops.workloadState(kept).catch(() => null);
      const want = Math.max(1, servingState.desired);
      if (!keptState || keptState.desired < want || keptState.ready < want) {
        if (!o.ops.scaleColour)
          throw new DomainError('invalidConfig', 'This cluster adapter cannot scale a colour back up.');
        o.onProgress?.(`scaling ${kept} back to ${want} replicas and waiting until they are ready`);
        await o.ops.scaleColour(kept, want);
      }
      o.onProgress?.(`switching all traffic from ${serving} to ${kept}`);
      await o.ops.switchTo(kept);
      traffic = await o.ops.readSplit();
      restored = kept;
      if ((traffic.weights[kept] ?? 0) < 100)
        throw new DomainError(
          'conflict',
          `After switching to ${kept} the router reads back ${weightsText(traffic)} (${traffic.source}).`,
        );
    } else if (step === 'canary' || step === 'rolling') {
      const start = loaded.entries.find((e) => e.what === 'start');
      const previous = (start?.data as { previousImage?: unknown } | undefined)?.previousImage;
      if (typeof previous !== 'string')
        throw new DomainError(
          'conflict',
          `Release ${o.releaseId} did not journal the image ${plan.target.name} ran before it (it was started by an older build); roll it back with kubectl rollout undo.`,
        );
      const state = await o.ops.workloadState('stable');
      if (state.image !== plan.target.image)
        throw new DomainError(
          'conflict',
          `${target} has moved on since release ${o.releaseId}: it runs ${state.image}${await movedOn(state.image)}, not ${plan.target.image}. Rolling back would overwrite it; nothing was changed.`,
        );
      await request(previous, why);
      o.onProgress?.(`setting ${target} back to ${previous} and waiting until it is ready`);
      await o.ops.setImage(previous);
      await waitRolledOut(o, previous, target);
      traffic = await o.ops.readSplit();
      restored = previous;
    } else if (step === 'flag-rollout' && plan.strategy.kind === 'flag-rollout') {
      ({ restored, traffic } = await killFinishedRamp(o, plan.strategy, (to) => request(to, why)));
    } else {
      throw new DomainError(
        'conflict',
        `A completed ${step} release cannot be rolled back after the fact; only blue-green, canary, rolling and flag-rollout releases can.`,
      );
    }

    const killed = flagKilled as { restored: string; traffic: TrafficSplit } | null;
    const summary =
      step === 'flag-rollout'
        ? `${o.who.user} pulled the kill switch of the completed flag ramp${why}: everyone gets ${restored} again; the flag reads back ${weightsText(traffic)} (${traffic.source}).`
        : killed
          ? `${o.who.user} rolled the completed release back${why}: first the kill switch, everyone gets ${killed.restored} again (the flag reads back ${weightsText(killed.traffic)}, ${killed.traffic.source}); then the code to ${restored}; traffic reads back ${weightsText(traffic)} (${traffic.source}).`
          : `${o.who.user} rolled the completed release back to ${restored}${why}; traffic reads back ${weightsText(traffic)} (${traffic.source}).`;
    const ended = (
      persisted.xstate as { context?: { decisions?: Decision[]; finishedAtMs?: number | null } } | null
    )?.context;
    const decisions = ended?.decisions;
    const decision: Decision = {
      seq: (decisions?.length ?? 0) + 1,
      kind: 'rollback',
      cause: 'operator',
      atMs: Math.max((o.now ?? Date.now)(), ended?.finishedAtMs ?? 0),
      by: o.who.user,
      stepIndex: null,
      summary,
      evidence: [],
    };
    const finishedRollback: FinishedRollback = { decision, traffic, restored };
    await rj.record({
      status: 'rolledBack',
      snapshot: { ...persisted, finishedRollback },
      event: {
        what: 'rollback',
        why: summary,
        data: { restored, traffic, ...(killed ? { flag: killed } : {}) },
      },
    });
    return { releaseId: o.releaseId, summary, ...finishedRollback };
  } catch (error) {
    if (requested) {
      const message = error instanceof Error ? error.message : String(error);
      await rj
        .append({ what: 'rollback-failed', why: `The rollback after completion failed: ${message}` })
        .catch(() => undefined);
    }
    throw error;
  } finally {
    await rj.close();
  }
}

/** A journaled release's projection with its rollback after completion applied (status, decision, traffic). */
export function withFinishedRollback(snapshot: ReleaseSnapshot, persisted: unknown): ReleaseSnapshot {
  const done = (persisted as { finishedRollback?: FinishedRollback } | null)?.finishedRollback;
  if (!done) return snapshot;
  return {
    ...snapshot,
    status: 'rolledBack',
    decisions: [...snapshot.decisions, { ...done.decision, seq: snapshot.decisions.length + 1 }],
    traffic: {
      ...snapshot.traffic,
      intended: Object.fromEntries(
        Object.keys(done.traffic.weights).map((k) => [k, k === done.restored ? 100 : 0]),
      ),
      actual: done.traffic.weights,
      source: done.traffic.source,
      mismatch: false,
    },
  };
}

/**
 * The kill switch of a completed flag ramp: everyone back to the off variant (whatever the flag shows now,
 * as a kill switch is never refused for drift), read back; `request` journals the request before the write.
 * Throws DomainError `conflict` when the flag still serves the new variant afterwards.
 */
async function killFinishedRamp(
  o: FinishedRollbackOptions,
  strategy: { flag: string; newVariant: string; offVariant: string },
  request: (to: string) => Promise<void>,
): Promise<{ restored: string; traffic: TrafficSplit }> {
  if (!o.flags)
    throw new DomainError(
      'invalidConfig',
      `Release ${o.releaseId} ramped flag "${strategy.flag}": rolling it back needs its flag system.`,
    );
  await request(`${strategy.offVariant} for everyone (the kill switch of ${o.flags.describe()})`);
  o.onProgress?.(
    `pulling the kill switch: ${o.flags.describe()} back to ${strategy.offVariant} for everyone`,
  );
  const after = await o.flags.kill();
  const served = after.enabled ? (after.percent[strategy.newVariant] ?? 0) : 0;
  const traffic = { weights: after.percent, source: after.source };
  if (served > 0)
    throw new DomainError(
      'conflict',
      `After the kill switch flag "${strategy.flag}" reads back ${weightsText(traffic)} (${after.source}).`,
    );
  return { restored: strategy.offVariant, traffic };
}

async function waitRolledOut(o: FinishedRollbackOptions, image: string, target: string): Promise<void> {
  const deadline = Date.now() + (o.readyTimeoutMs ?? 600_000);
  for (;;) {
    const s = await o.ops.workloadState('stable');
    if (s.image === image && s.updated >= s.desired && s.ready >= s.desired && s.available >= s.desired)
      return;
    if (s.progressDeadlineExceeded)
      throw new DomainError(
        'timeout',
        `${target} exceeded its progress deadline while rolling back to ${image}.`,
      );
    if (Date.now() > deadline)
      throw new DomainError(
        'timeout',
        `${target} did not become ready on ${image} in time (${s.ready} of ${s.desired} ready).`,
      );
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
  }
}

/** ` (release ID)` for the newest other release of the same workload whose image is `image`, else ``. */
async function laterRelease(
  journal: Journal,
  header: ReleaseHeader,
  plan: ReleasePlan,
  image: string,
): Promise<string> {
  const others = (await journal.listReleases()).filter(
    (r) =>
      r.readable &&
      r.releaseId !== header.releaseId &&
      r.header.namespace === header.namespace &&
      r.header.startedAtMs >= header.startedAtMs,
  );
  for (const r of others) {
    if (!r.readable) continue;
    const other = await readPlanQuietly(journal, r.releaseId);
    if (other?.target.name === plan.target.name && other.target.image === image)
      return ` (release ${r.releaseId}, ${r.status === 'succeeded' ? 'completed' : r.status})`;
  }
  return ' (changed outside this journal)';
}

async function readPlanQuietly(journal: Journal, releaseId: string): Promise<ReleasePlan | undefined> {
  return readFinishedRelease(journal, releaseId)
    .then((r) => r.plan)
    .catch(() => undefined);
}
