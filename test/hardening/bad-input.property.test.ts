import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { loadKubeconfig } from '../../src-main/adapters/kube/kubeconfig.ts';
import { validatePromql } from '../../src-shared/plan/promql-syntax.ts';
import { IMPORT_FORMATS, importPlan } from '../../src-shared/interop/interop.ts';
import { parsePlan } from '../../src-shared/plan/plan.parse.ts';
import { renderMetricQuery } from '../../src-shared/plan/promql.ts';
import { MetricKindSchema } from '../../src-shared/plan/plan.schema.ts';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/plans');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'switchyard-badinput-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Text that looks like YAML often enough to reach the schema: keys, indents, flow, anchors, aliases, tags. */
const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'name: ',
        'target:\n  ',
        'strategy:\n  kind: canary\n  steps:\n    - ',
        'setWeight: ',
        '- ',
        '  ',
        '\t',
        '\n',
        '{',
        '}',
        '[',
        ']',
        ': ',
        '&a ',
        '*a',
        '!!binary ',
        '!!js/function ',
        '---\n',
        '"',
        "'",
        '#',
        '|\n',
        '>-\n',
        '<<: *a\n',
        'kind: Rollout\n',
        'kind: Canary\n',
        'canary_rollout:\n  ',
        'apiVersion: argoproj.io/v1alpha1\n',
        '1e999',
        '-0',
        'null',
        '~',
        '\u0000',
        '\uFEFF',
      ),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

/** Any text: YAML-like, random unicode, or a valid fixture with a slice cut out or garbage spliced in. */
function anyText(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    yamlish,
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc
      .tuple(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 20 }))
      .map(([a, b, junk]) => valid.slice(0, Math.min(a, b)) + junk + valid.slice(Math.max(a, b))),
  );
}

/** Every path of leaves in a parsed document, to replace one by a random value. */
function leafPaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [at];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [at, ...entries.flatMap(([k, v]) => leafPaths(v, [...at, k]))];
}

function replaceAt(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
  return copy;
}

/** Valid documents with one field (or subtree) of one of them replaced by any JSON value, as YAML text. */
function mutated(valid: string): fc.Arbitrary<string> {
  const docs = parseAllDocuments(valid).map((d) => d.toJS() as unknown);
  const paths = docs.flatMap((doc, i) => leafPaths(doc).map((p) => [i, ...p]));
  return fc
    .tuple(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 3 }))
    .map(([[i, ...path], value]) =>
      docs.map((doc, j) => stringify(j === i ? replaceAt(doc, path, value) : doc)).join('---\n'),
    );
}

/** Runs `fn`, failing when it throws or takes longer than `limitMs`: a hang would show as a slow call. */
function bounded<T>(fn: () => T, limitMs = 2_000): T {
  const t0 = performance.now();
  const out = fn();
  const took = performance.now() - t0;
  if (took > limitMs) throw new Error(`took ${Math.round(took)} ms (limit ${limitMs} ms)`);
  return out;
}

function expectNamedErrors(errors: readonly string[]): void {
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(typeof e).toBe('string');
    expect(e.trim().length).toBeGreaterThan(3);
    // a plain sentence, never a stack trace
    expect(e).not.toMatch(/\n\s+at .+:\d+:\d+/);
  }
}

const RUNS = { numRuns: 150 };

