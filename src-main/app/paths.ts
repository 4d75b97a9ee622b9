import { readFileSync } from 'node:fs';
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
