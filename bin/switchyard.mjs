#!/usr/bin/env node
// Runs the CLI built into out/cli (`npm run build:cli`, which `npm ci` and `npm run build` run) when that
// build is newer than every source file and the lockfile; otherwise runs the TypeScript sources through
// tsx, which works in any checkout but starts a second or more slower, and says so on stderr.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const built = join(root, 'out', 'cli', 'main.js');

/** The newest modification time (ms) of any file below `dir`. */
function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}

/** Why out/cli cannot be run, or undefined when it is up to date. */
function staleBuild() {
  if (process.env.SWITCHYARD_FROM_SOURCE === '1') return 'SWITCHYARD_FROM_SOURCE=1';
  if (!existsSync(built)) return 'no build in out/cli';
  // The build bundles the packages too, so a changed lockfile or build script also makes it stale.
  const sources = Math.max(
    newest(join(root, 'src-main')),
    newest(join(root, 'src-shared')),
    ...['package-lock.json', 'scripts/build-cli.mjs']
      .map((file) => join(root, file))
      .filter((path) => existsSync(path))
      .map((path) => statSync(path).mtimeMs),
  );
  return statSync(built).mtimeMs >= sources ? undefined : 'out/cli is older than the sources';
}

const why = staleBuild();
let cli;
if (why === undefined) {
  cli = await import(pathToFileURL(built).href);
} else {
  if (process.env.SWITCHYARD_FROM_SOURCE !== '1') {
    process.stderr.write(
      `switchyard: ${why}, so running the TypeScript sources (slower start); \`npm run build:cli\` builds it\n`,
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src-main/shells/cli/main.ts');
}
process.exitCode = await cli.main(process.argv.slice(2));
