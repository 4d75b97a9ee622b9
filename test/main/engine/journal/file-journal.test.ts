import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFileJournal,
  JOURNAL_FILES,
  newReleaseId,
  verifyAudit,
} from '../../../../src-main/engine/journal/file-journal.ts';
import type { Journal, ReleaseHeader, ReleaseJournal } from '../../../../src-main/ports/journal.port.ts';

const T0 = Date.UTC(2026, 10, 26, 15, 0, 0);
let root: string;
let clock: number;

function header(releaseId = 'checkout-canary-1', startedAtMs = T0): ReleaseHeader {
  return {
    releaseId,
    context: 'prod-eu',
    namespace: 'platform-production',
    strategy: 'canary',
    planName: 'checkout',
    startedAtMs,
  };
}

/** A new journal object on the same directory: what a restarted process sees. */
function restart(): Journal {
  return createFileJournal({ dir: root, user: 'alice', now: () => clock });
}

async function releaseWithSteps(steps: number, journal = restart()): Promise<ReleaseJournal> {
  const release = await journal.create(header());
  for (let step = 1; step <= steps; step += 1) {
    clock += 1_000;
    await release.record({
      status: 'running',
      snapshot: { value: `step${step}`, context: { weight: step * 10 } },
      event: {
        what: 'setWeight',
        why: `Step ${step}: canary weight ${step * 10} %.`,
        data: { weight: step * 10 },
      },
    });
  }
  return release;
}

