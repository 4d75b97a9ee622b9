import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parse as parseYaml } from 'yaml';
import { parsePlan } from '../../../../src-shared/plan/plan.parse.ts';
import {
  describePlanCommand,
  planCommands,
  type PlanCommand,
} from '../../../../src-shared/plan/plan-commands.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import type { PreflightResult } from '../../../../src-shared/preflight/preflight.schema.ts';
import type {
  ControlEvent,
  ReleaseOutcome,
  ReleaseSnapshot,
} from '../../../../src-shared/release/release.schema.ts';
import { CONTROL_LABELS, stateWords } from '../../../../src-shared/release/release-words.ts';
import { kubeconfigForContext, kubeconfigPaths, loadKubeconfig } from '../../../adapters/kube/kubeconfig.ts';
import { createKubePreflightCluster } from '../../../adapters/kube/preflight-cluster.ts';
import { createKubeReleaseOps } from '../../../adapters/kube/release-ops.ts';
import { createKubeWorkloadLease } from '../../../adapters/kube/workload-lease.ts';
import { createPromqlAnalysis } from '../../../adapters/prometheus/prometheus-analysis.ts';
import { createPrometheusMetrics } from '../../../adapters/prometheus/prometheus.adapter.ts';
import { createSandboxAnalysis } from '../../../adapters/sandbox-metrics/sandbox-analysis.ts';
import { createFileJournal, defaultJournalDir, newReleaseId } from '../../../engine/journal/file-journal.ts';
import { runPreflight } from '../../../engine/preflight/preflight.ts';
import { takeLease } from '../../../engine/runner/release-lease.ts';
import { resumeRelease, startRelease, type ReleaseHandle } from '../../../engine/runner/release-runner.ts';
import { createScaledClock } from '../../../engine/scaled-clock.ts';
import { createSleepAwareClock, createSleepDetector } from '../../../app/sleep-detector.ts';
import { actOnSleep } from '../../../app/sleep-report.ts';
import { flagProviderFor } from '../../../app/flag-providers.ts';
import { createControlDriver, describeDriver, liveDriver } from '../../../app/control-channel.ts';
import type { Clock } from '../../../ports/clock.port.ts';
import type { MetricsPort } from '../../../ports/metrics.port.ts';
import type { AnalysisSource } from '../../../ports/release.port.ts';
import { startSandbox, type SandboxHandle } from '../../../sandbox/sandbox.ts';
import { CliError, ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import type { CliIo } from '../output.ts';

/** The flags of `switchyard run`. */
export interface RunOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  prometheus?: string;
  journal?: string;
  yes?: boolean;
  speed?: string;
  resume?: string;
  json?: boolean;
  /** Take over the workload's lease from a release that stopped renewing it (audited). */
  takeOver?: boolean;
}

/** Where a run connects: the kubeconfig of one context, the clock, and the sandbox when it is one. */
export interface RunConnection {
  context: string;
  kubeconfigYaml: string;
  clock: Clock;
  /** Set when the context is a Switchyard sandbox (embedded or in another process). */
  sandbox?: { url: string; token: string; speed: number };
  /** The in-process sandbox this run started, closed when the run ends. */
  embedded?: SandboxHandle;
}

