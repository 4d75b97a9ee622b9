import type { Command } from 'commander';
import { CliError } from '../exit-codes.ts';
import { emit, type CliIo } from '../output.ts';
import { startedWords, whereabouts, whereaboutsLine } from '../status-lines.ts';
import { strategyWords } from '../../../../src-shared/plan/flag-with-deploy.ts';
import type { RegisterCommand } from './register-command.ts';

/** Contexts whose releases run on a sandbox's compressed clock. */
const SIMULATED_CONTEXTS: ReadonlySet<string> = new Set(['sandbox', 'rehearsal']);

/**
 * `switchyard status [ID]`: the releases in the journals, newest first, with which live process drives each,
 * and where each stands: step, weights, what it waits for and since when.
 */
export const registerStatus: RegisterCommand = (program: Command, io: CliIo) => {
  program
    .command('status [id]')
    .description(
      'list releases in the journal (status, step, weights, what each waits for and since when, which console or run drives it)',
    )
    .option(
      '--journal <dir>',
      "journal directory (default: the per-user state directory and the console's ~/.switchyard/journal)",
    )
    .option('--unfinished', 'only running or paused releases')
    .option('--json', 'print JSON')
    .action(
      async (id: string | undefined, opts: { journal?: string; unfinished?: boolean; json?: boolean }) => {
        const [{ storedState }, { driverSummary, liveDriver, createFileJournal }, { journalDirs }] =
          await Promise.all([
            import('../../../app/release-history.ts'),
            import('../../../app/journal-access.ts'),
            import('../journals.ts'),
          ]);
        const dirs = journalDirs(io, opts.journal);
        const found = await Promise.all(
          dirs.map(async (dir) => {
            const journal = createFileJournal({ dir });
            return (await journal.listReleases({ unfinishedOnly: Boolean(opts.unfinished) }))
              .filter((r) => id === undefined || r.releaseId === id)
              .map((r) => ({ dir, r, journal }));
          }),
        );
        const list = found.flat();
        if (id !== undefined && list.length === 0)
          throw new CliError([`No release ${id} in ${dirs.join(' or ')}.`]);
        const snapshots = await Promise.all(
          list.map(async ({ r, journal }) =>
            r.readable ? (await storedState(journal, r.releaseId)).snapshot : null,
          ),
        );
        const rows = list.map(({ dir, r }, i) => {
          const driver = r.readable ? liveDriver(dir, r.releaseId) : undefined;
          const snapshot = snapshots[i];
          const simulated = r.readable && SIMULATED_CONTEXTS.has(r.header.context);
          return r.readable
            ? {
                id: r.releaseId,
                status: r.status,
                strategy: r.header.strategy,
                plan: r.header.planName,
                context: r.header.context,
                namespace: r.header.namespace,
                startedAt: new Date(r.header.startedAtMs).toISOString(),
                startedAtMs: r.header.startedAtMs,
                simulated,
                ...(snapshot ? { where: whereabouts(snapshot, Date.now()) } : {}),
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
                    : `${r.id}\t${r.status}${'driver' in r && r.driver ? ` (driven by ${r.driver.description})` : r.status === 'running' || r.status === 'paused' ? ' (nothing drives it: switchyard run --resume ID)' : ''}\t${strategyWords(r.strategy)}\t${r.context}/${r.namespace}\tstarted ${startedWords(r.startedAtMs, r.simulated)}${'where' in r && r.where ? `\n${whereaboutsLine(r.where, r.simulated, Date.now())}` : ''}`,
                )
                .join('\n'),
        );
      },
    );
};
