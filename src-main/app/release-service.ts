import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HealthPoint, ReleaseListItem, SandboxFault } from '../../src-shared/bridge/contract.ts';
import { DomainError } from '../../src-shared/bridge/errors.ts';
import { parsePlan } from '../../src-shared/plan/plan.parse.ts';
import { assertCommandsConfirmed } from '../../src-shared/plan/plan-commands.ts';
import type { ReleasePlan } from '../../src-shared/plan/plan.schema.ts';
import type { Decision, OperatorEvent, ReleaseSnapshot } from '../../src-shared/release/release.schema.ts';
import type { ControlEvent } from '../../src-shared/release/release.schema.ts';
import { CONTROL_LABELS } from '../../src-shared/release/release-words.ts';
import { assessMeasurements } from '../../src-shared/stats/threshold-analysis.ts';
import { createKubeReleaseOps } from '../adapters/kube/release-ops.ts';
import { createKubeWorkloadLease } from '../adapters/kube/workload-lease.ts';
import { takeLease } from '../engine/runner/release-lease.ts';
import { createPromqlAnalysis } from '../adapters/prometheus/prometheus-analysis.ts';
import { createPrometheusMetrics } from '../adapters/prometheus/prometheus.adapter.ts';
import { createSandboxAnalysis } from '../adapters/sandbox-metrics/sandbox-analysis.ts';
import type { EventHub } from '../bridge/dispatch.ts';
import {
  JOURNAL_FILES,
  createFileJournal,
  newReleaseId,
  verifyAudit,
} from '../engine/journal/file-journal.ts';
import { parseAudit } from '../engine/journal/audit-chain.ts';
import { redactSecrets } from '../engine/journal/redact.ts';
import { imageVersion } from '../engine/machines/release-common.ts';
import type { StateValueLike } from '../engine/machines/projection.ts';
import {
  resumeRelease,
  startRelease,
  type PersistedRelease,
  type ReleaseHandle,
} from '../engine/runner/release-runner.ts';
import { strategyFor } from '../engine/runner/strategies.ts';
import { rollBackFinishedRelease, withFinishedRollback } from '../engine/rollback/finished-rollback.ts';
import { createScaledClock } from '../engine/scaled-clock.ts';
import type { AuditEntry, Journal } from '../ports/journal.port.ts';
import type { AnalysisSource } from '../ports/release.port.ts';
import type { MetricsPort } from '../ports/metrics.port.ts';
import { createKubePreflightCluster } from '../adapters/kube/preflight-cluster.ts';
import { runPreflight } from '../engine/preflight/preflight.ts';
import type { PreflightResult } from '../../src-shared/preflight/preflight.schema.ts';
import { renderMetricQuery } from '../../src-shared/plan/promql.ts';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../sandbox/sandbox.ts';
import { prometheusHealthSampler, sandboxHealthSampler, type HealthSampler } from './health-sampler.ts';
import { renderReleaseMarkdown } from './release-report.ts';
import {
  createSleepAwareClock,
  createSleepDetector,
  type SleepAwareClock,
  type SleepDetector,
  type SleepGap,
} from './sleep-detector.ts';
import { actOnSleep } from './sleep-report.ts';
import {
  createControlDriver,
  describeDriver,
  driverSummary,
  liveDriver,
  sendControl,
  type ControlDriver,
} from './control-channel.ts';
import type { EmbeddedSandbox } from './sandbox-provider.ts';
import { flagProviderFor } from './flag-providers.ts';
import type { FlagProvider } from '../ports/exposure.port.ts';

/** The context name rehearsals are journaled under. */
export const REHEARSAL_CONTEXT = 'rehearsal';
/** Health points kept per release in memory (24 h at one point per second and version). */
const MAX_HEALTH_POINTS = 2 * 86_400;

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

interface Connection {
  /** The context the release is journaled under (`rehearsal` for rehearsals). */
  context: string;
  kubeconfig: string;
  /** Counts the time the computer slept as elapsed (see `#onSleep`). */
  clock: SleepAwareClock;
  analysis: AnalysisSource;
  sampler: HealthSampler;
  metrics?: MetricsPort;
}

interface LiveRelease {
  readonly handle: ReleaseHandle;
  readonly plan: ReleasePlan;
  readonly context: string;
  readonly health: HealthPoint[];
  readonly clock: SleepAwareClock;
  readonly stop: () => void;
}

