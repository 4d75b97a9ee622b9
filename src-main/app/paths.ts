import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The project root when running from sources (`src-main/app` is two levels down). */
export const projectRoot = resolve(import.meta.dirname, '..', '..');

/** Where the console keeps plans, health and the release journal (`<dir>/journal`) by default: `~/.switchyard`. */
export function consoleDataDir(home: string = homedir()): string {
  return join(home, '.switchyard');
}