/** Runs (or resumes) a release headless; the exit code says how it ended. */
export async function runCommand(
  planFile: string | undefined,
  opts: RunOptions,
  io: CliIo,
): Promise<ExitCodeValue> {
  const journalDir = resolve(io.cwd, opts.journal ?? defaultJournalDir(io.env));
  const journal = createFileJournal({ dir: journalDir });
  let plan: ReleasePlan;
  let context = opts.context;
  // The journal's confirmation of the plan's commands, when the release recorded one at its start.
  let journaledConfirmation: string | undefined;
  if (opts.resume) {
    const driver = liveDriver(journalDir, opts.resume);
    if (driver)
      throw new CliError([
        `Release ${opts.resume} is driven by ${describeDriver(driver)}; control it with switchyard abort|promote|resume ${opts.resume}.`,
      ]);
    const rj = await journal.open(opts.resume);
    const loaded = await rj.load().finally(() => rj.close());
    const snap = loaded.record.snapshot as { plan?: ReleasePlan; confirmedCommands?: string } | null;
    if (!snap?.plan) throw new CliError([`Release ${opts.resume} has no plan in its journal.`]);
    plan = snap.plan;
    journaledConfirmation = snap.confirmedCommands;
    context ??= loaded.record.header.context;
  } else {
    if (!planFile)
      throw new CliError(['Name a plan file, or --resume ID to continue a release.'], ExitCode.usage);
    plan = readPlan(resolve(io.cwd, planFile));
    if (!context)
      throw new CliError(['--context is required (use "sandbox" for the embedded sandbox).'], ExitCode.usage);
  }
  if (opts.namespace) plan = { ...plan, target: { ...plan.target, namespace: opts.namespace } };
  const conn = await connect(context as string, opts, io);
  // Set while this run holds a workload lease it took before preflight but has not handed to a release yet.
  let releaseLeaseOnError: (() => Promise<void>) | null = null;
  try {
    const metrics = opts.prometheus ? createPrometheusMetrics({ url: opts.prometheus }) : undefined;
    // A credential plugin's sign-in prompt (a device code) goes to stderr, as kubectl shows it.
    const onCredentialMessage = (ctx: string, line: string) => io.stderr.write(`${ctx}: ${line}\n`);
    const analysis = analysisFor(conn, metrics);
    // Known before the start, so the objects the release creates carry its id.
    const releaseId = opts.resume ?? newReleaseId(plan.name, conn.clock.now());
    const ops = createKubeReleaseOps(conn.kubeconfigYaml, plan, {
      releaseId,
      pollMs: 200,
      onCredentialMessage,
    });
    const flags = await flagProviderFor(plan, {
      kubeconfigYaml: conn.kubeconfigYaml,
      env: io.env,
      kube: { onCredentialMessage },
    }).catch((error: unknown) => {
      throw new CliError([error instanceof Error ? error.message : String(error)]);
    });
    const who = { user: userInfo().username, context: conn.context };
    const lease = createKubeWorkloadLease(conn.kubeconfigYaml, plan.target, { onCredentialMessage });
    const takeOver = opts.takeOver === true;
    const print = printer(io, Boolean(opts.json));
    // Time the laptop sleeps counts as elapsed: a pause that ended meanwhile is over on waking.
    const clock = createSleepAwareClock(conn.clock);

    const { commands, digest } = planCommands(plan);
    // --yes confirms the commands too; they are listed so the log shows what was confirmed.
    const confirmedCommands = digest ? { confirmedCommands: digest } : {};
    let handle: ReleaseHandle;
    if (opts.resume) {
      if (digest && journaledConfirmation !== digest) {
        if (opts.yes) printCommands(io, commands, opts.json);
        else await confirm(io, `Continue release ${opts.resume}`, commands);
      }
      handle = await resumeRelease({
        ...confirmedCommands,
        releaseId: opts.resume,
        lease,
        takeOver,
        ops,
        ...(flags ? { flags } : {}),
        analysis,
        clock,
        journal,
        who,
      });
    } else {
      // The workload's lease is taken before preflight, so of two racing starts the second is refused by it.
      const claim = { releaseId, user: who.user, host: hostname() };
      const leaseTakenFrom = await takeLease(lease, plan.target, claim, takeOver);
      releaseLeaseOnError = () => lease.release(releaseId);
      const preflight = await runPreflight({
        plan,
        cluster: createKubePreflightCluster(conn.kubeconfigYaml, plan, { onCredentialMessage }),
        analysis,
        ...(flags ? { flags } : {}),
        ...(metrics ? { metrics } : {}),
      });
      print.preflight(preflight);
      if (!preflight.ok) throw new CliError(['Preflight found blockers; the release was not started.']);
      if (opts.yes) printCommands(io, commands, opts.json);
      else await confirm(io, `Start the ${plan.strategy.kind} release of ${plan.target.image}`, commands);
      handle = await startRelease({
        ...confirmedCommands,
        ...(leaseTakenFrom ? { leaseTakenFrom } : {}),
        plan,
        releaseId,
        lease,
        ops,
        ...(flags ? { flags } : {}),
        analysis,
        clock,
        journal,
        who,
      });
      releaseLeaseOnError = null;
    }
    io.stdout.write(
      opts.json ? `${JSON.stringify({ event: 'release', id: handle.id })}\n` : `release ${handle.id}\n`,
    );
    const control = createControlDriver(journalDir, { kind: 'run' });
    control.serve(handle.id, (event) => {
      handle.send(event, event.by);
      return `${CONTROL_LABELS[event.type as ControlEvent] ?? event.type} sent to release ${handle.id}.`;
    });
    const sleep = createSleepDetector();
    sleep.onSleep((gap) => {
      const rehearsal = conn.sandbox !== undefined;
      void actOnSleep({ gap, plan, handle, clock, rehearsal, settleMs: 2_000 }).then((r) =>
        io.stdout.write(opts.json ? `${JSON.stringify({ event: 'slept', ...r })}\n` : `${r.body}\n`),
      );
    });
    sleep.start();
    const onSignal = () => void handle.stop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const unsubscribe = handle.subscribe((s) => print.snapshot(s));
    // A release paused for an operator runs no timer of its own, and the control channel, the lease renewal and
    // the sleep detector do not hold the process: this does, until the release ends (else Node exits with 13).
    const keepAlive = setInterval(() => undefined, 60_000);
    let outcome: ReleaseOutcome;
    try {
      outcome = await handle.done;
    } finally {
      clearInterval(keepAlive);
      unsubscribe();
      sleep.stop();
      control.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return print.outcome(outcome, handle.id);
  } catch (error) {
    await releaseLeaseOnError?.().catch(() => undefined);
    throw error;
  } finally {
    await conn.embedded?.close();
  }
}

function readPlan(path: string): ReleasePlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError([`Cannot read the plan file ${path}.`]);
  }
  const parsed = parsePlan(text);
  if (!parsed.ok) throw new CliError(parsed.errors.map((e) => `${path}: ${e}`));
  return parsed.plan;
}

