import type { ReleasePlan, Target } from '../../src-shared/plan/plan.schema.ts';
import { renderMetricQuery } from '../../src-shared/plan/promql.ts';
import type { PreflightResult } from '../../src-shared/preflight/preflight.schema.ts';
import { createKubePreflightCluster } from '../adapters/kube/preflight-cluster.ts';
import { createKubeReleaseOps } from '../adapters/kube/release-ops.ts';
import { createKubeWorkloadLease } from '../adapters/kube/workload-lease.ts';
import { createPromqlAnalysis } from '../adapters/prometheus/prometheus-analysis.ts';
import { createPrometheusMetrics } from '../adapters/prometheus/prometheus.adapter.ts';
import { createSandboxAnalysis } from '../adapters/sandbox-metrics/sandbox-analysis.ts';
import {
  createControlDriver,
  type ControlDriver,
  type DriverKind,
} from '../engine/journal/control-channel.ts';
import { createFileJournal, newReleaseId } from '../engine/journal/file-journal.ts';
import { takeLease } from '../engine/runner/release-lease.ts';
import { resumeRelease, startRelease, type ReleaseHandle } from '../engine/runner/release-runner.ts';
import { runPreflight } from '../engine/preflight/preflight.ts';
import { createScaledClock } from '../adapters/clock/scaled-clock.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { AuditActor, Journal } from '../ports/journal.port.ts';
import type { LeaseHolder, WorkloadLeasePort } from '../ports/lease.port.ts';
import type { MetricsPort } from '../ports/metrics.port.ts';
import type { AnalysisSource, ReleaseOps } from '../ports/release.port.ts';
import type { SandboxHandle } from '../sandbox/sandbox.ts';
import {
  prometheusHealthSampler,
  sandboxHealthSampler,
  type HealthSampler,
  type SampledService,
} from './health-sampler.ts';
import { createSleepAwareClock, type SleepAwareClock } from './sleep-detector.ts';
import { flagProviderFor } from './flag-providers.ts';
import type { FlagProvider } from '../ports/exposure.port.ts';

/*
 * One runtime for every shell: the console (desktop and web) and `switchyard run` open the journal, the
 * control channel and, per context, the cluster ops, lease, clock and metrics here, and close them here.
 */

