import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createFileJournal, defaultJournalDir } from '../../../engine/journal/file-journal.ts';
import { emit, type CliIo } from '../output.ts';
import type { RegisterCommand } from './index.ts';
import { liveRunner } from './release-control.command.ts';

/** `switchyard status`: the releases in the journal, newest first, with whether a runner drives them now. */
export const registerStatus: RegisterCommand = (program: Command, io: CliIo) => {
  program
    .command('status')
    .description('list releases in the journal (status, strategy, context, whether a run drives them)')
    .option('--journal <dir>', 'journal directory (default: the per-user state directory)')
    .option('--unfinished', 'only running or paused releases')
    .option('--json', 'print JSON')
    .action(async (opts: { journal?: string; unfinished?: boolean; json?: boolean }) => {
      const dir = resolve(io.cwd, opts.journal ?? defaultJournalDir(io.env));
      const journal = createFileJournal({ dir });
      const list = await journal.listReleases({ unfinishedOnly: Boolean(opts.unfinished) });
      const rows = list.map((r) =>
        r.readable
          ? {
              id: r.releaseId,
              status: r.status,
              strategy: r.header.strategy,
              plan: r.header.planName,
              context: r.header.context,
              namespace: r.header.namespace,
              startedAt: new Date(r.header.startedAtMs).toISOString(),
              driven: liveRunner(dir, r.releaseId) !== undefined,
            }
          : { id: r.releaseId, status: 'unreadable', problem: r.problem, driven: false },
      );
      rows.sort((a, b) => b.id.localeCompare(a.id));
      emit(io, Boolean(opts.json), { journal: dir, releases: rows }, () =>
        rows.length === 0
          ? `No releases in ${dir}.`
          : rows
              .map((r) =>
                'problem' in r
                  ? `${r.id}\tunreadable: ${r.problem}`
                  : `${r.id}\t${r.status}${r.driven ? ' (running here)' : r.status === 'running' || r.status === 'paused' ? ' (no runner: switchyard run --resume ID)' : ''}\t${r.strategy}\t${r.context}/${r.namespace}\t${r.startedAt}`,
              )
              .join('\n'),
      );
    });
};