/** Resolves the context's kubeconfig, starts the embedded sandbox for `--context sandbox` without a kubeconfig, and syncs the clock with a sandbox. */
export async function connect(
  context: string,
  opts: Pick<RunOptions, 'kubeconfig' | 'speed'>,
  io: CliIo,
): Promise<RunConnection> {
  const speed = opts.speed === undefined ? undefined : Number(opts.speed);
  if (speed !== undefined && !(speed > 0 && Number.isFinite(speed)))
    throw new CliError([`--speed must be a positive number, got "${opts.speed}".`], ExitCode.usage);
  if (context === 'sandbox' && !opts.kubeconfig && io.env.KUBECONFIG === undefined) {
    const embedded = await startSandbox({ speed: speed ?? 1 });
    return {
      context,
      kubeconfigYaml: embedded.kubeconfigYaml(context),
      clock: embedded.clock,
      sandbox: { url: embedded.url, token: embedded.token, speed: speed ?? 1 },
      embedded,
    };
  }
  const paths = opts.kubeconfig ? [resolve(io.cwd, opts.kubeconfig)] : kubeconfigPaths(io.env);
  const merged = loadKubeconfig(paths, {
    implicitDefault: !opts.kubeconfig && io.env.KUBECONFIG === undefined,
  });
  const yaml = kubeconfigForContext(merged, context);
  if (!yaml)
    throw new CliError([
      `No context "${context}" in ${paths.join(', ') || 'the kubeconfig'}.`,
      ...merged.problems.map((p) => `${p.file}: ${p.message}`),
    ]);
  const sandbox = await probeSandbox(yaml);
  if (!sandbox) {
    if (speed !== undefined)
      throw new CliError(
        [`--speed works only against the sandbox; context "${context}" is a real cluster.`],
        ExitCode.usage,
      );
    return { context, kubeconfigYaml: yaml, clock: createScaledClock(1) };
  }
  if (speed !== undefined && speed !== sandbox.speed)
    throw new CliError(
      [
        `The sandbox of context "${context}" runs at speed ${sandbox.speed}; start it with --speed ${speed} or leave --speed out.`,
      ],
      ExitCode.usage,
    );
  return { context, kubeconfigYaml: yaml, clock: createScaledClock(sandbox.speed, sandbox.nowMs), sandbox };
}

