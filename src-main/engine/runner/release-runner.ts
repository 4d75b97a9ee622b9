import { hostname } from 'node:os';
import { upgradePersistedSnapshot } from '../machines/snapshot-upgrade.ts';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import { assertCommandsConfirmed, planCommands } from '../../../src-shared/plan/plan-commands.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import { flagRampOf } from '../../../src-shared/plan/flag-with-deploy.ts';
import { assessMeasurements } from '../../../src-shared/stats/threshold-analysis.ts';
import {
  RELEASE_SNAPSHOT_FORMAT,
  RELEASE_SNAPSHOT_VERSION,
  type PersistedRelease,
} from '../../ports/journal.port.ts';
import type { LeaseHolder } from '../../ports/lease.port.ts';
import { newReleaseId } from '../journal/file-journal.ts';
import { takeLease, takeoverSentence } from './release-lease.ts';
import { driveRelease } from './release-drive.ts';
import { readOnResume } from './resume-read.ts';
import type { ReleaseHandle, ReleaseRunDeps } from './release-handle.ts';
import { strategyFor } from './strategies.ts';

// The runner's public surface stays here; the drive loop and the handle's types live beside it.
export { RELEASE_SNAPSHOT_FORMAT, RELEASE_SNAPSHOT_VERSION, type PersistedRelease };
export type { PendingMeasurement, ReleaseHandle, ReleaseRunDeps } from './release-handle.ts';
export { unreachablePause } from './release-drive.ts';

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
  return driveRelease(options, rj, entry, plan, releaseId, null, digest || null, {
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
  // Snapshots saved before blue-green, rolling and A/B watched rollback triggers have another state shape.
  const upgraded = persisted.xstate ? upgradePersistedSnapshot(persisted.xstate) : null;
  const read = upgraded ? await readOnResume(upgraded, persisted.machine, options.ops, options.flags) : null;
  const notes = `${loaded.recovered.length > 0 ? ` ${loaded.recovered.join(' ')}` : ''}${confirmed}${takeover}${read?.sentence ?? ''}`;
  return driveRelease(
    options,
    rj,
    entry,
    persisted.plan,
    options.releaseId,
    read?.xstate ?? null,
    digest || null,
    {
      what: 'resume',
      why: `${options.who.user} resumed the release from its journal (status ${loaded.record.status}).${notes}`,
      ...(takenFrom ? { data: { leaseTakenFrom: takenFrom } } : {}),
    },
  );
}

/** A flag ramp (alone or after a deploy) cannot start or resume without the flag it ramps. */
function assertFlagsFor(plan: ReleasePlan, deps: ReleaseRunDeps): void {
  const ramp = flagRampOf(plan);
  if (ramp && !deps.flags)
    throw new DomainError(
      'invalidConfig',
      `The ${plan.flagRamp ? `${plan.strategy.kind} release with the ramp` : 'flag-rollout release'} of flag "${ramp.flag}" needs its flag provider; none was given.`,
    );
}
