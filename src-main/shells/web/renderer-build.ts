import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time (ms) of any file below `dir`. */
function newest(dir: string): number {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

/**
 * Builds the renderer into `out/renderer` with the renderer section of electron.vite.config.ts
 * when it is missing or older than its sources, so `npm run web` works on a fresh clone. The build runs in a
 * child process: vite and rollup take some 350 MB that the long-running shell would otherwise keep.
 * Nothing is written to stdout (the shell's first line there is its URL). Throws when the build fails.
 * @returns the directory holding index.html.
 */
export async function ensureRendererBuilt(root: string): Promise<string> {
  const outDir = join(root, 'out', 'renderer');
  const index = join(outDir, 'index.html');
  const sources = [join(root, 'src-renderer'), join(root, 'src-shared')];
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newest))) return outDir;
  // Beside this file when it runs from the sources; the built CLI (out/cli) is one bundle: the project's copy.
  const beside = join(import.meta.dirname, 'renderer-build.child.ts');
  const script = existsSync(beside)
    ? beside
    : join(root, 'src-main', 'shells', 'web', 'renderer-build.child.ts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, root],
    // tsx is found from the project's node_modules; the child's output goes to stderr.
    { cwd: root, stdio: ['ignore', 2, 'inherit'] },
  );
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0 || !existsSync(index))
    throw new Error(`Building the console's renderer failed (exit ${code}); its errors are above.`);
  return outDir;
}

/** The build itself, in this process (the child process runs it). */
export async function buildRenderer(root: string): Promise<void> {
  // vite reads the TypeScript config itself.
  const { build, loadConfigFromFile } = await import('vite');
  const loaded = await loadConfigFromFile(
    { command: 'build', mode: 'production' },
    join(root, 'electron.vite.config.ts'),
    root,
    'silent',
  );
  const renderer = (loaded?.config as { renderer?: Record<string, unknown> } | undefined)?.renderer;
  if (!renderer) throw new Error(`electron.vite.config.ts in ${root} has no renderer section to build.`);
  await build({ ...renderer, configFile: false, logLevel: 'error' });
}
