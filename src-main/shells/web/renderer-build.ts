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
 * when it is missing or older than its sources, so `npm run web` works on a fresh clone.
 * @returns the directory holding index.html.
 */
export async function ensureRendererBuilt(root: string): Promise<string> {
  const outDir = join(root, 'out', 'renderer');
  const index = join(outDir, 'index.html');
  const sources = [join(root, 'src-renderer'), join(root, 'src-shared')];
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newest))) return outDir;
  // vite reads the TypeScript config itself: the built CLI runs as plain JavaScript, without tsx.
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
  return outDir;
}
