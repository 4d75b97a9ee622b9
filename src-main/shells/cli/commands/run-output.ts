import { createInterface } from 'node:readline/promises';
import { describePlanCommand, type PlanCommand } from '../../../../src-shared/plan/plan-commands.ts';
import type { PreflightResult } from '../../../../src-shared/preflight/preflight.schema.ts';
import type { ReleaseOutcome, ReleaseSnapshot } from '../../../../src-shared/release/release.schema.ts';
import { stateWords } from '../../../../src-shared/release/release-words.ts';
import { CliError, ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import type { CliIo } from '../output.ts';

/** Lists the commands a plan runs, each argv exactly as it will be executed (no shell), on stdout. */
export function printCommands(io: CliIo, commands: readonly PlanCommand[], json = false): void {
  if (commands.length === 0) return;
  if (json) return void io.stdout.write(`${JSON.stringify({ event: 'commands', commands })}\n`);
  io.stdout.write(
    `This plan runs ${commands.length} command(s), each exactly as listed (argv, no shell):\n${commands
      .map((c) => `  ${describePlanCommand(c)}\n`)
      .join('')}`,
  );
}

/** Asks `question` on the terminal, after listing the plan's commands; anything but y/yes stops. */
export async function confirm(io: CliIo, question: string, commands: readonly PlanCommand[]): Promise<void> {
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
export function printer(io: CliIo, json: boolean) {
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
