import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { OperatorEventSchema, type OperatorEvent } from '../../../../src-shared/release/release.schema.ts';
import { defaultJournalDir } from '../../../engine/journal/file-journal.ts';
import { CliError } from '../exit-codes.ts';
import { emit, type CliIo } from '../output.ts';
import type { RegisterCommand } from './index.ts';

/*
 * Control channel between `switchyard abort|promote|resume|confirm|rollback ID` and the `switchyard run` driving release ID,
 * through the journal directory (no socket, works the same on every OS):
 *   <journal>/<ID>/runner.json          written by the runner: { pid, startedAtMs }; removed when it exits.
 *   <journal>/<ID>/control/<n>.json     one operator event per file, { type, by, reason }, written atomically
 *                                       (temp file + rename) by the control command.
 *   <journal>/<ID>/control/<n>.ack.json the runner's answer: { ok, message }, after it took the event.
 * The runner polls the control folder every 200 ms; the command waits up to 5 s for the answer.
 */

const CONTROL_DIR = 'control';
const RUNNER_FILE = 'runner.json';

/** A live runner's marker, or undefined when no process drives the release. */
export function liveRunner(
  journalDir: string,
  releaseId: string,
): { pid: number; startedAtMs: number } | undefined {
  const file = join(journalDir, releaseId, RUNNER_FILE);
  try {
    const marker = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; startedAtMs: number };
    process.kill(marker.pid, 0);
    return marker;
  } catch {
    return undefined;
  }
}

/**
 * Marks this process as the runner of `releaseId` and polls for operator events; `onEvent` applies one and
 * returns the answer sentence (throwing a plain-sentence Error when the release does not take it).
 * Returns the function that stops polling and removes the marker.
 */
export function serveControl(
  journalDir: string,
  releaseId: string,
  onEvent: (event: OperatorEvent & { by?: string }) => string,
): () => void {
  const dir = join(journalDir, releaseId, CONTROL_DIR);
  mkdirSync(dir, { recursive: true });
  const marker = join(journalDir, releaseId, RUNNER_FILE);
  writeFileSync(marker, JSON.stringify({ pid: process.pid, startedAtMs: Date.now() }));
  const poll = () => {
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((n) => n.endsWith('.json') && !n.endsWith('.ack.json'))
        .sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      let answer: { ok: boolean; message: string };
      try {
        const parsed = OperatorEventSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
        if (!parsed.success) throw new Error('The control file does not hold an operator event.');
        const raw = JSON.parse(readFileSync(path, 'utf8')) as { by?: unknown };
        answer = {
          ok: true,
          message: onEvent({ ...parsed.data, ...(typeof raw.by === 'string' ? { by: raw.by } : {}) }),
        };
      } catch (error) {
        answer = { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
      rmSync(path, { force: true });
      writeFileSync(path.replace(/\.json$/, '.ack.json'), JSON.stringify(answer));
    }
  };
  const timer = setInterval(poll, 200);
  return () => {
    clearInterval(timer);
    rmSync(marker, { force: true });
  };
}

/** Hands `event` to the live runner of `releaseId`; resolves with its answer. Throws CliError when no runner takes it within `waitMs`. */
export async function sendControl(
  journalDir: string,
  releaseId: string,
  event: OperatorEvent & { by?: string },
  waitMs = 5_000,
): Promise<string> {
  const dir = join(journalDir, releaseId, CONTROL_DIR);
  if (!existsSync(join(journalDir, releaseId)))
    throw new CliError([`No release ${releaseId} in ${journalDir}.`]);
  if (!liveRunner(journalDir, releaseId))
    throw new CliError([
      `No running switchyard drives release ${releaseId}; continue it with: switchyard run --resume ${releaseId} ...`,
    ]);
  mkdirSync(dir, { recursive: true });
  const name = `${Date.now()}-${randomBytes(4).toString('hex')}`;
  const tmp = join(dir, `${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(event));
  renameSync(tmp, join(dir, `${name}.json`));
  const ack = join(dir, `${name}.ack.json`);
  const end = Date.now() + waitMs;
  while (Date.now() < end) {
    if (existsSync(ack)) {
      const answer = JSON.parse(readFileSync(ack, 'utf8')) as { ok: boolean; message: string };
      rmSync(ack, { force: true });
      if (!answer.ok) throw new CliError([answer.message]);
      return answer.message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  rmSync(join(dir, `${name}.json`), { force: true });
  throw new CliError([`The runner of release ${releaseId} did not answer within ${waitMs / 1000} s.`]);
}

/** `switchyard abort|promote|resume|confirm|rollback ID`: operator events for a release another `switchyard run` is driving. */
export const registerReleaseControl: RegisterCommand = (program: Command, io: CliIo) => {
  const verbs = [
    ['abort', 'ABORT', 'send traffic back to stable at once and abort the release'],
    ['promote', 'PROMOTE', 'skip to the next step of a running release (--full: to the end)'],
    ['resume', 'RESUME', 'resume a paused release'],
    ['confirm', 'CONFIRM', 'confirm the migration gate (expand or contract) the release waits at'],
    ['rollback', 'ROLLBACK', 'roll a live release back to the version before it'],
  ] as const;
  for (const [verb, type, description] of verbs) {
    const cmd = program
      .command(`${verb} <id>`)
      .description(`${description} (driven by a running \`switchyard run\`)`)
      .option('--journal <dir>', 'journal directory (default: the per-user state directory)')
      .option('--reason <text>', 'why, recorded in the audit log')
      .option('--json', 'print JSON');
    if (verb === 'promote') cmd.option('--full', 'promote to the end (all remaining steps)');
    cmd.action(
      async (id: string, opts: { journal?: string; reason?: string; json?: boolean; full?: boolean }) => {
        const journalDir = opts.journal ?? defaultJournalDir(io.env);
        const event = {
          type: verb === 'promote' && opts.full ? ('PROMOTE_FULL' as const) : type,
          ...(opts.reason ? { reason: opts.reason } : {}),
          by: userInfo().username,
        };
        const message = await sendControl(journalDir, id, event);
        emit(io, Boolean(opts.json), { releaseId: id, event: event.type, message }, () => message);
      },
    );
  }
};
