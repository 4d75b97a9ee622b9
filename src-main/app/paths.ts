import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The project root when running from sources (`src-main/app` is two levels down). */
export const projectRoot = resolve(import.meta.dirname, '..', '..');

/** The version in package.json. */
export function appVersion(root: string = projectRoot): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Where the console keeps plans, health and the release journal (`<dir>/journal`) by default: `~/.switchyard`. */
export function consoleDataDir(home: string = homedir()): string {
  return join(home, '.switchyard');
}
