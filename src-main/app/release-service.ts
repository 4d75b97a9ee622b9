import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ReleaseListItem, SandboxFault } from '../../src-shared/bridge/contract.ts';
import { DomainError } from '../../src-shared/bridge/errors.ts';
import { parsePlan } from '../../src-shared/plan/plan.parse.ts';
import { assertCommandsConfirmed } from '../../src-shared/plan/plan-commands.ts';
import type { ReleasePlan } from '../../src-shared/plan/plan.schema.ts';
import type { OperatorEvent } from '../../src-shared/release/release.schema.ts';
import { assessMeasurements } from '../../src-shared/stats/threshold-analysis.ts';
import type { PreflightResult } from '../../src-shared/preflight/preflight.schema.ts';
import type { EventHub } from '../bridge/dispatch.ts';
import type { FlagProvider } from '../ports/exposure.port.ts';
import { imageVersion } from '../../src-shared/release/image-version.ts';
import { type ReleaseHandle } from '../engine/runner/release-runner.ts';
import { strategyFor } from '../engine/runner/strategies.ts';
import { flagRampOf } from '../../src-shared/plan/flag-with-deploy.ts';
import { rollBackFinishedRelease } from '../engine/rollback/finished-rollback.ts';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../sandbox/sandbox.ts';
import {
  REHEARSAL_CONTEXT,
  checkReleaseId,
  exportRelease,
  listReleases,
  releaseDetail,
  type ReleaseDetail,
} from './release-history.ts';
import { sampledBy, trackRelease } from './release-tracker.ts';
import { LiveReleases } from './live-releases.ts';
import { createRuntime, type ContextRuntime, type Runtime } from './runtime.ts';
import { createSleepDetector, type SleepDetector } from './sleep-detector.ts';
import { describeDriver, liveDriver, sendControl } from '../engine/journal/control-channel.ts';
import type { EmbeddedSandbox } from './sandbox-provider.ts';

export { REHEARSAL_CONTEXT };

export interface ReleaseServiceOptions {
  readonly dataDir: string;
  readonly hub: EventHub;
  readonly user: string;
  readonly sandbox?: EmbeddedSandbox;
  /** A kubeconfig whose current context is `context`. Errors: notFound. */
  readonly kubeconfigFor: (context: string) => Promise<string>;
  /** Prometheus for real clusters; without one only the sandbox can be judged. */
  readonly prometheusUrl?: string;
  /** Real milliseconds between two health samples. */
  readonly healthIntervalMs?: number;
  /** Real milliseconds health points wait before they are written together; default 5 000. */
  readonly healthFlushMs?: number;
  /** Options for the sandboxes rehearsals start (e.g. a fixed token in tests). */
  readonly rehearsalSandbox?: Omit<SandboxOptions, 'speed'>;
  /** Notices when the computer slept; default a detector over Date.now and performance.now, checking every 5 s. */
  readonly sleepDetector?: SleepDetector;
  /** Real milliseconds a release gets to act on waking before the sleep notice describes it; default 2 000. */
  readonly wakeSettleMs?: number;
  /** The shell this console runs in, named to other consoles and the CLI as the driver of its releases. */
  readonly shell?: 'web' | 'electron';
}

export interface StartInput {
  mode: 'rehearse' | 'run';
  context: string;
  text: string;
  speed: number;
  stepThrough: boolean;
  /** The digest of the plan's commands the user confirmed (`planCommands(plan).digest`). */
  confirmedCommands?: string;
  /** The user confirmed taking the workload's lease over from a release that stopped renewing it. */
  takeOver?: boolean;
}

/** Starts, drives and reports releases for the console; one per workload at a time. */
export class ReleaseService {
  readonly #o: ReleaseServiceOptions;
  /** The journal, and the control channel that answers `switchyard abort|promote|resume ID` (and other consoles). */
  readonly #runtime: Runtime;
  readonly #live: LiveReleases;
  #rehearsalSandbox: SandboxHandle | null = null;
  readonly #sleep: SleepDetector;
  readonly #stopSleepWatch: () => void;

