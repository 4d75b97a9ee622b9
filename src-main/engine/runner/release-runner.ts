import { hostname } from 'node:os';
import { createActor, type AnyActor, type AnyStateMachine } from 'xstate';
import { upgradePersistedSnapshot } from '../machines/snapshot-upgrade.ts';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import { assertCommandsConfirmed, planCommands } from '../../../src-shared/plan/plan-commands.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import {
  OperatorEventSchema,
  type Decision,
  type OperatorEvent,
  type PauseInfo,
  type ReleaseOutcome,
  type ReleaseRunStatus,
  type ReleaseSnapshot,
} from '../../../src-shared/release/release.schema.ts';
import { assessMeasurements } from '../../../src-shared/stats/threshold-analysis.ts';
import { durationMs } from '../../../src-shared/plan/duration.ts';
import type { AnalysisRun } from '../machines/analysis-run.ts';
import type { Clock } from '../../ports/clock.port.ts';
import type {
  AuditActor,
  AuditEventInput,
  Journal,
  ReleaseJournal,
  ReleaseStatus,
} from '../../ports/journal.port.ts';
import type { AnalysisSource, ReleaseOps } from '../../ports/release.port.ts';
import type { FlagProvider } from '../../ports/exposure.port.ts';
import { LEASE_RENEW_INTERVAL_MS, type LeaseHolder, type WorkloadLeasePort } from '../../ports/lease.port.ts';
import { newReleaseId } from '../journal/file-journal.ts';
import type { SnapshotLike } from '../machines/projection.ts';
import type { AnalysisCounter } from '../machines/release-common.ts';
import { validationMachine } from '../machines/validation.machine.ts';
import { bindReleaseActors, type JournalGate, type ReachabilityWatch } from './release-actors.ts';
import { bindFlagActors } from './flag-actors.ts';
import { acceptsEvent, releaseControls, type ControllableSnapshot } from './release-controls.ts';
import { disabledReason, stateWords } from '../../../src-shared/release/release-words.ts';
import { describeHolder, takeLease, takeoverSentence, workloadName } from './release-lease.ts';
import { strategyFor, type StrategyEntry } from './strategies.ts';

/** The format tag and version of the machine snapshot the runner journals; another version is refused. */
export const RELEASE_SNAPSHOT_FORMAT = 'switchyard.release-machine';
export const RELEASE_SNAPSHOT_VERSION = 1;

/** What the runner journals as a release's snapshot. */
export interface PersistedRelease {
  format: typeof RELEASE_SNAPSHOT_FORMAT;
  version: number;
  /** The strategy machine, e.g. `canary`. */
  machine: string;
  plan: ReleasePlan;
  /** XState's persisted snapshot; null before the machine first ran. */
  xstate: unknown;
  /** The digest of the plan's commands the user confirmed at start (`planCommands`); absent when it runs none. */
  confirmedCommands?: string;
}

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

export interface StartReleaseOptions extends ReleaseRunDeps {
  plan: ReleasePlan;
  /** Default: a new id from the plan name and the clock (`newReleaseId`). */
  releaseId?: string;
  /**
   * The digest of the plan's commands (smoke command, migration Jobs) the user confirmed,
   * `planCommands(plan).digest`; required when the plan runs any command.
   */
  confirmedCommands?: string;
  /**
   * When the caller took the lease over itself (before preflight, with this `releaseId`): the stale holder it
   * took it from, audited in the start entry.
   */
  leaseTakenFrom?: LeaseHolder;
}

