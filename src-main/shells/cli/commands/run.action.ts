import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parsePlan } from '../../../../src-shared/plan/plan.parse.ts';
import { planCommands } from '../../../../src-shared/plan/plan-commands.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import type { ControlEvent, ReleaseOutcome } from '../../../../src-shared/release/release.schema.ts';
import { CONTROL_LABELS } from '../../../../src-shared/release/release-words.ts';
import { createRuntime } from '../../../app/runtime.ts';
import { createSleepDetector } from '../../../app/sleep-detector.ts';
import { actOnSleep } from '../../../app/sleep-report.ts';
import {
  describeDriver,
  liveDriver,
  defaultJournalDir,
  type ReleaseHandle,
} from '../../../app/journal-access.ts';
import { CliError, ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import type { CliIo } from '../output.ts';
import { connect } from './run-connect.ts';
import { createProgressPrinter, terminalOptions } from '../progress-lines.ts';
import { confirm, printCommands } from './run-output.ts';

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
  /** A line per machine state with every query and sample, as before the one-line-per-step output. */
  verbose?: boolean;
  /** Take over the workload's lease from a release that stopped renewing it (audited). */
  takeOver?: boolean;
}

/** Runs (or resumes) a release headless; the exit code says how it ended. */
export async function runCommand(
  planFile: string | undefined,
  opts: RunOptions,
  io: CliIo,
): Promise<ExitCodeValue> {
  const journalDir = resolve(io.cwd, opts.journal ?? defaultJournalDir(io.env));
  const runtime = createRuntime({
    journalDir,
    driver: { kind: 'run' },
    env: io.env,
    ...(opts.prometheus ? { prometheus: { url: opts.prometheus, judgesSandbox: true } } : {}),
    missingPrometheus: (context) =>
      new CliError(
        [
          `Context "${context}" is a real cluster: name the Prometheus that judges the release with --prometheus URL.`,
        ],
        ExitCode.usage,
      ),
    // A credential plugin's sign-in prompt (a device code) goes to stderr, as kubectl shows it.
    onCredentialMessage: (ctx, line) => io.stderr.write(`${ctx}: ${line}\n`),
    pollMs: 200,
  });
  const { journal } = runtime;
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
    const stored = await journal.readRelease(opts.resume);
    if (!stored.release) throw new CliError([`Release ${opts.resume} has no plan in its journal.`]);
    plan = stored.release.plan;
    journaledConfirmation = stored.release.confirmedCommands;
    context ??= stored.record.header.context;
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
    // Time the laptop sleeps counts as elapsed: a pause that ended meanwhile is over on waking.
    const ctx = runtime.open(conn.source);
    const { clock } = ctx;
    const who = { user: userInfo().username, context: ctx.context };
    const flags = await ctx.flags(plan).catch((error: unknown) => {
      throw new CliError([error instanceof Error ? error.message : String(error)]);
    });
    const takeOver = opts.takeOver === true;
    const print = createProgressPrinter(io, {
      json: Boolean(opts.json),
      verbose: Boolean(opts.verbose),
      simulated: ctx.isSandbox,
      now: () => clock.now(),
      ...terminalOptions(io.stdout),
    });

    const { commands, digest } = planCommands(plan);
    // --yes confirms the commands too; they are listed so the log shows what was confirmed.
    const confirmedCommands = digest ? { confirmedCommands: digest } : {};
    const resumeId = opts.resume;
    let handle: ReleaseHandle;
    if (resumeId) {
      if (digest && journaledConfirmation !== digest) {
        if (opts.yes) printCommands(io, commands, opts.json);
        else await confirm(io, `Continue release ${resumeId}`, commands);
      }
      const ops = ctx.ops(plan, resumeId);
      handle = await ctx.resume(plan, {
        ...confirmedCommands,
        releaseId: resumeId,
        ops,
        who,
        takeOver,
        ...(flags ? { flags } : {}),
      });
    } else {
      // The workload's lease is taken before preflight, so of two racing starts the second is refused by it.
      const claim = await ctx.claim(plan, { user: who.user, host: hostname(), takeOver });
      releaseLeaseOnError = claim.giveBack;
      // Known before the start, so the objects the release creates carry its id.
      const ops = ctx.ops(plan, claim.releaseId);
      const preflight = await ctx.preflight(plan, flags);
      print.preflight(preflight);
      if (!preflight.ok) throw new CliError(['Preflight found blockers; the release was not started.']);
      if (opts.yes) printCommands(io, commands, opts.json);
      else await confirm(io, `Start the ${plan.strategy.kind} release of ${plan.target.image}`, commands);
      handle = await claim.start({ ...confirmedCommands, ops, who, ...(flags ? { flags } : {}) });
      releaseLeaseOnError = null;
    }
    print.note({ event: 'release', id: handle.id }, `release ${handle.id}`);
    runtime.control.serve(handle.id, (event) => {
      handle.send(event, event.by);
      return `${CONTROL_LABELS[event.type as ControlEvent] ?? event.type} sent to release ${handle.id}.`;
    });
    const sleep = createSleepDetector();
    sleep.onSleep((gap) => {
      const rehearsal = ctx.isSandbox;
      void actOnSleep({ gap, plan, handle, clock, rehearsal, settleMs: 2_000 }).then((r) =>
        print.note({ event: 'slept', ...r }, r.body),
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
      print.close();
      clearInterval(keepAlive);
      unsubscribe();
      sleep.stop();
      runtime.close();
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