const auditPath = () => join(root, 'checkout-canary-1', JOURNAL_FILES.audit);
const recordPath = () => join(root, 'checkout-canary-1', JOURNAL_FILES.record);
const auditLines = async () => (await readFile(auditPath(), 'utf8')).split('\n').filter(Boolean);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'switchyard-journal-'));
  clock = T0;
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('file journal', () => {
  it('reads back what it recorded after a restart: snapshot, status and who/what/when/why', async () => {
    const release = await releaseWithSteps(3);
    clock += 1_000;
    await release.record({
      status: 'paused',
      snapshot: { value: 'paused' },
      event: { what: 'pause', why: 'Operator paused.', who: { user: 'bob' } },
    });

    const loaded = await (await restart().open('checkout-canary-1')).load();
    expect(loaded.recovered).toEqual([]);
    expect(loaded.record).toMatchObject({
      schemaVersion: 1,
      status: 'paused',
      snapshot: { value: 'paused' },
      header: header(),
    });
    expect(loaded.record.auditHead.seq).toBe(4);
    expect(loaded.entries.map((e) => [e.seq, e.who.user, e.who.context, e.what, e.at])).toEqual([
      [1, 'alice', 'prod-eu', 'setWeight', '2026-11-26T15:00:01.000Z'],
      [2, 'alice', 'prod-eu', 'setWeight', '2026-11-26T15:00:02.000Z'],
      [3, 'alice', 'prod-eu', 'setWeight', '2026-11-26T15:00:03.000Z'],
      [4, 'bob', 'prod-eu', 'pause', '2026-11-26T15:00:04.000Z'],
    ]);
    expect(loaded.entries[1]?.why).toBe('Step 2: canary weight 20 %.');
    expect(await verifyAudit(release.dir)).toEqual({ ok: true, entries: 4, tornTail: false });
  });

  it('saves a state without an audit entry, and a restart reads that state with the chain intact', async () => {
    const release = await releaseWithSteps(2);
    clock += 1_000;
    await release.save({ status: 'running', snapshot: { value: 'step2.analysis.measuring' } });

    const loaded = await (await restart().open('checkout-canary-1')).load();
    expect(loaded.record).toMatchObject({
      status: 'running',
      snapshot: { value: 'step2.analysis.measuring' },
    });
    expect(loaded.entries.map((e) => e.what)).toEqual(['setWeight', 'setWeight']);
    expect(loaded.record.auditHead.seq).toBe(2);
    expect(await verifyAudit(release.dir)).toEqual({ ok: true, entries: 2, tornTail: false });
  });

  it.each([
    ['one byte of the last line', () => 1],
    ['half of the last line', (line: string) => Math.floor(line.length / 2)],
    ['all but its newline', (line: string) => line.length - 1],
  ])(
    'counts a cut into an entry the saved state already points at as lost entries, leaving %s',
    async (_what, keep) => {
      await releaseWithSteps(3);
      const text = await readFile(auditPath(), 'utf8');
      const lastLine = text.split('\n').at(-2) ?? '';
      await truncate(
        auditPath(),
        Buffer.byteLength(text) - Buffer.byteLength(lastLine) - 1 + keep(`${lastLine}\n`),
      );

      expect(await verifyAudit(join(root, 'checkout-canary-1'))).toMatchObject({
        ok: false,
        problem: expect.stringMatching(/removed from its end/),
      });
      // The saved state points at entry 3, whose line is torn: that is a real loss, and open refuses it.
      await expect(restart().open('checkout-canary-1')).rejects.toThrow(/entries were removed from its end/);
    },
  );

  it('drops a torn audit line written after the last saved state and continues the chain', async () => {
    const release = await releaseWithSteps(2);
    await release.append({ what: 'note', why: 'Written completely.' });
    const full = await readFile(auditPath(), 'utf8');
    // A kill half-way through a fourth append, before its snapshot write.
    await writeFile(auditPath(), `${full}{"seq":4,"at":"2026-11-26T15:0`);

    const reopened = await restart().open('checkout-canary-1');
    const loaded = await reopened.load();
    expect(loaded.entries).toHaveLength(3);
    expect(loaded.record.snapshot).toEqual({ value: 'step2', context: { weight: 20 } });
    expect(loaded.recovered).toEqual(['The last audit line was cut off mid-write and was dropped.']);

    const next = await reopened.record({
      status: 'running',
      snapshot: { value: 'step3' },
      event: { what: 'setWeight', why: 'Step 3.' },
    });
    expect(next.seq).toBe(4);
    expect(await auditLines()).toHaveLength(4);
    expect(await verifyAudit(reopened.dir)).toEqual({ ok: true, entries: 4, tornTail: false });
  });

  it('recovers from a kill at any byte of the appends made after the last saved state', async () => {
    const release = await releaseWithSteps(2);
    const saved = Buffer.byteLength(await readFile(auditPath(), 'utf8'));
    await release.append({ what: 'note', why: 'First unsaved entry.' });
    await release.append({ what: 'note', why: 'Second unsaved entry.', data: { é: 'ü' } });
    await release.close();
    const full = await readFile(auditPath());

    await fc.assert(
      fc.asyncProperty(fc.integer({ min: saved, max: full.length }), async (cut) => {
        await writeFile(auditPath(), full.subarray(0, cut));
        const complete = full.subarray(0, cut).toString('utf8').split('\n').length - 1;
        const reopened = await restart().open('checkout-canary-1');
        const loaded = await reopened.load();
        expect(loaded.entries).toHaveLength(complete);
        expect(loaded.record.snapshot).toMatchObject({ value: 'step2' });
        expect((await reopened.append({ what: 'resume', why: 'After the crash.' })).seq).toBe(complete + 1);
        expect(await verifyAudit(reopened.dir)).toEqual({ ok: true, entries: complete + 1, tornTail: false });
        await reopened.close();
      }),
      { numRuns: 40 },
    );
  });

  it('loses no acknowledged change when a writing process is killed with SIGKILL', async () => {
    const writer = fileURLToPath(new URL('./fixtures/journal-writer.ts', import.meta.url));
    let acknowledged = 0;
    for (const afterAcks of [5, 40, 120]) {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, root, 'killed-release'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const target = acknowledged + afterAcks;
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
        child.stdout.on('data', (chunk: Buffer) => {
          for (const line of chunk.toString().split('\n').filter(Boolean))
            acknowledged = Math.max(acknowledged, Number(line));
          if (acknowledged >= target) resolve();
        });
      });
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
      await once(child, 'exit');

      expect(await verifyAudit(join(root, 'killed-release'))).toMatchObject({ ok: true });
      const release = await restart().open('killed-release');
      const loaded = await release.load();
      expect(loaded.entries.length).toBeGreaterThanOrEqual(acknowledged);
      expect(loaded.record.auditHead.seq).toBeGreaterThanOrEqual(acknowledged);
      expect(loaded.record.snapshot).toMatchObject({ i: expect.any(Number) });
      await release.close();
    }
  });

  it('keeps the audit entry of a change whose snapshot write was cut off by a kill', async () => {
    const release = await releaseWithSteps(2);
    await release.append({ what: 'setWeight', why: 'Step 3.' });
    const loaded = await (await restart().open('checkout-canary-1')).load();
    expect(loaded.record.snapshot).toMatchObject({ value: 'step2' });
    expect(loaded.entries.at(-1)).toMatchObject({ seq: 3, why: 'Step 3.' });
  });

  it.each([
    ['cut in half', (text: string) => text.slice(0, text.length / 2)],
    ['emptied', () => ''],
    ['altered without updating its checksum', (text: string) => text.replace('"step3"', '"step9"')],
  ])('falls back to the previous saved state when the latest is %s', async (_what, damage) => {
    await releaseWithSteps(3);
    await writeFile(recordPath(), damage(await readFile(recordPath(), 'utf8')));
    const loaded = await (await restart().open('checkout-canary-1')).load();
    expect(loaded.record.snapshot).toEqual({ value: 'step2', context: { weight: 20 } });
    expect(loaded.recovered[0]).toMatch(
      /latest saved state of release checkout-canary-1 (is cut short|does not match)/,
    );
  });

  it('says so when no saved state is readable at all', async () => {
    await releaseWithSteps(2);
    await truncate(recordPath(), 10);
    await truncate(join(root, 'checkout-canary-1', JOURNAL_FILES.previousRecord), 10);
    await expect(restart().open('checkout-canary-1')).rejects.toMatchObject({
      kind: 'invalidConfig',
      message: expect.stringMatching(/no readable saved state/),
    });
  });

  it('ignores a temporary file left by a kill during an atomic write', async () => {
    await releaseWithSteps(1);
    await writeFile(join(root, 'checkout-canary-1', '.release.json.999.1.tmp'), '{"schemaVersion":1,"stat');
    const loaded = await (await restart().open('checkout-canary-1')).load();
    expect(loaded.record.snapshot).toMatchObject({ value: 'step1' });
    expect(loaded.recovered).toEqual([]);
  });

  it.each([
    [
      'an entry is edited',
      (lines: string[]) => lines.map((l, i) => (i === 1 ? l.replace('Step 2', 'Step 7') : l)),
      2,
      /entry 2 was changed/,
    ],
    [
      'an entry is deleted',
      (lines: string[]) => lines.filter((_, i) => i !== 1),
      2,
      /entry number 3 is where entry 2 should be/,
    ],
    [
      'two entries are swapped',
      (lines: string[]) => [lines[0], lines[2], lines[1], lines[3]],
      2,
      /entry number 3 is where entry 2/,
    ],
    [
      'an entry is deleted and the rest renumbered',
      (lines: string[]) =>
        lines.filter((_, i) => i !== 1).map((l, i) => JSON.stringify({ ...JSON.parse(l), seq: i + 1 })),
      2,
      /entry 2 does not follow entry 1/,
    ],
    [
      'the last entry is deleted',
      (lines: string[]) => lines.slice(0, 3),
      4,
      /ends after entry 3, but the release was saved after entry 4/,
    ],
    [
      'a line is not JSON',
      (lines: string[]) => [lines[0], 'garbage', ...lines.slice(1)],
      2,
      /not a valid audit entry/,
    ],
  ])('detects tampering when %s', async (_what, tamper, line, problem) => {
    await releaseWithSteps(4);
    await writeFile(auditPath(), `${tamper(await auditLines()).join('\n')}\n`);
    const result = await verifyAudit(join(root, 'checkout-canary-1'));
    expect(result).toMatchObject({ ok: false, line, problem: expect.stringMatching(problem) });
    await expect(restart().open('checkout-canary-1')).rejects.toMatchObject({ kind: 'invalidConfig' });
  });

  it('reports a missing audit log rather than an empty, intact one', async () => {
    await releaseWithSteps(1);
    await rm(auditPath());
    expect(await verifyAudit(join(root, 'checkout-canary-1'))).toMatchObject({
      ok: false,
      line: 0,
      problem: /no audit log/,
    });
    expect(await verifyAudit(join(root, 'nowhere'))).toMatchObject({ ok: false, problem: /no audit log/ });
  });

  it('refuses a release journaled with another format version, and lists it with the reason', async () => {
    await releaseWithSteps(1);
    const record = JSON.parse(await readFile(recordPath(), 'utf8')) as Record<string, unknown>;
    await writeFile(recordPath(), JSON.stringify({ ...record, schemaVersion: 2 }));
    await expect(restart().open('checkout-canary-1')).rejects.toMatchObject({
      kind: 'invalidConfig',
      message: expect.stringMatching(/format version 2, but this Switchyard reads only version 1/),
    });
    expect(await restart().listReleases()).toEqual([
      {
        readable: false,
        releaseId: 'checkout-canary-1',
        unfinished: true,
        problem: expect.stringMatching(/format version 2/),
      },
    ]);
  });

  it('keeps the call order of concurrent appends and records from one process', async () => {
    const release = await restart().create(header());
    const writes = Array.from({ length: 40 }, (_, i) =>
      i % 3 === 0
        ? release.record({ status: 'running', snapshot: { i }, event: { what: `change-${i}`, why: 'x' } })
        : release.append({ what: `change-${i}`, why: 'x' }),
    );
    const entries = await Promise.all(writes);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const loaded = await (await restart().open('checkout-canary-1')).load();
    expect(loaded.entries.map((e) => e.what)).toEqual(Array.from({ length: 40 }, (_, i) => `change-${i}`));
    expect(loaded.record.snapshot).toEqual({ i: 39 });
    expect(await verifyAudit(release.dir)).toMatchObject({ ok: true, entries: 40 });
  });

  it('lists releases newest first and finds the unfinished ones to resume', async () => {
    const journal = restart();
    const finished = await journal.create(header('a-finished', T0));
    await finished.record({ status: 'succeeded', snapshot: null, event: { what: 'complete', why: 'Done.' } });
    const paused = await journal.create(header('b-paused', T0 + 2));
    await paused.record({ status: 'paused', snapshot: null, event: { what: 'pause', why: 'Waiting.' } });
    await journal.create(header('c-running', T0 + 1));

    const all = await restart().listReleases();
    expect(all.map((r) => r.releaseId)).toEqual(['b-paused', 'c-running', 'a-finished']);
    const unfinished = await restart().listReleases({ unfinishedOnly: true });
    expect(unfinished.map((r) => [r.releaseId, r.readable && r.status])).toEqual([
      ['b-paused', 'paused'],
      ['c-running', 'running'],
    ]);
    expect(await createFileJournal({ dir: join(root, 'nothing-here') }).listReleases()).toEqual([]);
  });

  it('writes no secret anywhere in the release directory', async () => {
    const release = await restart().create(header(), { kubeUser: { token: 'tok-SECRET-1' } });
    await release.record({
      status: 'running',
      snapshot: {
        prometheus: {
          url: 'https://ops:pw-SECRET-2@prom.example/',
          headers: { Authorization: 'Bearer tok-SECRET-3' },
        },
      },
      event: {
        what: 'preflight',
        why: 'Called https://ops:pw-SECRET-4@prom.example with Bearer tok-SECRET-5',
        data: { user: { 'client-key-data': 'key-SECRET-6', 'client-certificate-data': 'cert-ok' } },
      },
    });
    const files = await readdir(release.dir);
    const text = (await Promise.all(files.map((f) => readFile(join(release.dir, f), 'utf8')))).join('\n');
    expect(text).not.toMatch(/SECRET/);
    expect(text).toContain('cert-ok');
    expect(text).toContain('prom.example');
  });

  it.each([
    [
      'a duplicate id',
      async (j: Journal) => {
        await j.create(header());
        await j.create(header());
      },
      'conflict',
    ],
    ['an id with a path in it', (j: Journal) => j.create(header('../escape')), 'badRequest'],
    ['an unknown release', (j: Journal) => j.open('missing'), 'notFound'],
  ])('rejects %s with a domain error', async (_what, act, kind) => {
    await expect(act(restart())).rejects.toMatchObject({ kind });
  });

  it('keeps a second process off a release until the first one is gone', async () => {
    const release = await releaseWithSteps(1);
    await release.close();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const lock = { pid: other.pid, host: hostname(), user: 'bob', sinceMs: T0 };
      await writeFile(join(root, 'checkout-canary-1', JOURNAL_FILES.lock), JSON.stringify(lock));
      await expect(restart().open('checkout-canary-1')).rejects.toMatchObject({
        kind: 'conflict',
        message: expect.stringContaining(`being run by bob (process ${other.pid}`),
      });
    } finally {
      other.kill('SIGKILL');
      await once(other, 'exit');
    }
    // Killed without cleaning up: its lock is stale and taken over.
    const reopened = await restart().open('checkout-canary-1');
    expect((await reopened.append({ what: 'resume', why: 'Resumed after a crash.' })).seq).toBe(2);
  });

  it('hands out one journal per release and process, and lets go of it on close', async () => {
    const journal = restart();
    await releaseWithSteps(1, journal);
    const first = await journal.open('checkout-canary-1');
    expect(await journal.open('checkout-canary-1')).toBe(first);
    await first.close();
    await expect(access(join(first.dir, JOURNAL_FILES.lock))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(first.append({ what: 'late', why: 'After close.' })).rejects.toThrow(/is closed/);
    expect(await journal.open('checkout-canary-1')).not.toBe(first);
  });

  it('makes release ids that sort by time and are safe directory names', () => {
    const id = newReleaseId('Checkout API / canary!', Date.UTC(2026, 10, 26, 15, 45, 1, 999));
    expect(id).toMatch(/^checkout-api-canary-20261126T154501Z-[0-9a-f]{4}$/);
    expect(newReleaseId('???')).toMatch(/^release-/);
  });
});
