import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HealthPoint } from '../../../../src-shared/bridge/contract.ts';
import { createFileJournal } from '../../../../src-main/engine/journal/file-journal.ts';

let dataDir: string;
const point = (atMs: number, version = 'v2'): HealthPoint => ({
  atMs,
  version,
  errorRate: 0.01,
  p95Ms: 120,
  p99Ms: 240,
  rps: 50,
});
const file = () => join(dataDir, 'health', 'rel-1.jsonl');
const lines = async () => (await readFile(file(), 'utf8')).split('\n').filter(Boolean);

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sy-health-log-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

describe('the health log', () => {
  it('writes queued points in one batch, and everything queued when it is closed', async () => {
    // An hour between batches: only `flush` and `close` write here.
    const journal = createFileJournal({ dir: join(dataDir, 'journal'), health: { flushMs: 3_600_000 } });
    const log = journal.healthLog('rel-1');
    log.append([point(1), point(1, 'v1')]);
    log.append([point(2)]);
    await expect(readFile(file(), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    await log.flush();
    expect(await lines()).toHaveLength(3);
    log.append([point(3)]);
    await log.close();
    log.append([point(4)]); // after close: not taken
    await log.flush();
    expect((await journal.readHealth('rel-1')).map((p) => p.atMs)).toEqual([1, 1, 2, 3]);
  });

  it('skips a line cut off by a crash and writes the next batch on a line of its own', async () => {
    const journal = createFileJournal({ dir: join(dataDir, 'journal'), health: { flushMs: 3_600_000 } });
    const first = journal.healthLog('rel-1');
    first.append([point(1)]);
    await first.close();
    await appendFile(file(), JSON.stringify(point(2)).slice(0, 25)); // the crash, mid-line
    expect((await journal.readHealth('rel-1')).map((p) => p.atMs)).toEqual([1]);
    const after = createFileJournal({ dir: join(dataDir, 'journal') }).healthLog('rel-1');
    after.append([point(3)]);
    await after.close();
    expect((await journal.readHealth('rel-1')).map((p) => p.atMs)).toEqual([1, 3]);
  });

  it('reads no points for a release that never wrote any', async () => {
    const journal = createFileJournal({ dir: join(dataDir, 'journal') });
    expect(await journal.readHealth('rel-1')).toEqual([]);
  });

  it('writes a batch by itself once the interval has passed', async () => {
    const journal = createFileJournal({ dir: join(dataDir, 'journal'), health: { flushMs: 20 } });
    const log = journal.healthLog('rel-1');
    log.append([point(1)]);
    await expect.poll(async () => (await journal.readHealth('rel-1')).length, { timeout: 10_000 }).toBe(1);
    await log.close();
  });
});