export interface ResumeReleaseOptions extends ReleaseRunDeps {
  releaseId: string;
  /**
   * Only needed when the journal holds no confirmation of the plan's commands (a release started by an
   * older build): the digest the user confirmed now.
   */
  confirmedCommands?: string;
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
 * Starts a release: creates its journal entry, then runs the plan's strategy machine against the ports.
 * Every state change is journaled (snapshot + audit entry) and every cluster mutation waits until the
 * journal holds the state that asked for it. Rejects with DomainError `invalidPlan` for a strategy the
 * engine does not run, `conflict` when the plan runs commands that `confirmedCommands` does not confirm
 * (nothing is written then), or the journal's errors (`conflict` when the id is taken). The confirmed
 * digest is journaled, so a resume does not ask again.
 */
export async function startRelease(options: StartReleaseOptions): Promise<ReleaseHandle> {
  const { plan, clock, journal, who } = options;
  const count = options.count ?? assessMeasurements;
  const entry = strategyFor(plan, count);
  assertFlagsFor(plan, options);
  assertCommandsConfirmed(plan, options.confirmedCommands);
  const { commands, digest } = planCommands(plan);
  const releaseId = options.releaseId ?? newReleaseId(plan.name, clock.now());
  const claim = { releaseId, user: who.user, host: options.host ?? hostname() };
  const taken = options.lease
    ? await takeLease(options.lease, plan.target, claim, options.takeOver === true)
    : undefined;
  const takenFrom = options.leaseTakenFrom ?? taken;
  const initial: PersistedRelease = {
    format: RELEASE_SNAPSHOT_FORMAT,
    version: RELEASE_SNAPSHOT_VERSION,
    machine: entry.name,
    plan,
    xstate: null,
    ...(digest ? { confirmedCommands: digest } : {}),
  };
  const rj = await journal.create(
    {
      releaseId,
      context: who.context,
      namespace: plan.target.namespace,
      strategy: entry.name,
      planName: plan.name,
      startedAtMs: clock.now(),
    },
    initial,
  );
  const confirmed =
    commands.length === 0 ? '' : ` ${who.user} confirmed its ${commands.length} command(s) (${digest}).`;
  // The image before the release, so a completed canary or rolling release can be rolled back later.
  const previousImage = await options.ops
    .workloadState('stable')
    .then((s) => s.image)
    .catch(() => undefined);
  const takeover = takenFrom ? takeoverSentence(who.user, takenFrom, plan.target) : '';
  const data = {
    ...(commands.length > 0 ? { commands, confirmedCommands: digest } : {}),
    ...(takenFrom ? { leaseTakenFrom: takenFrom } : {}),
    ...(previousImage ? { previousImage } : {}),
  };
  return run(options, rj, entry, plan, releaseId, null, digest || null, {
    what: 'start',
    why: `${who.user} started the ${entry.name} release of ${plan.target.image} (plan ${plan.name}).${confirmed}${takeover}`,
    ...(Object.keys(data).length > 0 ? { data } : {}),
  });
}

/**
 * Resumes an unfinished release from its journal: the machine is restored from the last snapshot and
 * re-enters its current step. Waits continue to their absolute deadlines (only the remainder is waited);
 * an operation that was journaled but maybe not applied is called again, and since operations are
 * idempotent it changes the cluster only if it had not. Rejects with DomainError `notFound`, or
 * `invalidConfig` when the snapshot was written in another format.
 */
export async function resumeRelease(options: ResumeReleaseOptions): Promise<ReleaseHandle> {
  const rj = await options.journal.open(options.releaseId);
  const loaded = await rj.load();
  const persisted = loaded.record.snapshot as Partial<PersistedRelease> | null;
  if (!persisted || persisted.format !== RELEASE_SNAPSHOT_FORMAT || !persisted.plan || !persisted.machine)
    throw new DomainError(
      'invalidConfig',
      `Release ${options.releaseId} has no machine snapshot this build can read.`,
    );
  if (persisted.version !== RELEASE_SNAPSHOT_VERSION)
    throw new DomainError(
      'invalidConfig',
      `Release ${options.releaseId} was saved by a build with machine snapshot version ${String(persisted.version)}; this build reads version ${RELEASE_SNAPSHOT_VERSION}.`,
    );
  const entry = strategyFor(persisted.plan, options.count ?? assessMeasurements, persisted.machine);
  try {
    assertFlagsFor(persisted.plan, options);
  } catch (error) {
    await rj.close();
    throw error;
  }
  const { commands, digest } = planCommands(persisted.plan);
  // The journal's own confirmation counts; a release from a build that did not record one must be confirmed now.
  const confirmingNow = persisted.confirmedCommands !== digest && commands.length > 0;
  if (confirmingNow) {
    try {
      assertCommandsConfirmed(persisted.plan, options.confirmedCommands);
    } catch (error) {
      await rj.close();
      throw error;
    }
  }
  const confirmed = confirmingNow
    ? ` ${options.who.user} confirmed its ${commands.length} command(s) (${digest}).`
    : '';
  // A resume takes its own lease back; another release holding the workload refuses it.
  let takenFrom: LeaseHolder | undefined;
  if (options.lease) {
    const claim = { releaseId: options.releaseId, user: options.who.user, host: options.host ?? hostname() };
    try {
      takenFrom = await takeLease(options.lease, persisted.plan.target, claim, options.takeOver === true);
    } catch (error) {
      await rj.close();
      throw error;
    }
  }
  const takeover = takenFrom ? takeoverSentence(options.who.user, takenFrom, persisted.plan.target) : '';
  const notes = `${loaded.recovered.length > 0 ? ` ${loaded.recovered.join(' ')}` : ''}${confirmed}${takeover}`;
  return run(
    options,
    rj,
    entry,
    persisted.plan,
    options.releaseId,
    // Snapshots saved before blue-green, rolling and A/B watched rollback triggers have another state shape.
    persisted.xstate ? upgradePersistedSnapshot(persisted.xstate) : null,
    digest || null,
    {
      what: 'resume',
      why: `${options.who.user} resumed the release from its journal (status ${loaded.record.status}).${notes}`,
      ...(takenFrom ? { data: { leaseTakenFrom: takenFrom } } : {}),
    },
  );
}

/** A flag ramp cannot start or resume without the flag it ramps. */
function assertFlagsFor(plan: ReleasePlan, deps: ReleaseRunDeps): void {
  if (plan.strategy.kind === 'flag-rollout' && !deps.flags)
    throw new DomainError(
      'invalidConfig',
      `The flag-rollout release of flag "${plan.strategy.flag}" needs its flag provider; none was given.`,
    );
}

function run(
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
  let lastPhase = '';
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
    lost(error) {
      waitingActors++;
      if (unreachable) return;
      unreachable = unreachablePause(deps.who.context, error, clock.now());
      announce({ what: 'cluster-unreachable', why: unreachable.message });
    },
    back() {
      waitingActors = Math.max(0, waitingActors - 1);
      if (waitingActors > 0 || !unreachable) return;
      const since = unreachable.sinceMs;
      unreachable = null;
      announce({
        what: 'cluster-reachable',
        why: `Cluster ${deps.who.context} answers again after ${Math.round((clock.now() - since) / 1000)} s; the release re-read what it holds and continues.`,
      });
    },
  };
  const actors = bindReleaseActors({ ops: deps.ops, analysis: deps.analysis, clock }, gate, reach);
  if (deps.flags) Object.assign(actors, bindFlagActors(deps.flags, clock, gate, reach));
  // Child machines get the same actors: implementations are not inherited from the parent.
  actors.validation = validationMachine.provide({ actors } as never);
  if (entry.child) actors.strategy = entry.child.provide({ actors } as never);
  const machine = (entry.machine as AnyStateMachine).provide({ actors } as never);
  const input = { releaseId, plan };
  actor = restored
    ? createActor(machine, { snapshot: restored as never, input })
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
    const last = events.pop() ?? {
      what: view.phase === lastPhase ? 'progress' : 'state',
      why: `${view.phase === lastPhase ? 'Progress: the release is' : 'The release is now'} ${stateWords(view)}.`,
    };
    lastPhase = view.phase;
    void enqueue(async () => {
      for (const e of events) await rj.append(e);
      await rj.record({ status, snapshot, event: last });
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
      const context = (actor as AnyActor).getSnapshot().context as
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
 * The pause shown while cluster `context` does not answer, e.g. `cluster sandbox unreachable since 04:12:03:
 * Cannot reach the API server of "sandbox" (ECONNREFUSED) while …`. `sinceMs` is on the release clock.
 */
export function unreachablePause(context: string, error: unknown, sinceMs: number): PauseInfo {
  const detail = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const since = new Date(sinceMs).toISOString().slice(11, 19);
  return {
    cause: 'cluster-unreachable',
    message: `cluster ${context} unreachable since ${since}: ${detail}. The release waits and continues by itself once the cluster answers again.`,
    sinceMs,
  };
}