/** What a runtime is opened with: where releases are journaled and who drives them. */
export interface RuntimeOptions {
  /** The journal's root directory. */
  readonly journalDir: string;
  /** The OS user named in audit entries and leases; default the current user. */
  readonly user?: string;
  /** Who drives the releases opened here, as other consoles and the CLI name it. */
  readonly driver: { kind: DriverKind; shell?: 'web' | 'electron' };
  /**
   * The Prometheus that judges releases. `judgesSandbox`: it judges sandbox contexts too (the CLI's
   * `--prometheus`); else a sandbox is judged by its own numbers (the console's Prometheus is for real clusters).
   */
  readonly prometheus?: { url: string; judgesSandbox: boolean };
  /** The error a release on a real cluster gets when no Prometheus is configured. */
  readonly missingPrometheus: (context: string) => Error;
  /** A credential plugin's sign-in line (a device code) for a client made here; default: not forwarded. */
  readonly onCredentialMessage?: (context: string, line: string) => void;
  /** Real milliseconds between two polls of the cluster while the release ops wait; default the adapter's. */
  readonly pollMs?: number;
  /** Real milliseconds health points wait before they are written together; default the journal's (5 s). */
  readonly healthFlushMs?: number;
  /** Where a flag ramp's Unleash token variable is looked up; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A Switchyard sandbox reached over HTTP (another process), as its `/_sandbox/clock` answered. */
export interface RemoteSandbox {
  readonly url: string;
  readonly token: string;
  readonly speed: number;
  /** Its time when probed, milliseconds since the Unix epoch. */
  readonly nowMs: number;
}

/** Where a context's releases go. */
export type ContextSource =
  /** A sandbox in this process (a rehearsal's, the console's built-in one, or one `switchyard run` started). */
  | {
      readonly kind: 'sandbox';
      readonly context: string;
      readonly sandbox: SandboxHandle;
      readonly kubeconfig: string;
    }
  /** A cluster from a kubeconfig; `sandbox` when it answered as a Switchyard sandbox. */
  | {
      readonly kind: 'cluster';
      readonly context: string;
      readonly kubeconfig: string;
      readonly sandbox?: RemoteSandbox;
    };

/** The workload's lease, taken for a new release before its preflight. */
export interface WorkloadClaim {
  /** The new release's id (objects it creates carry it). */
  readonly releaseId: string;
  readonly lease: WorkloadLeasePort;
  /** The stale holder the lease was taken over from (`takeOver`), if any. */
  readonly leaseTakenFrom?: LeaseHolder;
  /** Starts the release with `ops` (from `ops(plan, releaseId)`); the release holds the lease from now on. */
  start(o: {
    ops: ReleaseOps;
    who: AuditActor;
    confirmedCommands?: string;
    flags?: FlagProvider;
  }): Promise<ReleaseHandle>;
  /** Gives the lease back when the release is not started after all (preflight blockers, not confirmed). */
  giveBack(): Promise<void>;
}

/** Everything a release on one context needs. */
export interface ContextRuntime {
  /** The context the release is journaled under. */
  readonly context: string;
  readonly kubeconfig: string;
  /** The release clock; time the computer slept counts as elapsed. */
  readonly clock: SleepAwareClock;
  /** How the release is judged. */
  readonly analysis: AnalysisSource;
  /** The Prometheus behind `analysis`, when one judges this context. */
  readonly metrics?: MetricsPort;
  /** True when the context is a Switchyard sandbox (in this process or another). */
  readonly isSandbox: boolean;
  /** The cluster operations of a release of `plan` (objects it creates carry `releaseId`). */
  ops(plan: ReleasePlan, releaseId: string): ReleaseOps;
  /** The workload's lease. */
  lease(target: Target): WorkloadLeasePort;
  /**
   * Preflight of `plan` on this context: queries, RBAC, a server-side dry run and the zero-downtime audit; for a
   * flag ramp, `flags`' own checks and the prerequisites.
   */
  preflight(plan: ReleasePlan, flags?: FlagProvider): Promise<PreflightResult>;
  /**
   * The flag system a flag ramp drives (`app/flag-providers.ts`), or undefined for other strategies. Rejects with
   * DomainError `invalidPlan` (no provider named) or `invalidConfig` (no Unleash token).
   */
  flags(plan: ReleasePlan): Promise<FlagProvider | undefined>;
  /** Samples the health timeline of `plan`'s service. */
  sampler(plan: ReleasePlan): HealthSampler;
  /**
   * Takes the workload's lease for a new release of `plan` (before preflight, so of two racing starts the
   * second is refused). Throws LeaseHeldError while another release holds it; `takeOver` takes a stale one over.
   */
  claim(plan: ReleasePlan, o: { user: string; host: string; takeOver: boolean }): Promise<WorkloadClaim>;
  /** Resumes release `releaseId` of `plan` from the journal, taking its lease back (LeaseHeldError when held). */
  resume(
    plan: ReleasePlan,
    o: {
      releaseId: string;
      ops: ReleaseOps;
      who: AuditActor;
      takeOver: boolean;
      confirmedCommands?: string;
      flags?: FlagProvider;
    },
  ): Promise<ReleaseHandle>;
}

/** The journal and control channel of one console or run, and the contexts its releases use. */
export interface Runtime {
  readonly journal: Journal;
  readonly journalDir: string;
  /** Answers control requests (`switchyard abort|promote|resume ID`, other consoles) for the releases driven here. */
  readonly control: ControlDriver;
  /**
   * Opens a context. Throws `missingPrometheus(context)` for a real cluster without a Prometheus unless
   * `allowWithoutPrometheus` (preflight, rolling back a finished release): then every measurement is inconclusive.
   */
  open(source: ContextSource, options?: { allowWithoutPrometheus?: boolean }): ContextRuntime;
  /** Stops answering control requests. */
  close(): void;
}

/** Opens the journal and the control channel; contexts are opened per release with `open`. */
export function createRuntime(options: RuntimeOptions): Runtime {
  const journal = createFileJournal({
    dir: options.journalDir,
    ...(options.user ? { user: options.user } : {}),
    ...(options.healthFlushMs !== undefined ? { health: { flushMs: options.healthFlushMs } } : {}),
  });
  const control = createControlDriver(options.journalDir, {
    kind: options.driver.kind,
    ...(options.driver.shell ? { shell: options.driver.shell } : {}),
  });
  return {
    journal,
    journalDir: options.journalDir,
    control,
    open: (source, openOptions = {}) => openContext(options, journal, source, openOptions),
    close: () => control.close(),
  };
}

function openContext(
  options: RuntimeOptions,
  journal: Journal,
  source: ContextSource,
  { allowWithoutPrometheus = false }: { allowWithoutPrometheus?: boolean },
): ContextRuntime {
  const { context, kubeconfig } = source;
  const sandbox = source.kind === 'sandbox' ? source.sandbox : source.sandbox;
  const isSandbox = sandbox !== undefined;
  const inner: Clock =
    source.kind === 'sandbox'
      ? source.sandbox.clock
      : source.sandbox
        ? createScaledClock(source.sandbox.speed, source.sandbox.nowMs)
        : createScaledClock(1);
  const clock = createSleepAwareClock(inner);
  const prometheus =
    options.prometheus && (!isSandbox || options.prometheus.judgesSandbox) ? options.prometheus : undefined;
  const metrics = prometheus ? createPrometheusMetrics({ url: prometheus.url }) : undefined;
  let analysis: AnalysisSource;
  let sampler: (svc: SampledService) => HealthSampler;
  if (metrics) {
    analysis = createPromqlAnalysis(metrics);
    sampler = (svc) => prometheusHealthSampler(metrics, svc);
  } else if (sandbox) {
    analysis = createSandboxAnalysis({ url: sandbox.url, token: sandbox.token });
    sampler =
      source.kind === 'sandbox'
        ? (svc) => sandboxHealthSampler(source.sandbox, svc)
        : () => ({
            sample: async () => Promise.reject(new Error('No health timeline for a remote sandbox.')),
          });
  } else {
    const missing = options.missingPrometheus(context);
    if (!allowWithoutPrometheus) throw missing;
    analysis = {
      read: async (metric, params) => ({
        query: renderMetricQuery(metric, params),
        sample: { kind: 'inconclusive', reason: 'unreachable', message: missing.message },
      }),
    };
    sampler = () => ({ sample: async () => Promise.reject(missing) });
  }
  const credentials = options.onCredentialMessage ? { onCredentialMessage: options.onCredentialMessage } : {};
  const lease = (target: Target) => createKubeWorkloadLease(kubeconfig, target, credentials);
  // What starting and resuming a release on this context share.
  const runDeps = (o: {
    ops: ReleaseOps;
    who: AuditActor;
    confirmedCommands?: string | undefined;
    flags?: FlagProvider | undefined;
  }) => ({
    ops: o.ops,
    ...(o.flags ? { flags: o.flags } : {}),
    analysis,
    clock,
    journal,
    who: o.who,
    ...(o.confirmedCommands ? { confirmedCommands: o.confirmedCommands } : {}),
  });
  return {
    context,
    kubeconfig,
    clock,
    analysis,
    ...(metrics ? { metrics } : {}),
    isSandbox,
    ops: (plan, releaseId) =>
      createKubeReleaseOps(kubeconfig, plan, {
        releaseId,
        ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
        ...credentials,
      }),
    lease,
    async claim(plan, o) {
      const releaseId = newReleaseId(plan.name, clock.now());
      const held = lease(plan.target);
      const claim = { releaseId, user: o.user, host: o.host };
      const leaseTakenFrom = await takeLease(held, plan.target, claim, o.takeOver);
      return {
        releaseId,
        lease: held,
        ...(leaseTakenFrom ? { leaseTakenFrom } : {}),
        start: (o) =>
          startRelease({
            plan,
            releaseId,
            lease: held,
            ...(leaseTakenFrom ? { leaseTakenFrom } : {}),
            ...runDeps(o),
          }),
        giveBack: () => held.release(releaseId).catch(() => undefined),
      };
    },
    resume: (plan, o) =>
      resumeRelease({
        releaseId: o.releaseId,
        lease: lease(plan.target),
        takeOver: o.takeOver,
        ...runDeps(o),
      }),
    flags: (plan) =>
      flagProviderFor(plan, {
        kubeconfigYaml: kubeconfig,
        env: options.env ?? process.env,
        kube: credentials,
      }),
    preflight: (plan, flags) =>
      runPreflight({
        plan,
        cluster: createKubePreflightCluster(kubeconfig, plan, credentials),
        analysis,
        ...(flags ? { flags } : {}),
        ...(metrics ? { metrics } : {}),
        // Prometheus keeps real time; a sandbox judged by its own numbers keeps the sandbox's.
        ...(metrics && isSandbox ? {} : { now: () => clock.now() }),
      }),
    sampler: (plan) =>
      sampler({
        ...(plan.strategy.kind === 'blue-green' ? {} : { namespace: plan.target.namespace }),
        job: plan.target.job ?? plan.target.name,
        windowSeconds: 60,
      }),
  };
}
