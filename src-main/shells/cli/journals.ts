import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { consoleDataDir } from '../../app/paths.ts';
import { defaultJournalDir } from '../../app/journal-access.ts';
import type { CliIo } from './output.ts';

/**
 * The journals a command reads: `--journal DIR` alone when given, else the CLI's own (the per-user state
 * directory) and the console's (`~/.switchyard/journal`), so releases the console drives are found too.
 */
export function journalDirs(io: CliIo, journal: string | undefined): string[] {
  if (journal !== undefined) return [resolve(io.cwd, journal)];
  const dirs = [
    resolve(io.cwd, defaultJournalDir(io.env)),
    join(consoleDataDir(io.env.HOME || undefined), 'journal'),
  ];
  return [...new Set(dirs)];
}

/** The journal that holds release `id` (the first of `journalDirs` when none does). */
export function journalOf(io: CliIo, journal: string | undefined, id: string): string {
  const dirs = journalDirs(io, journal);
  return dirs.find((d) => existsSync(join(d, id))) ?? dirs[0]!;
}