describe('parsePlan on random and malformed input', () => {
  it('never throws or hangs; a refusal lists at least one plain problem', () => {
    const valid = fixture('canary-istio.yaml');
    fc.assert(
      fc.property(fc.oneof(anyText(valid), mutated(valid)), (text) => {
        const r = bounded(() => parsePlan(text));
        if (!r.ok) expectNamedErrors(r.errors);
      }),
      RUNS,
    );
  });

  it('accepts any JS value without throwing (an already parsed object from the bridge)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const r = bounded(() => parsePlan(value));
        if (!r.ok) expectNamedErrors(r.errors);
      }),
      RUNS,
    );
  });

  it.each([
    [
      'a YAML alias bomb',
      `a: &a [x,x,x,x,x,x,x,x,x]\n${Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(',')}]`,
      ).join('\n')}\n`,
    ],
    ['an alias without an anchor', 'name: *nothing\n'],
    ['a JS function tag', 'name: !!js/function "function(){}"\n'],
    ['a 500-deep nesting', `${'['.repeat(500)}${']'.repeat(500)}`],
  ])('refuses %s with a sentence, fast', (_name, text) => {
    const r = bounded(() => parsePlan(text), 1_000);
    expect(r.ok).toBe(false);
    if (!r.ok) expectNamedErrors(r.errors);
  });
});

describe('importPlan (Argo, Flagger, runbook) on random and malformed input', () => {
  const sources = {
    argo: fixture('argo-rollout.yaml'),
    flagger: fixture('flagger-canary.yaml'),
    runbook: fixture('runbook-canary.yaml'),
  } as const;

  it.each(IMPORT_FORMATS)('%s: never throws or hangs; a refusal names each problem', (format) => {
    const valid = sources[format];
    fc.assert(
      fc.property(
        fc.oneof(anyText(valid), mutated(valid)),
        fc.constantFrom(format, undefined),
        (text, from) => {
          const r = bounded(() => importPlan(text, from, { image: 'registry.example/app:v2' }));
          if (!r.ok) expectNamedErrors(r.errors);
          else expect(r.plan.target.image.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('loadKubeconfig on random files', () => {
  const validKubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'dev',
    clusters: [{ name: 'dev', cluster: { server: 'https://127.0.0.1:6443' } }],
    users: [{ name: 'dev', user: { token: 'not-a-real-token' } }],
    contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'dev' } }],
  });

  it('never throws; a file it cannot use is a problem naming that file, and no file is changed', () => {
    let n = 0;
    fc.assert(
      fc.property(fc.oneof(anyText(validKubeconfig), mutated(validKubeconfig)), (text) => {
        const file = join(tmp, `kubeconfig-${n++}`);
        writeFileSync(file, text);
        const merged = bounded(() => loadKubeconfig([file, join(tmp, 'missing')]));
        expect(readFileSync(file, 'utf8')).toBe(text);
        // the missing file the user named is always reported, by name
        expect(merged.problems.some((p) => p.file.endsWith('missing'))).toBe(true);
        for (const p of merged.problems) {
          expect(p.message.trim().length).toBeGreaterThan(3);
          expect(p.message).not.toMatch(/\n\s+at .+:\d+:\d+/);
        }
        for (const c of merged.contexts) expect(typeof c.name).toBe('string');
        rmSync(file);
      }),
      { numRuns: 200 },
    );
  });
});

describe('names with PromQL or shell metacharacters in metric queries', () => {
  const nasty = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc
      .array(
        fc.constantFrom(
          '"',
          '\\',
          '}',
          '{',
          ',',
          '=',
          '~',
          '\n',
          '\r',
          '`',
          '$(',
          ')',
          ';',
          '|',
          '&',
          "'",
          ' or vector(1)',
          '"} or up{a="',
          'x',
        ),
        { maxLength: 12 },
      )
      .map((a) => a.join('')),
  );
  const kinds = MetricKindSchema.options.filter((k) => k !== 'custom');

  /** The query's syntax tree shape: node types in order, string literal contents excluded. */
  function shape(query: string): string {
    const names: string[] = [];
    parser.parse(query).iterate({ enter: (n) => void names.push(n.type.name) });
    return names.join(' ');
  }

  /** The decoded values of every double-quoted string literal in the query (PromQL allows raw control characters). */
  function stringLiterals(query: string): string[] {
    const out: string[] = [];
    const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"' };
    parser.parse(query).iterate({
      enter: (n) => {
        if (n.type.name !== 'StringLiteral') return;
        const raw = query.slice(n.from + 1, n.to - 1);
        out.push(raw.replace(/\\(.)/gs, (_m, c: string) => escapes[c] ?? `\\${c}`));
      },
    });
    return out;
  }

  it('every rendered query parses, keeps the same shape as with a plain name, and carries each value verbatim inside a label string', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), nasty, nasty, nasty, (kind, job, namespace, version) => {
        const q = renderMetricQuery(kind, { job, namespace, version, container: namespace });
        expect(validatePromql(q)).toEqual({ ok: true });
        const plain = renderMetricQuery(kind, { job: 'a', namespace: 'b', version: 'c', container: 'b' });
        expect(shape(q)).toBe(shape(plain));
        const literals = stringLiterals(q);
        if (kind.startsWith('latency') || kind.endsWith('rate')) expect(literals).toContain(job);
        expect(literals).toContain(version);
        expect(literals).toContain(namespace);
      }),
      { numRuns: 300 },
    );
  });

  it('a custom query template gets escaped values: a name cannot close its label string', () => {
    fc.assert(
      fc.property(nasty, (job) => {
        const q = renderMetricQuery(
          { kind: 'custom', query: 'sum(rate(errors_total{job="{{job}}"}[{{window}}]))' },
          { job, window: '1m' },
        );
        expect(validatePromql(q)).toEqual({ ok: true });
        expect(stringLiterals(q)).toEqual([job]);
      }),
      { numRuns: 200 },
    );
  });

  it('a window that is not a duration is refused before it reaches a query', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }).filter((w) => !/^\d+(ms|s|m|h|d|w|y)$/.test(w)),
        (window) => {
          let threw: unknown = null;
          try {
            renderMetricQuery('error-rate', { job: 'a', window });
          } catch (error) {
            threw = error;
          }
          if (threw === null) return; // compound durations such as 1h30m are valid
          expect(threw).toBeInstanceOf(RangeError);
          expect((threw as Error).message).toContain('is not a duration');
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('plan commands never go through a shell', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => join(e.parentPath, e.name));
  }
  const files = sources(join(ROOT, 'src-main'));

  it('src-main has no shell: true, exec() or execSync() and imports only execFile/spawn from child_process', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const spawns = /from\s*'(node:)?child_process'/.test(text);
      // `shell: 'electron'` elsewhere names the app's shell, not a process option
      if (/shell:\s*true/.test(text) || (spawns && /shell:\s*['"`]/.test(text)))
        offenders.push(`${file}: shell option`);
      if (/(^|[^.\w])exec(Sync)?\s*\(/m.test(text)) offenders.push(`${file}: exec()`);
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'node:child_process'/g))
        for (const name of (m[1] ?? '').split(',').map((s) => s.trim().replace(/^type\s+/, '')))
          if (
            name &&
            !['execFile', 'spawn', 'ChildProcess', 'SpawnOptions', 'ExecFileException'].includes(name)
          )
            offenders.push(`${file}: imports ${name}`);
      if (spawns && /['"`](\/bin\/)?(ba)?sh['"`]\s*,\s*\[?\s*['"`]-c/.test(text))
        offenders.push(`${file}: sh -c`);
    }
    expect(offenders).toEqual([]);
    expect(files.length).toBeGreaterThan(50);
  });

  it.each([
    ['a smoke command', 'strategy:\n  kind: blue-green\n  smoke:\n    command: "curl x; rm -rf /"\n'],
    [
      'a migration Job command',
      'migration:\n  expand:\n    action: { kind: job, command: "psql -c \'drop table x\' && echo" }\n',
    ],
  ])('%s given as one shell string is refused: commands are argv arrays', (_name, fragment) => {
    const base = parseYaml(fixture('canary-istio.yaml')) as Record<string, unknown>;
    const patch = parseYaml(fragment) as Record<string, unknown>;
    const r = parsePlan({ ...base, ...patch });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/command: /);
  });

  it('shell metacharacters in an argv word stay one word, untouched', () => {
    const base = parseYaml(fixture('canary-istio.yaml')) as Record<string, unknown>;
    const argv = ['migrate', '--name', 'x; rm -rf / && $(reboot) `id` | tee'];
    const r = parsePlan({ ...base, migration: { expand: { action: { kind: 'job', command: argv } } } });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.plan.migration?.expand?.action).toMatchObject({ kind: 'job', command: argv });
  });
});
