import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { emit, type CliIo } from '../output.ts';
import type { RegisterCommand } from './register-command.ts';

/** `switchyard abort|promote|resume|confirm ID`: operator events for a release a console or another `switchyard run` drives (`rollback ID`: rollback.command.ts). */
export const registerReleaseControl: RegisterCommand = (program: Command, io: CliIo) => {
  const verbs = [
    ['abort', 'ABORT', 'send traffic back to stable at once and abort the release'],
    ['promote', 'PROMOTE', 'skip to the next step of a running release (--full: to the end)'],
    ['resume', 'RESUME', 'resume a paused release'],
    ['confirm', 'CONFIRM', 'confirm the migration gate (expand or contract) the release waits at'],
  ] as const;
  for (const [verb, type, description] of verbs) {
    const cmd = program
      .command(`${verb} <id>`)
      .description(`${description} (driven by a console or a running \`switchyard run\`)`)
      .option(
        '--journal <dir>',
        "journal directory (default: the per-user state directory, then the console's ~/.switchyard/journal)",
      )
      .option('--reason <text>', 'why, recorded in the audit log')
      .option('--json', 'print JSON');
    if (verb === 'promote') cmd.option('--full', 'promote to the end (all remaining steps)');
    cmd.action(
      async (id: string, opts: { journal?: string; reason?: string; json?: boolean; full?: boolean }) => {
        const [{ sendControl }, { journalOf }] = await Promise.all([
          import('../../../app/journal-access.ts'),
          import('../journals.ts'),
        ]);
        const journalDir = journalOf(io, opts.journal, id);
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