/** Starts, drives and reports releases for the console; one per workload at a time. */
export class ReleaseService {
  readonly #o: ReleaseServiceOptions;
  readonly #journal: Journal;
  readonly #live = new Map<string, LiveRelease>();
  #rehearsalSandbox: SandboxHandle | null = null;
  readonly #sleep: SleepDetector;
  readonly #stopSleepWatch: () => void;
  /** Answers `switchyard abort|promote|resume ID` (and other consoles) for every release this console drives. */
  readonly #control: ControlDriver;

  constructor(options: ReleaseServiceOptions) {
    this.#o = options;
    this.#journal = createFileJournal({ dir: join(options.dataDir, 'journal'), user: options.user });
    this.#control = createControlDriver(join(options.dataDir, 'journal'), {
      kind: 'console',
      ...(options.shell ? { shell: options.shell } : {}),
    });
    this.#sleep = options.sleepDetector ?? createSleepDetector();
    this.#stopSleepWatch = this.#sleep.onSleep((gap) => void this.#onSleep(gap));
    this.#sleep.start();
  }

  /**
   * After the computer slept: each unfinished release's clock moves on by the time slept (a pause that ended
   * meanwhile is over), then, once the release has acted on that, a `slept` notice and an audit entry say
   * what it did.
   */
  async #onSleep(gap: SleepGap): Promise<void> {
    const lives = [...this.#live.values()].filter((l) => {
      const status = l.handle.getSnapshot().status;
      return status === 'running' || status === 'paused';
    });
    await Promise.all(
      lives.map(async (l) => {
        const report = await actOnSleep({
          gap,
          plan: l.plan,
          handle: l.handle,
          clock: l.clock,
          rehearsal: l.context === REHEARSAL_CONTEXT,
          settleMs: this.#o.wakeSettleMs ?? 2_000,
        });
        this.#o.hub.emit('release:notice', {
          id: l.handle.id,
          kind: 'slept',
          title: report.title,
          body: report.body,
        });
      }),
    );
  }

  /** Starts a release (a rehearsal on a fresh sandbox at `speed`, or a run on `context`) and returns its id. */
  async start(input: StartInput): Promise<string> {
    const parsed = parsePlan(input.text);
    if (!parsed.ok)
      throw new DomainError('invalidPlan', `The plan has ${parsed.errors.length} problem(s).`, parsed.errors);
    const plan = input.stepThrough ? withStepThrough(parsed.plan) : parsed.plan;
    strategyFor(plan, assessMeasurements); // refuses a strategy the engine cannot run, before anything starts
    assertCommandsConfirmed(plan, input.confirmedCommands);
    for (const live of this.#live.values()) {
      const s = live.handle.getSnapshot();
      const sameTarget =
        live.plan.target.name === plan.target.name && live.plan.target.namespace === plan.target.namespace;
      if ((s.status === 'running' || s.status === 'paused') && live.context === input.context && sameTarget) {
        throw new DomainError(
          'conflict',
          `Release ${live.handle.id} of ${plan.target.name} is still ${s.status}; finish or abort it first.`,
        );
      }
    }

    const conn = await this.#connect(input.mode, input.context, input.speed, plan);
    const { kubeconfig, clock, analysis, sampler, context } = conn;
    // The workload's lease is taken before preflight: another console, CLI or laptop holding it refuses this start.
    const lease = createKubeWorkloadLease(kubeconfig, plan.target);
    const releaseId = newReleaseId(plan.name, clock.now());
    const claim = { releaseId, user: this.#o.user, host: hostname() };
    const leaseTakenFrom = await takeLease(lease, plan.target, claim, input.takeOver === true);
    let handle: ReleaseHandle;
    let stableVersion: string;
    try {
      if (input.mode === 'run') {
        const report = await this.#preflight(conn, plan, await this.#flagsFor('run', plan, kubeconfig));
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
      const ops = createKubeReleaseOps(kubeconfig, plan, { releaseId });
      const flags = await this.#flagsFor(input.mode, plan, kubeconfig);
      stableVersion = imageVersion((await ops.workloadState('stable')).image);
      handle = await startRelease({
        plan,
        releaseId,
        lease,
        ...(leaseTakenFrom ? { leaseTakenFrom } : {}),
        ops,
        ...(flags ? { flags } : {}),
        analysis,
        clock,
        journal: this.#journal,
        who: { user: this.#o.user, context },
        ...(input.confirmedCommands ? { confirmedCommands: input.confirmedCommands } : {}),
      });
    } catch (error) {
      await lease.release(releaseId).catch(() => undefined);
      throw error;
    }
    const newVersion = imageVersion(plan.target.image);
    this.#track(handle, plan, context, sampler, clock, [stableVersion, newVersion]);
    return handle.id;
  }

  /**
   * Resumes an unfinished release from its journal; `abort` then sends traffic back to stable at once. Refused
   * (LeaseHeldError) while another release holds the workload; `takeOver` takes a stale lease over.
   */
  async resume(id: string, then: 'continue' | 'abort', takeOver = false): Promise<string> {
    if (this.#live.has(id))
      throw new DomainError('conflict', `Release ${id} is already live in this console; open its live view.`);
    const driver = liveDriver(this.#journalDir(), id);
    if (driver)
      throw new DomainError(
        'conflict',
        `Release ${id} is driven by ${describeDriver(driver)}; control it there or with switchyard abort|promote|resume ${id}.`,
      );
    const summary = (await this.#journal.listReleases()).find((r) => r.releaseId === id);
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
    const stored = this.#storedPlan(id);
    if (!stored) throw new DomainError('invalidConfig', `Release ${id} has no plan in its journal.`);
    const conn = await this.#connect('run', summary.header.context, 1, stored);
    const ops = createKubeReleaseOps(conn.kubeconfig, stored, { releaseId: id });
    const flags = await this.#flagsFor('run', stored, conn.kubeconfig);
    const handle = await resumeRelease({
      releaseId: id,
      lease: createKubeWorkloadLease(conn.kubeconfig, stored.target),
      takeOver,
      ops,
      ...(flags ? { flags } : {}),
      analysis: conn.analysis,
      clock: conn.clock,
      journal: this.#journal,
      who: { user: this.#o.user, context: conn.context },
    });
    const versions = [
      imageVersion((await ops.workloadState('stable')).image),
      imageVersion(stored.target.image),
    ];
    this.#track(handle, stored, conn.context, conn.sampler, conn.clock, versions);
    if (then === 'abort') handle.send({ type: 'ABORT', reason: 'Rolled back on resume.' }, this.#o.user);
    return id;
  }

  /**
   * Rolls a completed release back on its context with its own short procedure (`rollBackFinishedRelease`):
   * blue-green to the colour it kept, canary or rolling to the image before it; audited, traffic read back.
   */
  async rollbackCompleted(
    id: string,
    reason?: string,
  ): Promise<{ summary: string; traffic: Record<string, number> }> {
    const summary = (await this.#journal.listReleases()).find((r) => r.releaseId === id);
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
    const stored = this.#storedPlan(id);
    if (!stored) throw new DomainError('invalidConfig', `Release ${id} has no plan in its journal.`);
    const conn = await this.#connect('run', summary.header.context, 1, stored, {
      allowWithoutPrometheus: true,
    });
    if (live) {
      // The ended release stops being driven here, so its journal (and status) are the rollback's from now on.
      live.stop();
      await live.handle.stop();
      this.#live.delete(id);
    }
    const result = await rollBackFinishedRelease({
      journal: this.#journal,
      releaseId: id,
      ops: createKubeReleaseOps(conn.kubeconfig, stored, { releaseId: id }),
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
    const conn = await this.#connect('run', context, 1, parsed.plan, { allowWithoutPrometheus: true });
    return this.#preflight(conn, parsed.plan, await this.#flagsFor('run', parsed.plan, conn.kubeconfig));
  }

  async #preflight(conn: Connection, plan: ReleasePlan, flags?: FlagProvider): Promise<PreflightResult> {
    return runPreflight({
      plan,
      cluster: createKubePreflightCluster(conn.kubeconfig, plan),
      analysis: conn.analysis,
      ...(flags ? { flags } : {}),
      ...(conn.metrics ? { metrics: conn.metrics } : {}),
      now: () => conn.clock.now(),
    });
  }

  /** How to reach a context: kubeconfig, clock, how to judge it and how to sample its health. */
  async #connect(
    mode: 'rehearse' | 'run',
    requested: string,
    speed: number,
    plan: ReleasePlan,
    opts: { allowWithoutPrometheus?: boolean } = {},
  ): Promise<Connection> {
    const svc = {
      ...(plan.strategy.kind === 'blue-green' ? {} : { namespace: plan.target.namespace }),
      job: plan.target.job ?? plan.target.name,
      windowSeconds: 60,
    };
    if (mode === 'rehearse' || requested === this.#o.sandbox?.contextName) {
      const sandbox =
        mode === 'rehearse'
          ? await this.#freshRehearsalSandbox(speed, plan)
          : await this.#o.sandbox!.handle();
      return {
        context: mode === 'rehearse' ? REHEARSAL_CONTEXT : requested,
        kubeconfig: sandbox.kubeconfigYaml(),
        clock: createSleepAwareClock(sandbox.clock),
        analysis: createSandboxAnalysis({ url: sandbox.url, token: sandbox.token }),
        sampler: sandboxHealthSampler(sandbox, svc),
      };
    }
    const message = `No Prometheus is configured, so a release on "${requested}" could not be judged. Start Switchyard with --prometheus URL (or SWITCHYARD_PROMETHEUS_URL).`;
    if (!this.#o.prometheusUrl && !opts.allowWithoutPrometheus)
      throw new DomainError('invalidConfig', message);
    const kubeconfig = await this.#o.kubeconfigFor(requested);
    const clock = createSleepAwareClock(createScaledClock(1));
    if (!this.#o.prometheusUrl) {
      const analysis: AnalysisSource = {
        read: async (metric, params) => ({
          query: renderMetricQuery(metric, params),
          sample: { kind: 'inconclusive', reason: 'unreachable', message },
        }),
      };
      return {
        context: requested,
        kubeconfig,
        clock,
        analysis,
        sampler: { sample: async () => Promise.reject(new Error(message)) },
      };
    }
    const metrics = createPrometheusMetrics({ url: this.#o.prometheusUrl });
    return {
      context: requested,
      kubeconfig,
      clock,
      metrics,
      analysis: createPromqlAnalysis(metrics),
      sampler: prometheusHealthSampler(metrics, svc),
    };
  }

  /**
   * Sends an operator event to a release this console drives, or through the control channel to the process
   * that drives it; a state that does not take it answers `accepted: false` with the reason.
   */
  async control(id: string, event: OperatorEvent): Promise<{ accepted: boolean; message: string }> {
    const live = this.#live.get(id);
    if (!live) return this.#controlElsewhere(id, event);
    try {
      live.handle.send(event, this.#o.user);
      return {
        accepted: true,
        message: `${CONTROL_LABELS[event.type as ControlEvent] ?? event.type} sent to ${id}.`,
      };
    } catch (error) {
      if (error instanceof DomainError && (error.kind === 'conflict' || error.kind === 'badRequest')) {
        return { accepted: false, message: error.message };
      }
      throw error;
    }
  }

  async #controlElsewhere(id: string, event: OperatorEvent): Promise<{ accepted: boolean; message: string }> {
    this.#releaseDir(id); // refuses what is not a release id
    if (!liveDriver(this.#journalDir(), id))
      throw new DomainError('notFound', `Release ${id} is not driven by any console or run now.`);
    try {
      return {
        accepted: true,
        message: await sendControl(this.#journalDir(), id, { ...event, by: this.#o.user }),
      };
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'conflict')
        return { accepted: false, message: error.message };
      throw error;
    }
  }

  #journalDir(): string {
    return join(this.#o.dataDir, 'journal');
  }

  /** Every release in the journal, newest first. */
  async list(): Promise<ReleaseListItem[]> {
    const all = await this.#journal.listReleases();
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
      const live = this.#live.get(r.releaseId)?.handle.getSnapshot();
      const driver = liveDriver(this.#journalDir(), r.releaseId);
      return {
        id: r.releaseId,
        planName: r.header.planName,
        strategy: r.header.strategy,
        context: r.header.context,
        namespace: r.header.namespace,
        status: live ? live.status : r.status,
        rehearsal: r.header.context === REHEARSAL_CONTEXT,
        startedAtMs: r.header.startedAtMs,
        savedAtMs: r.savedAtMs,
        ...(driver
          ? {
              driver: { ...driverSummary(driver), here: driver.driverId === this.#control.id },
            }
          : {}),
      };
    });
    return items.sort((a, b) => b.startedAtMs - a.startedAtMs);
  }

  /** A release's latest projection, health points and audit log (verified). */
  async get(id: string): Promise<{
    snapshot: ReleaseSnapshot | null;
    health: HealthPoint[];
    /** The plan as JSON text (which the plan parser reads as YAML), secrets redacted; null when none is stored. */
    planText: string | null;
    audit: AuditEntry[];
    integrity: string;
  }> {
    const dir = this.#releaseDir(id);
    let auditText: string;
    try {
      auditText = readFileSync(join(dir, JOURNAL_FILES.audit), 'utf8');
    } catch {
      throw new DomainError('notFound', `There is no release ${id} in the journal.`);
    }
    const audit = parseAudit(auditText, id).entries;
    const verification = await verifyAudit(dir);
    const integrity = verification.ok
      ? `The audit log's ${verification.entries} entries are intact.`
      : `The audit log is broken at line ${verification.line}: ${verification.problem}`;
    const live = this.#live.get(id);
    const plan = live ? live.plan : this.#storedPlan(id);
    return {
      snapshot: live ? live.handle.getSnapshot() : this.#storedSnapshot(dir),
      health: live ? [...live.health] : this.#storedHealth(id),
      planText: plan ? JSON.stringify(redactSecrets(plan), null, 2) : null,
      audit,
      integrity,
    };
  }

  /** A report for a post-incident review, with every secret-looking value redacted. */
  async export(id: string, format: 'markdown' | 'json'): Promise<{ filename: string; text: string }> {
    const r = await this.get(id);
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
    return { filename: `${id}.md`, text: renderReleaseMarkdown(id, r.snapshot, r.audit, r.integrity) };
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
    for (const live of this.#live.values()) {
      live.stop();
      await live.handle.stop();
    }
    this.#live.clear();
    this.#control.close();
    await this.#rehearsalSandbox?.close();
    this.#rehearsalSandbox = null;
  }

  /**
   * The flag a flag ramp drives (none for other strategies). A rehearsal drives the sandbox's own
   * FeatureFlag; an Unleash ramp is refused there, since its flag lives on a real server.
   */
  async #flagsFor(mode: 'rehearse' | 'run', plan: ReleasePlan, kubeconfig: string) {
    const s = plan.strategy;
    if (mode === 'rehearse' && s.kind === 'flag-rollout' && s.provider?.kind === 'unleash')
      throw new DomainError(
        'invalidPlan',
        `A rehearsal cannot ramp flag "${s.flag}" on Unleash (${s.provider.url}): the flag lives on a real server. Rehearse with an OpenFeature provider, or run it.`,
      );
    return flagProviderFor(plan, { kubeconfigYaml: kubeconfig, env: process.env });
  }

  async #freshRehearsalSandbox(speed: number, plan?: ReleasePlan): Promise<SandboxHandle> {
    for (const [id, live] of this.#live) {
      if (live.context === REHEARSAL_CONTEXT) {
        live.stop();
        await live.handle.stop();
        this.#live.delete(id);
      }
    }
    await this.#rehearsalSandbox?.close();
    // A flag ramp is rehearsed on the `flags` scenario (a service behind an OpenFeature FeatureFlag).
    const flags = plan?.strategy.kind === 'flag-rollout' && !this.#o.rehearsalSandbox?.scenario;
    this.#rehearsalSandbox = await startSandbox({
      ...this.#o.rehearsalSandbox,
      ...(flags ? { scenario: 'flags' } : {}),
      speed,
    });
    return this.#rehearsalSandbox;
  }

  #track(
    handle: ReleaseHandle,
    plan: ReleasePlan,
    context: string,
    sampler: HealthSampler,
    clock: SleepAwareClock,
    versions: string[],
  ): void {
    const { hub } = this.#o;
    const health: HealthPoint[] = [];
    const file = join(this.#o.dataDir, 'health', `${handle.id}.jsonl`);
    mkdirSync(join(this.#o.dataDir, 'health'), { recursive: true });
    let seen = handle.getSnapshot().decisions.length;
    let lastStatus = handle.getSnapshot().status;
    let settled = false;
    const unsubscribe = handle.subscribe((s) => {
      hub.emit('release:update', s);
      for (const d of s.decisions.slice(seen)) {
        const notice = noticeFor(d);
        if (notice) hub.emit('release:notice', { id: s.id, ...notice });
      }
      seen = s.decisions.length;
      if (s.status !== lastStatus && (s.status === 'completed' || s.status === 'failed')) {
        const title = s.status === 'completed' ? 'Release complete' : 'Release failed';
        const body =
          s.status === 'completed'
            ? `${s.planName}: all traffic is on the new version.`
            : `${s.planName}: ${s.pause?.message ?? 'the release failed.'}`;
        hub.emit('release:notice', { id: s.id, kind: s.status, title, body });
      }
      lastStatus = s.status;
    });
    const unique = [...new Set(versions)];
    const tick = async () => {
      if (settled) return;
      try {
        const now = clock.now();
        const points = await Promise.all(unique.map((v) => sampler.sample(v, now)));
        health.push(...points);
        if (health.length > MAX_HEALTH_POINTS) health.splice(0, health.length - MAX_HEALTH_POINTS);
        appendFileSync(file, points.map((p) => JSON.stringify(p)).join('\n') + '\n');
        hub.emit('release:health', { id: handle.id, points });
      } catch {
        // A missed health sample is a gap in the timeline; the analysis itself never depends on it.
      }
    };
    const timer = setInterval(() => void tick(), this.#o.healthIntervalMs ?? 1000);
    void tick();
    const stopControl = this.#control.serve(handle.id, ({ by, ...event }) => {
      handle.send(event, by ?? this.#o.user);
      return `${event.type} sent to release ${handle.id}.`;
    });
    const stop = () => {
      settled = true;
      clearInterval(timer);
      unsubscribe();
      stopControl();
    };
    void handle.done.then(() => {
      void tick().then(stop);
    });
    this.#live.set(handle.id, { handle, plan, context, health, clock, stop });
  }

  #releaseDir(id: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith('.'))
      throw new DomainError('badRequest', `"${id}" is not a release id.`);
    return join(this.#o.dataDir, 'journal', id);
  }

  #storedSnapshot(dir: string): ReleaseSnapshot | null {
    try {
      const record = JSON.parse(readFileSync(join(dir, JOURNAL_FILES.record), 'utf8')) as {
        snapshot: PersistedRelease | null;
      };
      const p = record.snapshot;
      const x = p?.xstate as { value?: StateValueLike; context?: unknown } | null | undefined;
      if (!p || !x?.value || !x.context) return null;
      return withFinishedRollback(
        strategyFor(p.plan, assessMeasurements, p.machine).project(x.value, x.context),
        p,
      );
    } catch {
      return null;
    }
  }

  #storedPlan(id: string): ReleasePlan | null {
    try {
      const record = JSON.parse(readFileSync(join(this.#releaseDir(id), JOURNAL_FILES.record), 'utf8')) as {
        snapshot: PersistedRelease | null;
      };
      return record.snapshot?.plan ?? null;
    } catch {
      return null;
    }
  }

  #storedHealth(id: string): HealthPoint[] {
    try {
      return readFileSync(join(this.#o.dataDir, 'health', `${id}.jsonl`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as HealthPoint);
    } catch {
      return [];
    }
  }
}

/** A pause before every canary step that is not a pause already, so the operator steps through it. */
export function withStepThrough(plan: ReleasePlan): ReleasePlan {
  if (plan.strategy.kind !== 'canary') return plan;
  const steps = plan.strategy.steps.flatMap((s) => ('pause' in s ? [s] : [{ pause: {} }, s]));
  return { ...plan, strategy: { ...plan.strategy, steps } };
}

function noticeFor(d: Decision): {
  kind: 'promoted' | 'waiting' | 'aborted' | 'rolledBack' | 'completed' | 'failed';
  title: string;
  body: string;
} | null {
  switch (d.kind) {
    case 'promote':
      return { kind: 'promoted', title: 'Promoted', body: d.summary };
    case 'pause':
      return { kind: 'waiting', title: 'Waiting for you', body: d.summary };
    case 'abort':
      return { kind: 'aborted', title: 'Aborted', body: d.summary };
    case 'rollback':
      return { kind: 'rolledBack', title: 'Rolled back', body: d.summary };
    default:
      return null;
  }
}