  constructor(options: ReleaseServiceOptions) {
    this.#o = options;
    this.#runtime = createRuntime({
      journalDir: join(options.dataDir, 'journal'),
      user: options.user,
      driver: { kind: 'console', ...(options.shell ? { shell: options.shell } : {}) },
      ...(options.prometheusUrl ? { prometheus: { url: options.prometheusUrl, judgesSandbox: false } } : {}),
      missingPrometheus,
      ...(options.healthFlushMs !== undefined ? { healthFlushMs: options.healthFlushMs } : {}),
    });
    this.#live = new LiveReleases(options.hub, options.wakeSettleMs ?? 2_000);
    this.#sleep = options.sleepDetector ?? createSleepDetector();
    this.#stopSleepWatch = this.#sleep.onSleep((gap) => void this.#live.onSleep(gap));
    this.#sleep.start();
  }

  /** Starts a release (a rehearsal on a fresh sandbox at `speed`, or a run on `context`) and returns its id. */
  async start(input: StartInput): Promise<string> {
    const parsed = parsePlan(input.text);
    if (!parsed.ok)
      throw new DomainError('invalidPlan', `The plan has ${parsed.errors.length} problem(s).`, parsed.errors);
    const plan = input.stepThrough ? withStepThrough(parsed.plan) : parsed.plan;
    strategyFor(plan, assessMeasurements); // refuses a strategy the engine cannot run, before anything starts
    assertCommandsConfirmed(plan, input.confirmedCommands);
    this.#live.assertWorkloadFree(input.context, plan);

    const conn = await this.#connect(input.mode, input.context, input.speed, {}, plan);
    // The workload's lease is taken before preflight: another console, CLI or laptop holding it refuses this start.
    const claim = await conn.claim(plan, {
      user: this.#o.user,
      host: hostname(),
      takeOver: input.takeOver === true,
    });
    let handle: ReleaseHandle;
    let stableVersion: string;
    try {
      if (input.mode === 'run') {
        const report = await conn.preflight(plan, await this.#flagsFor('run', plan, conn));
        if (!report.ok) {
          const blockers = report.findings
            .filter((f) => f.severity === 'blocker')
            .map((f) => `${f.title}: ${f.explanation}`);
          throw new DomainError(
            'invalidPlan',
            `Preflight found ${blockers.length} blocker(s); the release was not started.`,
            blockers,
          );
        }
      }
      // Known before the start, so the objects the release creates carry its id.
      const ops = conn.ops(plan, claim.releaseId);
      const flags = await this.#flagsFor(input.mode, plan, conn);
      stableVersion = imageVersion((await ops.workloadState('stable')).image);
      handle = await claim.start({
        ops,
        ...(flags ? { flags } : {}),
        who: { user: this.#o.user, context: conn.context },
        ...(input.confirmedCommands ? { confirmedCommands: input.confirmedCommands } : {}),
      });
    } catch (error) {
      await claim.giveBack();
      throw error;
    }
    const newVersion = imageVersion(plan.target.image);
    this.#track(handle, plan, conn, [stableVersion, newVersion]);
    return handle.id;
  }

  /**
   * Resumes an unfinished release from its journal; `abort` then sends traffic back to stable at once. Refused
   * (LeaseHeldError) while another release holds the workload; `takeOver` takes a stale lease over.
   */
  async resume(id: string, then: 'continue' | 'abort', takeOver = false): Promise<string> {
    if (this.#live.get(id))
      throw new DomainError('conflict', `Release ${id} is already live in this console; open its live view.`);
    const driver = liveDriver(this.#runtime.journalDir, id);
    if (driver)
      throw new DomainError(
        'conflict',
        `Release ${id} is driven by ${describeDriver(driver)}; control it there or with switchyard abort|promote|resume ${id}.`,
      );
    const summary = (await this.#runtime.journal.listReleases()).find((r) => r.releaseId === id);
    if (!summary) throw new DomainError('notFound', `There is no release ${id} in the journal.`);
    if (!summary.readable)
      throw new DomainError('invalidConfig', `Release ${id} cannot be read: ${summary.problem}`);
    if (!summary.unfinished)
      throw new DomainError('conflict', `Release ${id} already ended (${summary.status}).`);
    if (summary.header.context === REHEARSAL_CONTEXT) {
      throw new DomainError(
        'invalidConfig',
        `Release ${id} was a rehearsal; its sandbox is gone, so start a new rehearsal instead.`,
      );
    }
    const stored = await this.#storedPlan(id);
    const conn = await this.#connect('run', summary.header.context, 1);
    const ops = conn.ops(stored, id);
    const flags = await this.#flagsFor('run', stored, conn);
    const handle = await conn.resume(stored, {
      releaseId: id,
      ops,
      ...(flags ? { flags } : {}),
      who: { user: this.#o.user, context: conn.context },
      takeOver,
    });
    const versions = [
      imageVersion((await ops.workloadState('stable')).image),
      imageVersion(stored.target.image),
    ];
    this.#track(handle, stored, conn, versions);
    if (then === 'abort') handle.send({ type: 'ABORT', reason: 'Rolled back on resume.' }, this.#o.user);
    return id;
  }

  /**
   * Rolls a completed release back on its context with its own short procedure (`rollBackFinishedRelease`):
   * blue-green to the colour it kept, canary or rolling to the image before it, a flag ramp by its kill
   * switch; audited, traffic (or the flag) read back.
   */
  async rollbackCompleted(
    id: string,
    reason?: string,
  ): Promise<{ summary: string; traffic: Record<string, number> }> {
    const summary = (await this.#runtime.journal.listReleases()).find((r) => r.releaseId === id);
    if (!summary) throw new DomainError('notFound', `There is no release ${id} in the journal.`);
    if (!summary.readable)
      throw new DomainError('invalidConfig', `Release ${id} cannot be read: ${summary.problem}`);
    if (summary.header.context === REHEARSAL_CONTEXT)
      throw new DomainError(
        'invalidConfig',
        `Release ${id} was a rehearsal; its sandbox is gone, so there is nothing to roll back.`,
      );
    const live = this.#live.get(id);
    const liveStatus = live?.handle.getSnapshot().status;
    if (liveStatus === 'running' || liveStatus === 'paused')
      throw new DomainError(
        'conflict',
        `Release ${id} is still ${liveStatus}; use Roll back on the Run screen.`,
      );
    const stored = await this.#storedPlan(id);
    const conn = await this.#connect('run', summary.header.context, 1, { allowWithoutPrometheus: true });
    // The ended release stops being driven here, so its journal (and status) are the rollback's from now on.
    if (live) await this.#live.stopWhere((l) => l === live);
    const result = await rollBackFinishedRelease({
      journal: this.#runtime.journal,
      releaseId: id,
      ops: conn.ops(stored, id),
      flags: await conn.flags(stored),
      who: { user: this.#o.user, context: conn.context },
      ...(reason ? { reason } : {}),
      now: () => conn.clock.now(),
    });
    return { summary: result.summary, traffic: result.traffic.weights };
  }

  /** Preflight of a plan on a context: queries, RBAC, a server-side dry run and the zero-downtime audit. */
  async preflight(context: string, text: string): Promise<PreflightResult> {
    const parsed = parsePlan(text);
    if (!parsed.ok)
      throw new DomainError('invalidPlan', `The plan has ${parsed.errors.length} problem(s).`, parsed.errors);
    const conn = await this.#connect('run', context, 1, { allowWithoutPrometheus: true });
    return conn.preflight(parsed.plan, await this.#flagsFor('run', parsed.plan, conn));
  }

  /** The flag system a flag-rollout plan names, on `context` (none for another strategy). */
  async flagSystemOn(context: string, plan: ReleasePlan): Promise<FlagProvider | undefined> {
    const conn = await this.#connect('run', context, 1, { allowWithoutPrometheus: true });
    return this.#flagsFor('run', plan, conn);
  }

  /** A rehearsal's fresh sandbox at `speed`, the built-in sandbox, or a context of the kubeconfig. */
  async #connect(
    mode: 'rehearse' | 'run',
    requested: string,
    speed: number,
    opts: { allowWithoutPrometheus?: boolean } = {},
    plan?: ReleasePlan,
  ): Promise<ContextRuntime> {
    if (mode === 'rehearse' || requested === this.#o.sandbox?.contextName) {
      const sandbox =
        mode === 'rehearse'
          ? await this.#freshRehearsalSandbox(speed, plan)
          : await this.#o.sandbox!.handle();
      const context = mode === 'rehearse' ? REHEARSAL_CONTEXT : requested;
      return this.#runtime.open({ kind: 'sandbox', context, sandbox, kubeconfig: sandbox.kubeconfigYaml() });
    }
    // Said before the kubeconfig is read: without a Prometheus nothing on a real cluster can be judged.
    if (!this.#o.prometheusUrl && !opts.allowWithoutPrometheus) throw missingPrometheus(requested);
    const kubeconfig = await this.#o.kubeconfigFor(requested);
    return this.#runtime.open({ kind: 'cluster', context: requested, kubeconfig }, opts);
  }

  /**
   * Sends an operator event to a release this console drives, or through the control channel to the process
   * that drives it; a state that does not take it answers `accepted: false` with the reason.
   */
  async control(id: string, event: OperatorEvent): Promise<{ accepted: boolean; message: string }> {
    return this.#live.send(id, event, this.#o.user) ?? this.#controlElsewhere(id, event);
  }

  async #controlElsewhere(id: string, event: OperatorEvent): Promise<{ accepted: boolean; message: string }> {
    checkReleaseId(id);
    if (!liveDriver(this.#runtime.journalDir, id))
      throw new DomainError('notFound', `Release ${id} is not driven by any console or run now.`);
    try {
      return {
        accepted: true,
        message: await sendControl(this.#runtime.journalDir, id, { ...event, by: this.#o.user }),
      };
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'conflict')
        return { accepted: false, message: error.message };
      throw error;
    }
  }

  /** Every release in the journal, newest first. */
  list(): Promise<ReleaseListItem[]> {
    return listReleases(this.#runtime, (id) => this.#live.get(id));
  }

  /** A release's latest projection, health points and audit log (verified). */
  get(id: string): Promise<ReleaseDetail> {
    return releaseDetail(this.#runtime.journal, id, this.#live.get(id));
  }

  /** A report for a post-incident review, with every secret-looking value redacted. */
  async export(id: string, format: 'markdown' | 'json'): Promise<{ filename: string; text: string }> {
    return exportRelease(id, await this.get(id), format);
  }

  /** Injects a fault into the running rehearsal's sandbox, else the built-in one. */
  async fault(f: SandboxFault): Promise<void> {
    const target = this.#rehearsalSandbox ?? (await this.#o.sandbox?.handle());
    if (!target) throw new DomainError('notFound', 'There is no sandbox to inject a fault into.');
    try {
      target.setFault(f);
    } catch (error) {
      throw new DomainError('badRequest', error instanceof Error ? error.message : String(error));
    }
  }

  async dispose(): Promise<void> {
    this.#stopSleepWatch();
    if (!this.#o.sleepDetector) this.#sleep.stop();
    await this.#live.stopWhere(() => true);
    this.#runtime.close();
    await this.#rehearsalSandbox?.close();
    this.#rehearsalSandbox = null;
  }

  /**
   * The flag a flag ramp drives (none for other strategies). A rehearsal drives the sandbox's own
   * FeatureFlag; an Unleash ramp is refused there, since its flag lives on a real server.
   */
  async #flagsFor(mode: 'rehearse' | 'run', plan: ReleasePlan, conn: ContextRuntime) {
    const s = flagRampOf(plan);
    if (mode === 'rehearse' && s?.provider?.kind === 'unleash')
      throw new DomainError(
        'invalidPlan',
        `A rehearsal cannot ramp flag "${s.flag}" on Unleash (${s.provider.url}): the flag lives on a real server. Rehearse with an OpenFeature provider, or run it.`,
      );
    return conn.flags(plan);
  }

  async #freshRehearsalSandbox(speed: number, plan?: ReleasePlan): Promise<SandboxHandle> {
    await this.#live.stopWhere((l) => l.context === REHEARSAL_CONTEXT);
    await this.#rehearsalSandbox?.close();
    // A flag ramp is rehearsed on the `flags` scenario (a service behind an OpenFeature FeatureFlag).
    const flags = plan !== undefined && flagRampOf(plan) !== undefined && !this.#o.rehearsalSandbox?.scenario;
    this.#rehearsalSandbox = await startSandbox({
      ...this.#o.rehearsalSandbox,
      ...(flags ? { scenario: 'flags' } : {}),
      speed,
    });
    return this.#rehearsalSandbox;
  }

  #track(handle: ReleaseHandle, plan: ReleasePlan, conn: ContextRuntime, versions: string[]): void {
    const tracked = trackRelease({
      handle,
      hub: this.#o.hub,
      sampler: conn.sampler(plan),
      clock: conn.clock,
      ...sampledBy(plan, versions),
      healthLog: this.#runtime.journal.healthLog(handle.id),
      control: this.#runtime.control,
      user: this.#o.user,
      ...(this.#o.healthIntervalMs !== undefined ? { intervalMs: this.#o.healthIntervalMs } : {}),
    });
    this.#live.add({
      handle,
      plan,
      context: conn.context,
      health: tracked.health,
      clock: conn.clock,
      stop: tracked.stop,
    });
  }

  /** The plan release `id` ran, from its journal. Throws DomainError `invalidConfig` naming what is wrong. */
  async #storedPlan(id: string): Promise<ReleasePlan> {
    const stored = await this.#runtime.journal.readRelease(id);
    if (!stored.release) throw new DomainError('invalidConfig', `Release ${id} has no plan in its journal.`);
    return stored.release.plan;
  }
}

function missingPrometheus(context: string): DomainError {
  return new DomainError(
    'invalidConfig',
    `No Prometheus is configured, so a release on "${context}" could not be judged. Start Switchyard with --prometheus URL (or SWITCHYARD_PROMETHEUS_URL).`,
  );
}

/** A pause before every canary step that is not a pause already, so the operator steps through it. */
export function withStepThrough(plan: ReleasePlan): ReleasePlan {
  if (plan.strategy.kind !== 'canary') return plan;
  const steps = plan.strategy.steps.flatMap((s) => ('pause' in s ? [s] : [{ pause: {} }, s]));
  return { ...plan, strategy: { ...plan.strategy, steps } };
}
