import { formatDuration } from '../../../src-shared/format/duration.ts';
import { formatMetricValue, formatWeights, unitOfMetric } from '../../../src-shared/format/number.ts';
import { monotonicTimes } from '../../../src-shared/format/time.ts';
import type { PreflightResult } from '../../../src-shared/preflight/preflight.schema.ts';
import {
  decisionTitle,
  decisionVerdict,
  evidenceWords,
  type DecisionVerdict,
} from '../../../src-shared/release/decision-verdict.ts';
import type {
  Decision,
  ReleaseOutcome,
  ReleaseSnapshot,
} from '../../../src-shared/release/release.schema.ts';
import { stateWords, stepWords } from '../../../src-shared/release/release-words.ts';
import { rolloutPodsWords } from '../../../src-shared/release/traffic-detail-words.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import type { CliIo } from './output.ts';
import { fitLine, wrapLine } from './wrap.ts';
import { resumeWeightsNote } from './status-lines.ts';

/** How `switchyard run` prints: JSON lines for scripts, one line per step or decision, or every state (verbose). */
export interface ProgressOptions {
  json: boolean;
  /** Today's detail: a line per change of machine state, every query and sample. */
  verbose?: boolean;
  /**
   * Terminal width when stdout is a terminal: lines wrap there and a progress line updates in place. Absent
   * (piped), lines are not wrapped, so they can be searched.
   */
  columns?: number;
  /** The release runs on the sandbox's compressed clock: times read `sim 02:43:25`. */
  simulated?: boolean;
  /** The release clock, for the time left in a wait on the progress line. */
  now?: () => number;
}

const COLOURS: Readonly<Record<DecisionVerdict, string>> = {
  pass: '\x1b[32m',
  'pass-with-failures': '\x1b[33m',
  fail: '\x1b[31m',
  inconclusive: '\x1b[35m',
  info: '\x1b[36m',
};

/** The options for stdout of this process: its width and colours when it is a terminal. */
export function terminalOptions(stdout: CliIo['stdout']): Pick<ProgressOptions, 'columns'> {
  const tty = stdout as { isTTY?: boolean; columns?: number };
  return tty.isTTY ? { columns: tty.columns && tty.columns > 20 ? tty.columns : 80 } : {};
}

