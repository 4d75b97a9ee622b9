import type { Command } from 'commander';
import { driverSummary, liveDriver } from '../../../engine/journal/control-channel.ts';
import { createFileJournal } from '../../../engine/journal/file-journal.ts';
import { CliError } from '../exit-codes.ts';
import { journalDirs } from '../journals.ts';
import { emit, type CliIo } from '../output.ts';
import type { RegisterCommand } from './register-command.ts';

/** `switchyard status [ID]`: the releases in the journals, newest first, with which live process drives each. */
export const registerStatus: RegisterCommand = (program: Command, io: CliIo) => {
  program
    .command('status [id]')
    .description(
      'list releases in the journal (status, strategy, context, which console or run drives them, since when)',
    )
    .option(
      '--journal <dir>',
      "journal directory (default: the per-user state directory and the console's ~/.switchyard/journal)",
    )
    .option('--unfinished', 'only running or paused releases')
    .option('--json', 'print JSON')
    .action(
      async (id: string | undefined, opts: { journal?: string; unfinished?: boolean; json?: boolean }) => {
        const dirs = journalDirs(io, opts.journal);
        const found = await Promise.all(
          dirs.map(async (dir) =>
            (await createFileJournal({ dir }).listReleases({ unfinishedOnly: Boolean(opts.unfinished) }))
              .filter((r) => id === undefined || r.releaseId === id)
              .map((r) => ({ dir, r })),
          ),
        );
        const list = found.flat();
        if (id !== undefined && list.length === 0)
          throw new CliError([`No release ${id} in ${dirs.join(' or ')}.`]);
        const rows = list.map(({ dir, r }) => {
          const driver = r.readable ? liveDriver(dir, r.releaseId) : undefined;
          return r.readable
            ? {
                id: r.releaseId,
                status: r.status,
                strategy: r.header.strategy,
                plan: r.header.planName,
                context: r.header.context,
                namespace: r.header.namespace,
                startedAt: new Date(r.header.startedAtMs).toISOString(),
                driven: driver !== undefined,
                ...(driver
                  ? {
                      driver: {
                        ...driverSummary(driver),
                        since: new Date(driver.startedAtMs).toISOString(),
                      },
                    }
                  : {}),
                journal: dir,
              }
            : { id: r.releaseId, status: 'unreadable', problem: r.problem, driven: false, journal: dir };
        });
        rows.sort((a, b) => b.id.localeCompare(a.id));
        emit(io, Boolean(opts.json), { journal: dirs[0], journals: dirs, releases: rows }, () =>
          rows.length === 0
            ? `No releases in ${dirs.join(' or ')}.`
            : rows
                .map((r) =>
                  'problem' in r
                    ? `${r.id}\tunreadable: ${r.problem}`
                    : `${r.id}\t${r.status}${'driver' in r && r.driver ? ` (driven by ${r.driver.description})` : r.status === 'running' || r.status === 'paused' ? ' (nothing drives it: switchyard run --resume ID)' : ''}\t${r.strategy}\t${r.context}/${r.namespace}\t${r.startedAt}`,
                )
                .join('\n'),
        );
      },
    );
};
