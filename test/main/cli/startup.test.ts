import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const run = promisify(execFile);

/**
 * A checkout as `git clone && npm ci --ignore-scripts` leaves it: the sources, the packages and the bin
 * entry, no out/. The sources are linked, not copied; bin/, the build script and the build config are
 * copied, since Node resolves a linked file to where it really lies and they find out/ from there.
 */
function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-clone-'));
  for (const entry of [
    'src-main',
    'src-shared',
    'src-renderer',
    'resources',
    'node_modules',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.base.json',
    'tsconfig.node.json',
    'tsconfig.web.json',
  ]) {
    symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'scripts'));
  cpSync(join(ROOT, 'scripts', 'build-cli.mjs'), join(dir, 'scripts', 'build-cli.mjs'));
  cpSync(join(ROOT, 'electron.vite.config.ts'), join(dir, 'electron.vite.config.ts'));
  return dir;
}

const cli = (clone: string, args: string[]) =>
  run(process.execPath, [join(clone, 'bin', 'switchyard.mjs'), ...args], { cwd: clone });

/**
 * The code a `switchyard` command loaded: every module Node resolved (traced by a module hook, see
 * test/support/module-trace.mjs), with each chunk of the build in out/cli expanded to the sources its source
 * map lists, so packages and our folders read the same in both modes.
 */
async function loadedCode(clone: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const trace = join(mkdtempSync(join(tmpdir(), 'sy-trace-')), 'modules.txt');
  try {
    await run(
      process.execPath,
      [
        '--import',
        join(ROOT, 'test', 'support', 'module-trace.mjs'),
        join(clone, 'bin', 'switchyard.mjs'),
        ...args,
      ],
      { cwd: clone, env: { ...process.env, ...env, SY_MODULE_TRACE: trace } },
    ).catch((err: { code?: number }) => {
      if (typeof err.code !== 'number') throw err; // a refusal (exit 1) still loaded what it loads
    });
    const urls = [
      ...new Set((await readFile(trace, 'utf8')).split('\n').filter((u) => u.startsWith('file:'))),
    ];
    const files = await Promise.all(
      urls.map(async (url) => {
        const file = fileURLToPath(url);
        if (!/[/\\]out[/\\]cli[/\\][^/\\]+\.js$/.test(file) || !existsSync(`${file}.map`)) return [file];
        const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { sources: string[] };
        return [file, ...map.sources.map((source) => join(dirname(file), source))];
      }),
    );
    return files.flat();
  } finally {
    rmSync(dirname(trace), { recursive: true, force: true });
  }
}

/** What only running a release needs: the Kubernetes client, the sandbox, the engine and the adapters. */
const HEAVY = /@kubernetes[/\\]client-node|src-main[/\\](sandbox|engine|adapters)[/\\]/;

describe('the switchyard command starts from a fresh clone', () => {
  let clone: string;
  beforeAll(() => {
    clone = freshClone();
  });
  afterAll(() => rmSync(clone, { recursive: true, force: true }));

  it('runs the TypeScript sources without a build, and says how to start faster', async () => {
    const { stdout, stderr } = await cli(clone, ['--help']);
    expect(stdout).toMatch(/^Usage: switchyard/m);
    expect(stderr).toMatch(/no build in out\/cli, so running the TypeScript sources.*npm run build:cli/);
    // tsx compiles the sources on a cold start; on a loaded 2-core machine that alone can take half a minute.
  }, 120_000);

  it('runs the build once there is one, silently, and not once a source is newer', async () => {
    await run(process.execPath, [join(clone, 'scripts', 'build-cli.mjs')], { cwd: clone });
    expect(existsSync(join(clone, 'out', 'cli', 'main.js'))).toBe(true);
    const built = await cli(clone, ['--help']);
    expect(built.stdout).toMatch(/^Usage: switchyard/m);
    expect(built.stderr).toBe('');

    const longAgo = new Date('2001-01-01');
    utimesSync(join(clone, 'out', 'cli', 'main.js'), longAgo, longAgo);
    const stale = await cli(clone, ['--help']);
    expect(stale.stdout).toMatch(/^Usage: switchyard/m);
    expect(stale.stderr).toMatch(/out\/cli is older than the sources, so running the TypeScript sources/);
  }, 180_000);

  it('serves the renderer from the built web shell, building the renderer first', async () => {
    await run(process.execPath, [join(clone, 'scripts', 'build-cli.mjs')], { cwd: clone });
    const home = mkdtempSync(join(tmpdir(), 'sy-clone-home-'));
    const web = spawn(process.execPath, [join(clone, 'bin', 'switchyard.mjs'), 'web', '--port', '0'], {
      cwd: clone,
      env: { ...process.env, HOME: home, KUBECONFIG: join(home, 'none') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    web.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: web.stdout }).once('line', resolve);
        web.once('exit', (code) => reject(new Error(`switchyard web exited with ${code}: ${stderr}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<div id="root">');
      const script = /<script[^>]+src="\.?\/?([^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const assetUrl = new URL(script!, url);
      assetUrl.search = new URL(url).search; // the token
      const asset = await fetch(assetUrl);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      expect(stderr).not.toMatch(/running the TypeScript sources/);
      expect(existsSync(join(clone, 'out', 'renderer', 'index.html'))).toBe(true);
    } finally {
      if (web.exitCode === null && web.signalCode === null) {
        web.kill('SIGTERM');
        await new Promise((resolve) => web.once('exit', resolve));
      }
      rmSync(home, { recursive: true, force: true });
    }
    // The renderer's first build (vite) shares two loaded cores.
  }, 300_000);

  it('loads no Kubernetes client, sandbox or engine for --help, plan validate or recommend, built or not', async () => {
    await run(process.execPath, [join(clone, 'scripts', 'build-cli.mjs')], { cwd: clone });
    const plan = join(ROOT, 'test', 'fixtures', 'plans', 'canary-istio.yaml');
    const light = [
      ['--help'],
      ['plan', 'validate', plan],
      ['recommend', '--change', 'minor-fix', '--mesh', 'istio'],
    ];
    for (const args of light) {
      const loaded = await loadedCode(clone, args);
      expect(loaded).toContain(join(clone, 'out', 'cli', 'main.js'));
      expect(
        loaded.filter((f) => HEAVY.test(f)),
        args.join(' '),
      ).toEqual([]);
    }
    // The trace sees heavy code where a command needs it: `contexts` reads kubeconfigs with the Kubernetes client.
    const none = join(clone, 'no-kubeconfig.yaml');
    expect((await loadedCode(clone, ['contexts'], { KUBECONFIG: none })).some((f) => HEAVY.test(f))).toBe(
      true,
    );
    // Through tsx (no build), the sources are as lazy.
    const fromSource = await loadedCode(clone, ['--help'], { SWITCHYARD_FROM_SOURCE: '1' });
    expect(fromSource.some((f) => f.includes(join('src-main', 'shells', 'cli', 'main.ts')))).toBe(true);
    expect(fromSource.filter((f) => HEAVY.test(f))).toEqual([]);
  }, 180_000);
});
