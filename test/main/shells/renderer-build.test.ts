import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../../src-main/shells/web/renderer-build.ts';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A project of its own: a one-page renderer, a config naming it, and this checkout's node_modules. */
function project(page: string): string {
  const root = mkdtempSync(join(tmpdir(), 'sy-renderer-build-'));
  roots.push(root);
  mkdirSync(join(root, 'src-renderer'));
  mkdirSync(join(root, 'src-shared'));
  writeFileSync(join(root, 'src-renderer', 'index.html'), page);
  writeFileSync(
    join(root, 'electron.vite.config.ts'),
    `export default { renderer: { root: ${JSON.stringify(join(root, 'src-renderer'))}, base: './', ` +
      `build: { outDir: ${JSON.stringify(join(root, 'out', 'renderer'))}, emptyOutDir: true } } };\n`,
  );
  symlinkSync(join(import.meta.dirname, '..', '..', '..', 'node_modules'), join(root, 'node_modules'));
  return root;
}

describe('building the web shell renderer (in a child process)', () => {
  it('builds a missing renderer, and again once a source is newer than the build', async () => {
    const root = project('<!doctype html><title>first</title>');
    const dir = await ensureRendererBuilt(root);
    expect(dir).toBe(join(root, 'out', 'renderer'));
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('<title>first</title>');

    writeFileSync(join(root, 'src-renderer', 'index.html'), '<!doctype html><title>second</title>');
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'src-renderer', 'index.html'), later, later);
    await ensureRendererBuilt(root);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('<title>second</title>');
  }, 120_000);

  it('says the build failed when it cannot build, instead of serving nothing', async () => {
    const root = project('<!doctype html><script type="module" src="./missing.ts"></script>');
    await expect(ensureRendererBuilt(root)).rejects.toThrow(/Building the console's renderer failed/);
  }, 120_000);
});
