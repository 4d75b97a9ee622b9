import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAudit } from '../../../../src-main/engine/journal/audit-chain.ts';
import {
  createFileJournal,
  JOURNAL_FILES,
  verifyAudit,
} from '../../../../src-main/engine/journal/file-journal.ts';

// Found by the fault campaign: a torn last line was cut at a character count, not a byte count, so a log
// holding non-ASCII text lost the end of its last good entry and the release could no longer be opened.

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'switchyard-journal-utf8-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const journal = () => createFileJournal({ dir: root, user: 'alice', now: () => Date.UTC(2026, 10, 26) });

describe('a torn audit line after entries holding non-ASCII text', () => {
  it.each([
    ['typographic quotes', 'Alice’s “go” for 20 %'],
    ['arrows and symbols', 'weights 90 → 80 / 10 → 20, 50× speed'],
    ['emoji (surrogate pairs)', 'ship it 🚀🚀'],
  ])('with %s is dropped alone, and the release opens and continues', async (_what, why) => {
    const release = await journal().create({
      releaseId: 'utf8-1',
      context: 'prod-eu',
      namespace: 'platform-production',
      strategy: 'canary',
      planName: 'checkout',
      startedAtMs: 0,
    });
    await release.record({ status: 'running', snapshot: { step: 1 }, event: { what: 'setWeight', why } });
    await release.append({ what: 'note', why });
    const path = join(root, 'utf8-1', JOURNAL_FILES.audit);
    const full = await readFile(path);
    const text = full.toString('utf8');
    expect(parseAudit(text, 'utf8-1').goodBytes).toBe(full.length);
    // A kill half-way through a third append.
    await writeFile(path, `${text}{"seq":3,"at":"2026-11-26T15:0`);

    // `switchyard run --resume` opens, reads and closes the release before the runner opens it again:
    // both must hear of the tear.
    for (let open = 0; open < 2; open++) {
      const reopened = await journal().open('utf8-1');
      const loaded = await reopened.load();
      expect(loaded.entries.map((e) => e.why)).toEqual([why, why]);
      expect(loaded.recovered).toEqual(['The last audit line was cut off mid-write and was dropped.']);
      await reopened.close();
    }
    const reopened = await journal().open('utf8-1');
    await reopened.append({ what: 'note', why: 'after the repair' });
    expect((await readFile(path)).subarray(0, full.length)).toEqual(full);
    expect(await verifyAudit(join(root, 'utf8-1'))).toEqual({ ok: true, entries: 3, tornTail: false });
    await reopened.close();
  });
});