/** Formats a release's progress: one line per step change and per decision; JSON lines as before with `json`. */
export function createProgressPrinter(io: CliIo, opts: ProgressOptions) {
  const { json, verbose = false, columns } = opts;
  const tty = columns !== undefined;
  // Piped (a CI log, grep), lines stay whole; evidence and queries still get lines of their own.
  const width = columns;
  const time = monotonicTimes({ simulated: opts.simulated ?? false });
  let lastKey = '';
  let decisions = 0;
  let unreachable: string | null = null;
  /** The flag system named by the unreachable pause, when it is not the cluster. */
  let answering: string | null = null;
  let progress = '';
  let latest: ReleaseSnapshot | null = null;
  const out = (text: string) => {
    if (progress) io.stdout.write('\r\x1b[2K');
    io.stdout.write(text);
    if (progress) io.stdout.write(progress);
  };
  // Each line's continuation goes two columns deeper than the line itself (at least four).
  const wrapped = (text: string, indent?: string) =>
    text
      .split('\n')
      .flatMap((l) => {
        const lead = /^ */.exec(l)?.[0].length ?? 0;
        return wrapLine(l, width, indent ?? ' '.repeat(Math.max(4, lead + 2)));
      })
      .join('\n');
  const line = (obj: Record<string, unknown>, text: string) =>
    json ? io.stdout.write(`${JSON.stringify(obj)}\n`) : out(`${wrapped(text)}\n`);
  const colour = (verdict: DecisionVerdict, text: string) =>
    tty ? `${COLOURS[verdict]}${text}\x1b[0m` : text;
  const drawProgress = () => {
    if (!tty || json || !latest) return;
    const s = latest;
    const live = s.status === 'running' || s.status === 'paused';
    const next = live ? fitLine(`… ${progressWords(s, opts.now?.() ?? Date.now())}`, (width ?? 80) - 1) : '';
    if (next === progress) return;
    io.stdout.write(`\r\x1b[2K${next}`);
    progress = next;
  };
  const ticker = tty && !json ? setInterval(drawProgress, 1_000) : undefined;
  ticker?.unref();

  const decisionText = (d: Decision) => {
    const verdict = decisionVerdict(d);
    const head = `${time(d.atMs)}  ${colour(verdict, decisionTitle(d))}: ${d.summary}`;
    if (verbose) {
      const evidence = d.evidence.map(
        (e) =>
          `${e.metric}: ${e.arithmetic}; query ${e.query}; samples ${e.samples.map((x) => (x.value === null ? x.outcome : formatMetricValue(x.value, unitOfMetric(e.metric)))).join(', ')}`,
      );
      return [head, ...evidence.map((e) => `    ${e}`)].join('\n');
    }
    const evidence = d.evidence.flatMap((e) => [
      `    ${evidenceWords(e)}`,
      ...(e.result === 'successful' ? [] : [`      query ${e.query}`]),
    ]);
    return [head, ...evidence].join('\n');
  };

  return {
    preflight(r: PreflightResult) {
      line(
        { event: 'preflight', ok: r.ok, findings: r.findings },
        `preflight ${r.ok ? 'passed' : 'found blockers'}: ${r.passed.length} checks passed, ${r.findings.length} finding(s)`,
      );
      if (json) return;
      for (const f of r.findings)
        out(
          `${wrapped(`  ${f.severity}: ${f.title}. ${f.explanation}${f.steps.length ? ` (endangers ${f.steps.map((s) => s.label).join('; ')})` : ''}`, '      ')}\n`,
        );
    },
    /** A line of its own (the release id, a sleep report), above the progress line. */
    note(obj: Record<string, unknown>, text: string) {
      line(obj, text);
    },
    snapshot(s: ReleaseSnapshot) {
      latest = s;
      for (const d of s.decisions.slice(decisions)) line({ event: 'decision', decision: d }, decisionText(d));
      decisions = s.decisions.length;
      // A cluster (or flag system) that stops answering gets a line of its own, and so does its return.
      const lost = s.pause?.cause === 'cluster-unreachable' ? s.pause.message : null;
      if (lost !== unreachable) {
        if (lost) line({ event: 'unreachable', pause: s.pause }, lost);
        else
          line(
            { event: 'reachable' },
            `${time(s.updatedAtMs ?? 0)}  ${answering ?? 'the cluster'} answers again; the release continues.`,
          );
        unreachable = lost;
        answering = lost && s.pause?.system && !s.pause.system.startsWith('cluster ') ? s.pause.system : null;
      }
      const traffic = s.traffic.actual ?? s.traffic.intended;
      // JSON and verbose keep a line per machine state; people get one per step, status, traffic or pod change.
      const pods = s.rollout ? rolloutPodsWords(s.rollout) : null;
      const key = `${s.status}|${json || verbose ? s.phase : ''}|${s.currentStep}|${JSON.stringify(traffic)}|${pods}`;
      if (key !== lastKey) {
        lastKey = key;
        const resumed = resumeWeightsNote(s);
        const trafficWords = resumed
          ? `${formatWeights(traffic)} (${resumed})`
          : s.traffic.actual
            ? formatWeights(traffic)
            : `${formatWeights(traffic)} (intended)`;
        const when = s.updatedAtMs === null ? 'starting' : time(s.updatedAtMs);
        line(
          {
            event: 'progress',
            status: s.status,
            phase: s.phase,
            step: s.currentStep,
            traffic,
            pause: s.pause,
            ...(s.rollout ? { rollout: s.rollout } : {}),
          },
          `${when}  ${stateWords(s)} · traffic ${trafficWords}${pods ? ` · ${pods}` : ''}${s.pause ? ` (paused: ${s.pause.message})` : ''}`,
        );
      }
      drawProgress();
    },
    outcome(o: ReleaseOutcome, id: string): ExitCodeValue {
      latest = null;
      if (ticker) clearInterval(ticker);
      if (progress) io.stdout.write('\r\x1b[2K');
      progress = '';
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
    /** Stops the in-place progress line (the release ended or the run failed). */
    close() {
      if (ticker) clearInterval(ticker);
      if (progress) io.stdout.write('\r\x1b[2K');
      progress = '';
    },
  };
}

/** What the release is doing now, for the progress line: `step 3 of 6 (analysis health) · next in 4 s`. */
export function progressWords(s: ReleaseSnapshot, nowMs: number): string {
  const where = `${stepWords(s) || stateWords(s)}${s.rollout ? ` · ${rolloutPodsWords(s.rollout)}` : ''}`;
  if (s.pause)
    return `${where} · paused since ${formatDuration(nowMs - s.pause.sinceMs)}: ${s.pause.message}`;
  if (s.waitUntilMs !== null) return `${where} · next in ${formatDuration(s.waitUntilMs - nowMs)}`;
  return `${where} · working`;
}
