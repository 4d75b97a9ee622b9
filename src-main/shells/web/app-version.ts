import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../app/paths.ts';

/** The version in package.json. */
export function appVersion(root: string = projectRoot): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