/** Asks `/_sandbox/clock` of the context's server; a Switchyard sandbox answers with its time and speed. */
async function probeSandbox(
  kubeconfigYaml: string,
): Promise<{ url: string; token: string; speed: number; nowMs: number } | undefined> {
  const doc = parseYaml(kubeconfigYaml) as {
    clusters?: { cluster?: { server?: string } }[];
    users?: { user?: { token?: string } }[];
  };
  const server = doc.clusters?.[0]?.cluster?.server;
  const token = doc.users?.[0]?.user?.token;
  if (!server || !token) return undefined;
  const url = new URL(server);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') return undefined;
  // The sandbox serves plain HTTP and TLS on one port; plain HTTP avoids its self-signed certificate here.
  const base = `http://${url.host}`;
  try {
    const res = await fetch(`${base}/_sandbox/clock`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(2_000),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { nowMs?: unknown; speed?: unknown };
    if (typeof body.nowMs !== 'number' || typeof body.speed !== 'number') return undefined;
    return { url: base, token, speed: body.speed, nowMs: body.nowMs };
  } catch {
    return undefined;
  }
}

function analysisFor(conn: RunConnection, metrics: MetricsPort | undefined): AnalysisSource {
  if (metrics) return createPromqlAnalysis(metrics);
  if (conn.sandbox) return createSandboxAnalysis({ url: conn.sandbox.url, token: conn.sandbox.token });
  throw new CliError(
    [
      `Context "${conn.context}" is a real cluster: name the Prometheus that judges the release with --prometheus URL.`,
    ],
    ExitCode.usage,
  );
}

/** Lists the commands a plan runs, each argv exactly as it will be executed (no shell), on stdout. */
function printCommands(io: CliIo, commands: readonly PlanCommand[], json = false): void {
  if (commands.length === 0) return;
  if (json) return void io.stdout.write(`${JSON.stringify({ event: 'commands', commands })}\n`);
  io.stdout.write(
    `This plan runs ${commands.length} command(s), each exactly as listed (argv, no shell):\n${commands
      .map((c) => `  ${describePlanCommand(c)}\n`)
      .join('')}`,
  );
}

/** Asks `question` on the terminal, after listing the plan's commands; anything but y/yes stops. */
async function confirm(io: CliIo, question: string, commands: readonly PlanCommand[]): Promise<void> {
  printCommands(io, commands);
  if (!process.stdin.isTTY)
    throw new CliError(
      [
        commands.length > 0
          ? 'Nobody can confirm the start and the commands above here: pass --yes to start and run them without asking.'
          : 'Nobody can confirm the start here: pass --yes to start without asking.',
      ],
      ExitCode.usage,
    );
  const rl = createInterface({ input: process.stdin, output: io.stdout });
  const also = commands.length > 0 ? ' and run these commands' : '';
  const answer = await rl.question(`${question}${also}? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(['Not started.']);
}

/** Formats progress: one line per change of status, phase, step or traffic, and one per decision. */
function printer(io: CliIo, json: boolean) {
  let lastKey = '';
  let decisions = 0;
  let unreachable: string | null = null;
  const line = (obj: Record<string, unknown>, text: string) =>
    io.stdout.write(json ? `${JSON.stringify(obj)}\n` : `${text}\n`);
  const time = (ms: number | null) => (ms === null ? '--:--:--' : new Date(ms).toISOString().slice(11, 19));
  const weights = (w: Record<string, number> | null) =>
    w
      ? Object.entries(w)
          .map(([k, v]) => `${k} ${Math.round(v * 100) / 100}%`)
          .join(' / ')
      : 'unknown';
  return {
    preflight(r: PreflightResult) {
      line(
        { event: 'preflight', ok: r.ok, findings: r.findings },
        `preflight ${r.ok ? 'passed' : 'found blockers'}: ${r.passed.length} checks passed, ${r.findings.length} finding(s)`,
      );
      if (json) return;
      for (const f of r.findings)
        io.stdout.write(
          `  ${f.severity}: ${f.title}. ${f.explanation}${f.steps.length ? ` (endangers ${f.steps.map((s) => s.label).join('; ')})` : ''}\n`,
        );
    },
    snapshot(s: ReleaseSnapshot) {
      for (const d of s.decisions.slice(decisions)) {
        const evidence = d.evidence.map(
          (e) =>
            `${e.metric}: ${e.arithmetic}; query ${e.query}; samples ${e.samples.map((x) => x.value ?? x.outcome).join(', ')}`,
        );
        line(
          { event: 'decision', decision: d },
          `${time(d.atMs)} ${d.kind}: ${d.summary}${evidence.length ? `\n    ${evidence.join('\n    ')}` : ''}`,
        );
      }
      decisions = s.decisions.length;
      // A cluster that stops answering gets a line of its own, and so does its return.
      const lost = s.pause?.cause === 'cluster-unreachable' ? s.pause.message : null;
      if (lost !== unreachable) {
        if (lost) line({ event: 'unreachable', pause: s.pause }, lost);
        else
          line(
            { event: 'reachable' },
            `${time(s.updatedAtMs)} the cluster answers again; the release continues.`,
          );
        unreachable = lost;
      }
      const key = `${s.status}|${s.phase}|${s.currentStep}|${JSON.stringify(s.traffic.actual ?? s.traffic.intended)}`;
      if (key === lastKey) return;
      lastKey = key;
      line(
        {
          event: 'progress',
          status: s.status,
          phase: s.phase,
          step: s.currentStep,
          traffic: s.traffic.actual ?? s.traffic.intended,
          pause: s.pause,
        },
        `${time(s.updatedAtMs)} ${stateWords(s)} traffic ${weights(s.traffic.actual ?? s.traffic.intended)}${s.pause ? ` (paused: ${s.pause.message})` : ''}`,
      );
    },
    outcome(o: ReleaseOutcome, id: string): ExitCodeValue {
      line({ event: 'outcome', kind: o.kind, reason: o.reason, id }, `${o.kind}: ${o.reason}`);
      if (o.kind === 'completed') return ExitCode.ok;
      if (o.kind === 'aborted' || o.kind === 'rolledBack') {
        io.stderr.write(`release ${id} ${o.kind === 'aborted' ? 'aborted' : 'rolled back'}: ${o.reason}\n`);
        return ExitCode.aborted;
      }
      if (o.kind === 'stopped')
        io.stderr.write(`release ${id} stopped; continue it with: switchyard run --resume ${id}\n`);
      else io.stderr.write(`release ${id} ${o.kind}: ${o.reason}\n`);
      return ExitCode.error;
    },
  };
}
