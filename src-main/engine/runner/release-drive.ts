import { createActor, type AnyActor, type AnyStateMachine, type Snapshot } from 'xstate';
import { formatTime, type TimeOptions } from '../../../src-shared/format/time.ts';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import {
  OperatorEventSchema,
  type Decision,
  type PauseInfo,
  type ReleaseOutcome,
  type ReleaseRunStatus,
  type ReleaseSnapshot,
} from '../../../src-shared/release/release.schema.ts';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import type { AnalysisRun } from '../machines/analysis-run.ts';
import {
  RELEASE_SNAPSHOT_FORMAT,
  RELEASE_SNAPSHOT_VERSION,
  type AuditEventInput,
  type PersistedRelease,
  type ReleaseJournal,
  type ReleaseStatus,
} from '../../ports/journal.port.ts';
import { LEASE_RENEW_INTERVAL_MS, type LeaseHolder } from '../../ports/lease.port.ts';
import type { SnapshotLike } from '../machines/projection.ts';
import { validationMachine } from '../machines/validation.machine.ts';
import { bindReleaseActors, type JournalGate, type ReachabilityWatch } from './release-actors.ts';
import { bindFlagActors } from './flag-actors.ts';
import { acceptsEvent, releaseControls, type ControllableSnapshot } from './release-controls.ts';
import { disabledReason, stateWords } from '../../../src-shared/release/release-words.ts';
import { describeHolder, workloadName } from './release-lease.ts';
import { providedMachine, type StrategyEntry } from './strategies.ts';

import type { ReleaseHandle, ReleaseRunDeps } from './release-handle.ts';

const JOURNAL_STATUS: Record<ReleaseRunStatus, ReleaseStatus> = {
  running: 'running',
  paused: 'paused',
  completed: 'succeeded',
  aborted: 'aborted',
  rolledBack: 'rolledBack',
  failed: 'failed',
};

const SETTLED: ReadonlySet<ReleaseRunStatus> = new Set(['completed', 'aborted', 'rolledBack', 'failed']);

/**
 * Drives a release whose journal `rj` is open: runs `entry`'s machine (from `restored` when resuming) against the
 * ports, journals every change before the mutation that follows it, renews the workload's lease and settles
 * `done`. `opening` is the first audit entry written.
 */
