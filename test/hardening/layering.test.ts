import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: join(ROOT, 'eslint.config.js') });

const LAYER_RULES = new Set(['import-x/no-restricted-paths', 'no-restricted-imports', 'import-x/no-cycle']);

/** The layering complaints lint makes about `code` as if it were the file at `filePath` (relative to the root). */
async function complaints(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  const messages = result!.messages;
  const fatal = messages.filter((m) => m.fatal);
  if (fatal.length) throw new Error(`lint could not parse the fixture: ${fatal[0]!.message}`);
  return messages.filter((m) => m.ruleId !== null && LAYER_RULES.has(m.ruleId)).map((m) => m.message);
}

const uses = (name: string, from: string) =>
  `import { ${name} } from '${from}';\nexport const used = [${name}];\n`;
const usesType = (name: string, from: string) =>
  `import type { ${name} } from '${from}';\nexport type Used = ${name};\n`;

describe('the layering lint', () => {
  it.each([
    [
      'a machine imports an adapter',
      'src-main/engine/machines/x.machine.ts',
      uses('createKubeReleaseOps', '../../adapters/kube/release-ops.ts'),
      'Bad layering: src-main/engine may import only src-shared, src-main/ports.',
    ],
    [
      'a machine imports electron',
      'src-main/engine/machines/x.machine.ts',
      uses('app', 'electron'),
      'Only the Electron shell imports electron.',
    ],
    [
      'a machine does file I/O',
      'src-main/engine/machines/x.machine.ts',
      uses('readFileSync', 'node:fs'),
      'Machines do no I/O: no node:* imports.',
    ],
    [
      'the runner imports electron (a wider block no longer loses to a narrower one)',
      'src-main/engine/runner/x.ts',
      uses('app', 'electron'),
      'Only the Electron shell imports electron.',
    ],
    [
      'a port imports the engine (even a type)',
      'src-main/ports/x.port.ts',
      usesType('ReleaseHandle', '../engine/runner/release-runner.ts'),
      'Bad layering: src-main/ports may import only src-shared.',
    ],
    [
      'the renderer imports main',
      'src-renderer/components/X.tsx',
      uses('createEngine', '../../src-main/app/engine.ts'),
      'Bad layering: src-renderer may import only src-shared.',
    ],
    [
      'src-shared reads a file',
      'src-shared/plan/x.ts',
      uses('readFileSync', 'node:fs'),
      'Bad layering: src-shared is pure TypeScript.',
    ],
    [
      'src-shared imports main',
      'src-shared/plan/x.ts',
      usesType('Clock', '../../src-main/ports/clock.port.ts'),
      'Bad layering: src-shared may import only nothing of ours.',
    ],
    [
      'the Prometheus adapter imports @kubernetes/client-node',
      'src-main/adapters/prometheus/x.ts',
      uses('KubeConfig', '@kubernetes/client-node'),
      'Only the Kubernetes adapter (src-main/adapters/kube) imports @kubernetes/client-node.',
    ],
    [
      'the engine imports @kubernetes/client-node',
      'src-main/engine/preflight/x.ts',
      uses('KubeConfig', '@kubernetes/client-node'),
      'Only the Kubernetes adapter (src-main/adapters/kube) imports @kubernetes/client-node.',
    ],
    [
      'one adapter imports another',
      'src-main/adapters/prometheus/x.ts',
      uses('createKubeReleaseOps', '../kube/release-ops.ts'),
      'Bad layering: src-main/adapters/prometheus may import only src-shared, src-main/ports.',
    ],
    [
      'an adapter imports the engine',
      'src-main/adapters/kube/x.ts',
      uses('startRelease', '../../engine/runner/release-runner.ts'),
      'Bad layering: src-main/adapters/kube may import only src-shared, src-main/ports.',
    ],
    [
      'the sandbox imports an adapter',
      'src-main/sandbox/x.ts',
      uses('createKubeReleaseOps', '../adapters/kube/release-ops.ts'),
      'Bad layering: src-main/sandbox may import only src-shared, src-main/ports, src-main/adapters/clock.',
    ],
    [
      'the bridge imports the app',
      'src-main/bridge/x.ts',
      uses('createEngine', '../app/engine.ts'),
      'Bad layering: src-main/bridge may import only src-shared.',
    ],
    [
      'the app imports a shell',
      'src-main/app/x.ts',
      uses('startWebServer', '../shells/web/web-server.ts'),
      'Bad layering: src-main/app may import only',
    ],
    [
      'the web shell imports the engine',
      'src-main/shells/web/x.ts',
      uses('startRelease', '../../engine/runner/release-runner.ts'),
      'Bad layering: src-main/shells may import only src-shared, src-main/ports, src-main/app, src-main/bridge.',
    ],
    [
      'the Electron window imports raw IPC',
      'src-main/shells/electron/x.ts',
      uses('ipcMain', 'electron'),
      'Raw IPC belongs to the bridge wrapper and the preload only.',
    ],
  ])('fails when %s', async (_name, filePath, code, message) => {
    const found = await complaints(filePath, code);
    expect(found).toEqual([expect.stringContaining(message)]);
  });

  it.each([
    [
      'a machine imports ports and src-shared',
      'src-main/engine/machines/x.machine.ts',
      usesType('ReleaseOps', '../../ports/release.port.ts') +
        uses('imageVersion', '../../../src-shared/release/image-version.ts'),
    ],
    [
      'the Kubernetes adapter imports client-node',
      'src-main/adapters/kube/x.ts',
      uses('KubeConfig', '@kubernetes/client-node'),
    ],
    [
      'the app wires an adapter',
      'src-main/app/x.ts',
      uses('createKubeReleaseOps', '../adapters/kube/release-ops.ts'),
    ],
    ['the Electron shell imports electron', 'src-main/shells/electron/x.ts', uses('app', 'electron')],
    ['the preload uses raw IPC', 'src-main/shells/electron/preload.ts', uses('ipcRenderer', 'electron')],
    [
      'the renderer imports the contract',
      'src-renderer/x.ts',
      usesType('Api', '../src-shared/bridge/api.ts'),
    ],
  ])('passes when %s', async (_name, filePath, code) => {
    expect(await complaints(filePath, code)).toEqual([]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cycle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on an import cycle, with the rule the source folders use', async () => {
    const config = (await eslint.calculateConfigForFile(
      join(ROOT, 'src-main/engine/runner/x.ts'),
    )) as Linter.Config;
    const rule = config.rules?.['import-x/no-cycle'];
    expect(Array.isArray(rule) ? rule[0] : rule).toBe(2);
    writeFileSync(join(dir, 'a.ts'), uses('b', './b.ts').replace('used', 'a'));
    writeFileSync(join(dir, 'b.ts'), uses('a', './a.ts').replace('used', 'b'));
    const cycleLint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['**/*.ts'],
          languageOptions: config.languageOptions,
          plugins: config.plugins,
          settings: config.settings,
          rules: { 'import-x/no-cycle': rule },
        },
      ],
    });
    const results = await cycleLint.lintFiles(['a.ts', 'b.ts']);
    const found = results.flatMap((r) => r.messages.map((m) => m.message));
    expect(found).toEqual([
      expect.stringContaining('Dependency cycle detected'),
      expect.stringContaining('Dependency cycle detected'),
    ]);
  });
});

/** Every source file's imports of our own files, type-only imports included (lint's no-cycle skips those). */
function importGraph(): Map<string, string[]> {
  const files = ['src-shared', 'src-main', 'src-renderer'].flatMap((d) =>
    readdirSync(join(ROOT, d), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
      .map((f) => join(d, f)),
  );
  const known = new Set(files);
  return new Map(
    files.map((f) => [
      f,
      ts
        .preProcessFile(readFileSync(join(ROOT, f), 'utf8'), true, true)
        .importedFiles.map((i) => i.fileName)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => relative(ROOT, resolve(ROOT, dirname(f), spec)))
        .filter((t) => known.has(t)),
    ]),
  );
}

/** Groups of files that import one another in a circle (Tarjan's strongly connected components of size > 1). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      group.push(w);
    } while (w !== v);
    if (group.length > 1) out.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('import cycles', () => {
  it('has none among the source files, type-only imports included', () => {
    expect(cycles(importGraph())).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
