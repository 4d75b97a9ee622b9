import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src-main/app/engine.ts';
import { createDispatcher, type Dispatcher } from '../../src-main/bridge/dispatch.ts';
import { MAX_MESSAGE_BYTES, requests, type RequestChannel } from '../../src-shared/bridge/contract.ts';
import { BridgeErrorKindSchema, type BridgeResult } from '../../src-shared/bridge/errors.ts';

const ROOT = join(import.meta.dirname, '../..');
const home = mkdtempSync(join(tmpdir(), 'switchyard-bridge-fuzz-'));
const dataDir = join(home, 'data');
let engine: Engine;
let dispatcher: Dispatcher;
const internalErrors: string[] = [];

beforeAll(() => {
  engine = createEngine({
    shell: 'web',
    version: '0.0.0-test',
    env: { KUBECONFIG: '/nonexistent' },
    home,
    dataDir,
  });
  dispatcher = createDispatcher(engine.handlers, {
    onInternalError: (channel, error) => internalErrors.push(`${channel}: ${String(error)}`),
  });
});
afterAll(async () => {
  await engine?.dispose();
  rmSync(home, { recursive: true, force: true });
});

/** Every file and folder under the data dir with its size and modification time. */
function snapshot(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .map((e) => {
        const p = join(e.parentPath, e.name);
        const s = statSync(p);
        return `${p} ${e.isDirectory() ? 'dir' : s.size} ${s.mtimeMs}`;
      })
      .sort();
  } catch {
    return [];
  }
}

/** Dispatches with a deadline: a hang fails the test instead of stalling it. */
async function call(channel: unknown, input: unknown, sizeBytes?: number): Promise<BridgeResult<unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${String(channel)} did not answer within 5 s`)), 5_000);
  });
  try {
    return await Promise.race([dispatcher.dispatch(channel, input, sizeBytes), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A refusal is a known kind with a plain sentence, and never `internal` (an unexpected exception). */
function expectTypedRefusal(result: BridgeResult<unknown>, what: string): void {
  if (result.ok) return;
  expect(BridgeErrorKindSchema.options, what).toContain(result.error.kind);
  expect(result.error.kind, `${what}: ${result.error.message}`).not.toBe('internal');
  expect(result.error.message.trim().length).toBeGreaterThan(5);
  expect(result.error.message).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

const channels = Object.keys(requests) as RequestChannel[];
const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '../../../../etc/passwd',
    '..',
    '/',
    'a/../../b',
    '\u0000',
    'x'.repeat(300),
    'sandbox',
    '$(reboot)',
    '"}or vector(1)',
    'name: x\nstrategy: {kind: canary}',
  ),
);
const anyValue = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, null, undefined, true, false),
  fc.anything({ maxDepth: 2 }),
);

/** Objects with the channel's own field names (so the schema is reached) and random values, plus stray keys. */
function shapedInput(channel: RequestChannel): fc.Arbitrary<unknown> {
  const schema = requests[channel].input as unknown as { shape?: Record<string, unknown> };
  const keys = Object.keys(schema.shape ?? {});
  const fields = keys.length
    ? fc.dictionary(fc.constantFrom(...keys), anyValue, { maxKeys: keys.length })
    : fc.constant({});
  return fc.oneof(
    fields,
    fields.chain((f) =>
      fc.dictionary(fc.string({ maxLength: 8 }), anyValue, { maxKeys: 2 }).map((x) => ({ ...x, ...f })),
    ),
    fc.anything({ maxDepth: 3 }),
  );
}

describe('every bridge channel refuses random and malformed input with a typed error', () => {
  it.each(channels)('%s', async (channel) => {
    await fc.assert(
      fc.asyncProperty(shapedInput(channel), async (input) => {
        const before = snapshot(dataDir);
        const result = await call(channel, input);
        expectTypedRefusal(result, `${channel} ${JSON.stringify(input)?.slice(0, 200)}`);
        if (!result.ok) expect(snapshot(dataDir), `${channel} wrote after refusing`).toEqual(before);
      }),
      { numRuns: 40 },
    );
    await call('cluster:unwatchWorkloads', {});
  });

  it('an unknown channel of any type is refused by name', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.anything().filter((c) => !(typeof c === 'string' && c in requests)),
        fc.anything(),
        async (channel, input) => {
          const result = await call(channel, input);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.error.kind).toBe('unknownChannel');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('an oversized message is refused before it is parsed', async () => {
    const text = 'x'.repeat(MAX_MESSAGE_BYTES + 1);
    const result = await call('plan:validate', { text });
    expect(result).toMatchObject({ ok: false, error: { kind: 'tooLarge' } });
  });
});

describe('refused releases write nothing', () => {
  const valid = readFileSync(join(ROOT, 'test/fixtures/plans/canary-istio.yaml'), 'utf8');

  it.each([
    ['a run on a context that does not exist', { mode: 'run', context: 'nowhere', text: valid }],
    ['a rehearsal of an invalid plan', { mode: 'rehearse', context: 'sandbox', text: 'name: x\n' }],
    ['a speed beyond 120', { mode: 'rehearse', context: 'sandbox', text: valid, speed: 1000 }],
  ])('release:start refuses %s and the journal stays empty', async (_name, input) => {
    const before = snapshot(dataDir);
    const result = await call('release:start', input);
    expect(result.ok).toBe(false);
    expectTypedRefusal(result, 'release:start');
    expect(snapshot(dataDir)).toEqual(before);
  });

  it.each(['../../../../etc/passwd', '..', '.', 'a/../../b', '%2e%2e', '\u0000'])(
    'release ids that try to leave the journal (%j) are not found',
    async (id) => {
      for (const channel of ['release:get', 'release:export', 'release:resume'] as const) {
        const result = await call(channel, channel === 'release:export' ? { id, format: 'json' } : { id });
        expect(result.ok, `${channel} ${id}`).toBe(false);
        expectTypedRefusal(result, `${channel} ${id}`);
      }
    },
  );

  it('plan:save refuses names with path separators and saves nothing', async () => {
    for (const name of ['../evil', 'a/b', '.hidden', '', 'x'.repeat(101)]) {
      const before = snapshot(dataDir);
      const result = await call('plan:save', { name, text: valid });
      expect(result).toMatchObject({ ok: false, error: { kind: 'badRequest' } });
      expect(snapshot(dataDir)).toEqual(before);
    }
    expect(snapshot(home).some((p) => p.includes('evil'))).toBe(false);
  });

  it('no handler threw an unexpected error during the whole file', () => {
    expect(internalErrors).toEqual([]);
  });
});