export function driveRelease(
  deps: ReleaseRunDeps,
  rj: ReleaseJournal,
  entry: StrategyEntry,
  plan: ReleasePlan,
  releaseId: string,
  restored: unknown,
  confirmedCommands: string | null,
  opening: AuditEventInput,
): Promise<ReleaseHandle> {
  const { clock } = deps;
  let tail: Promise<unknown> = Promise.resolve();
  let journalError: unknown = null;
  let actor: AnyActor | null = null;
  let stopped = false;
  let lastWritten = '';
  let lastDecisions = -1;
  // The audit log gets one entry per step change or decision; a machine state within the same step is only saved.
  let lastWords = '';
  const listeners = new Set<(s: ReleaseSnapshot) => void>();
  let closing: Promise<void> | null = null;
  // Releases the journal's lock so the release can be resumed, here or by another process.
  const closeJournal = (): Promise<void> => (closing ??= tail.then(() => rj.close()).catch(() => undefined));
  // The workload's lease: renewed while this process drives the release, deleted when the release ends.
  let renewTimer: NodeJS.Timeout | undefined;
  const stopRenewing = () => clearInterval(renewTimer);
  const releaseLease = async (): Promise<void> => {
    stopRenewing();
    // A lease that cannot be deleted now (cluster unreachable) goes stale by itself in 30 s.
    await deps.lease?.release(releaseId).catch(() => undefined);
  };

  const persist = (): PersistedRelease => ({
    format: RELEASE_SNAPSHOT_FORMAT,
    version: RELEASE_SNAPSHOT_VERSION,
    machine: entry.name,
    plan,
    xstate: actor ? actor.getPersistedSnapshot() : restored,
    ...(confirmedCommands ? { confirmedCommands } : {}),
  });
  // While the cluster does not answer, the release waits (its actors retry) and the view says so.
  let unreachable: PauseInfo | null = null;
  let waitingActors = 0;
  const machineView = (): ReleaseSnapshot => {
    const snap = (actor as AnyActor).getSnapshot() as SnapshotLike & ControllableSnapshot;
    const view = entry.project(snap.value, snap.context, snap.children);
    return { ...view, controls: releaseControls(snap, view) };
  };
  const project = (): ReleaseSnapshot => {
    const view = machineView();
    if (!unreachable || view.status !== 'running') return view;
    const waiting = {
      enabled: false,
      reason: 'The release waits for the cluster to answer and goes on by itself.',
    };
    return {
      ...view,
      status: 'paused',
      pause: unreachable,
      ...(view.controls ? { controls: { ...view.controls, RESUME: waiting } } : {}),
    };
  };
  const enqueue = (write: () => Promise<unknown>): Promise<void> => {
    const next = tail.then(write);
    tail = next.catch((error: unknown) => {
      journalError = error;
    });
    return next.then(() => undefined);
  };
  const statusNow = (): ReleaseStatus => JOURNAL_STATUS[project().status];

  const gate: JournalGate = async (op, why) => {
    // The invoking transition has been applied once this microtask runs, so its snapshot is the one saved.
    await Promise.resolve();
    if (journalError) throw journalError;
    const snapshot = persist();
    lastWritten = JSON.stringify(snapshot.xstate);
    await enqueue(() => rj.record({ status: statusNow(), snapshot, event: { what: op, why } }));
  };

  const announce = (event: AuditEventInput) => {
    if (stopped || !actor) return;
    void enqueue(() => rj.append(event));
    const view = project();
    for (const l of listeners) l(view);
  };
  const reach: ReachabilityWatch = {
    lost(error, system) {
      waitingActors++;
      if (unreachable) return;
      // A clock that does not run at real speed is the sandbox's compressed one: its times are no real time.
      unreachable = unreachablePause(system ?? `cluster ${deps.who.context}`, error, clock.now(), {
        simulated: clock.speed !== 1,
      });
      announce({ what: system ? 'system-unreachable' : 'cluster-unreachable', why: unreachable.message });
    },
    back() {
      waitingActors = Math.max(0, waitingActors - 1);
      if (waitingActors > 0 || !unreachable) return;
      const { sinceMs, system } = unreachable;
      const cluster = system === `cluster ${deps.who.context}`;
      unreachable = null;
      announce({
        what: cluster ? 'cluster-reachable' : 'system-reachable',
        why: `${capitalised(system ?? '')} answers again after ${Math.round((clock.now() - sinceMs) / 1000)} s; the release re-read what it holds and continues.`,
      });
    },
  };
  const actors = bindReleaseActors({ ops: deps.ops, analysis: deps.analysis, clock }, gate, reach);
  if (deps.flags) Object.assign(actors, bindFlagActors(deps.flags, clock, gate, reach));
  // Child machines get the same actors: implementations are not inherited from the parent.
  actors.validation = (validationMachine as AnyStateMachine).provide({ actors });
  const machine = providedMachine(entry, actors);
  const input = { releaseId, plan };
  actor = restored
    ? createActor(machine, { snapshot: restored as Snapshot<unknown>, input })
    : createActor(machine, { input });

  let settle!: (o: ReleaseOutcome) => void;
  const done = new Promise<ReleaseOutcome>((resolve) => (settle = resolve));
  let settled = false;

  const journalChange = (view: ReleaseSnapshot) => {
    const snapshot = persist();
    const text = JSON.stringify(snapshot.xstate);
    const fresh: Decision[] = lastDecisions < 0 ? [] : view.decisions.slice(lastDecisions);
    lastDecisions = view.decisions.length;
    if (text === lastWritten && fresh.length === 0) return;
    lastWritten = text;
    const status = JOURNAL_STATUS[view.status];
    const events: AuditEventInput[] = fresh.map((d) => ({
      what: d.kind,
      why: d.summary,
      data: d,
      ...(d.by !== 'engine' ? { who: { user: d.by } } : {}),
    }));
    const words = stateWords(view);
    const moved = words !== lastWords;
    lastWords = words;
    const last = events.pop() ?? (moved ? { what: 'state', why: `The release is now ${words}.` } : null);
    void enqueue(async () => {
      for (const e of events) await rj.append(e);
      if (last) await rj.record({ status, snapshot, event: last });
      else await rj.save({ status, snapshot });
    });
  };

  const maybeSettle = (view: ReleaseSnapshot) => {
    if (settled) return;
    const pausedStop = deps.stopWhenPaused === true && view.status === 'paused';
    if (!SETTLED.has(view.status) && !pausedStop) return;
    settled = true;
    // A completed release is never explained by a pause it got over (e.g. "Promoting the canary failed (…)").
    const lastDecision =
      view.status === 'completed'
        ? view.decisions.findLast((d) => d.kind !== 'pause')
        : view.decisions.at(-1);
    const reason =
      view.status === 'paused'
        ? (view.pause?.message ?? 'The release is paused.')
        : (lastDecision?.summary ?? `The release ended ${view.status}.`);
    const kind: ReleaseOutcome['kind'] = view.status === 'running' ? 'stopped' : view.status;
    const final = pausedStop || (actor as AnyActor).getSnapshot().status === 'done';
    if (pausedStop) {
      stopped = true;
      stopRenewing();
      queueMicrotask(() => actor?.stop());
    }
    void tail
      .then(() => (final ? closeJournal() : undefined))
      .then(() => (SETTLED.has(view.status) ? releaseLease() : undefined))
      .then(() => settle({ kind, reason, snapshot: view }));
  };

  actor.subscribe({
    next: () => {
      if (stopped) return;
      // The journal and settling follow the machine; only the live view shows a wait for the cluster.
      const own = machineView();
      journalChange(own);
      const view = project();
      for (const l of listeners) l(view);
      maybeSettle(own);
    },
    error: (error: unknown) => {
      journalError = journalError ?? error;
    },
  });

  const stopDriving = async (reason: string): Promise<void> => {
    stopRenewing();
    if (!stopped) {
      stopped = true;
      actor?.stop();
    }
    await tail;
    await closeJournal();
    if (!settled) {
      settled = true;
      settle({ kind: 'stopped', reason, snapshot: project() });
    }
  };
  // Someone took the workload over (this process was taken for dead) or deleted the lease: stop mutating.
  const loseLease = async (holder: LeaseHolder | null): Promise<void> => {
    const ref = deps.lease?.ref ?? '';
    const reason = holder
      ? `${workloadName(plan.target)} was taken over by ${describeHolder(holder)}; this run stopped driving the release, which can be resumed once that one ends.`
      : `The lease ${ref} of ${workloadName(plan.target)} was deleted by someone else; this run stopped driving the release, which can be resumed.`;
    await enqueue(() => rj.append({ what: 'lease-lost', why: reason })).catch(() => undefined);
    await stopDriving(reason);
  };
  const renew = async (): Promise<void> => {
    if (!deps.lease || stopped || settled) return;
    try {
      const outcome = await deps.lease.renew(releaseId);
      if (outcome.kind === 'lost' && !stopped && !settled) await loseLease(outcome.holder);
    } catch {
      // Unreachable for a moment: the next tick tries again, and the lease stays valid for 30 s meanwhile.
    }
  };

  const handle: ReleaseHandle = {
    id: releaseId,
    send(event, by) {
      const parsed = OperatorEventSchema.safeParse(event);
      if (!parsed.success)
        throw new DomainError(
          'badRequest',
          `"${String((event as { type?: unknown }).type)}" is not an operator event.`,
        );
      if (stopped || !actor)
        throw new DomainError('conflict', `Release ${releaseId} is no longer driven by this run.`);
      const stamped = { ...parsed.data, atMs: clock.now(), by: by ?? deps.who.user };
      const snap = actor.getSnapshot() as ControllableSnapshot;
      if (!acceptsEvent(snap, parsed.data.type)) {
        const view = project();
        const type = parsed.data.type;
        throw new DomainError(
          'conflict',
          type === 'RETRY'
            ? `Only an aborted canary can be retried: the release is ${stateWords(view)}.`
            : (view.controls?.[type].reason ?? disabledReason(type, view)),
        );
      }
      actor.send(stamped);
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(project());
      return () => listeners.delete(listener);
    },
    getSnapshot: project,
    done,
    stop: () => stopDriving('The run was stopped; the release can be resumed.'),
    flushed: () => tail.then(() => undefined),
    pendingMeasurements() {
      // A wrapper's analyses are its running phase's (migration gates, a flag with deploy).
      let snap = (actor as AnyActor).getSnapshot() as SnapshotLike;
      for (;;) {
        const child = snap.children?.strategy ?? snap.children?.ramp;
        if (!child) break;
        snap = child.getSnapshot() as SnapshotLike;
      }
      const context = snap.context as
        { analysis?: AnalysisRun | null; background?: AnalysisRun | null } | undefined;
      return [context?.analysis, context?.background].flatMap((run) =>
        (run?.status === 'running' ? run.metrics : []).flatMap((m) =>
          m.nextAtMs === null
            ? []
            : [{ key: m.key, nextAtMs: m.nextAtMs, intervalMs: durationMs(m.metric.interval) }],
        ),
      );
    },
    note(event) {
      if (closing)
        return Promise.reject(
          new DomainError('conflict', `Release ${releaseId} is no longer journaled by this run.`),
        );
      return enqueue(() => rj.append(event));
    },
  };

  return enqueue(() => rj.append(opening)).then(() => {
    (actor as AnyActor).start();
    if (deps.lease && !settled) {
      renewTimer = setInterval(() => void renew(), deps.leaseRenewMs ?? LEASE_RENEW_INTERVAL_MS);
      renewTimer.unref();
    }
    return handle;
  });
}

/**
 * The pause shown while `system` does not answer, e.g. `cluster prod unreachable since 04:12:03 CET: Cannot
 * reach the API server of "prod" (ECONNREFUSED) while …` or `Unleash at https://unleash.example.com
 * unreachable since 04:12:03 CET: …`. `sinceMs` is on the release clock; pass `simulated` for the sandbox's
 * compressed clock (the time then reads `sim 04:12:03`).
 */
export function unreachablePause(
  system: string,
  error: unknown,
  sinceMs: number,
  time: TimeOptions = {},
): PauseInfo {
  const detail = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const since = formatTime(sinceMs, time);
  const who = system.startsWith('cluster ') ? 'the cluster' : system;
  return {
    cause: 'cluster-unreachable',
    message: `${system} unreachable since ${since}: ${detail}. The release waits and continues by itself once ${who} answers again.`,
    sinceMs,
    system,
  };
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
