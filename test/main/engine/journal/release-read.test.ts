import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../../../src-main/app/engine.ts';
import { createFileJournal, JOURNAL_FILES } from '../../../../src-main/engine/journal/file-journal.ts';
import {
  RELEASE_SNAPSHOT_FORMAT,
  type Journal,
  type ReleaseHeader,
} from '../../../../src-main/ports/journal.port.ts';
import { canaryPlan } from '../runner/release-harness.ts';
import { cli } from '../../../support/cli.ts';

let dataDir: string;
let journalDir: string;
let journal: Journal;

const header = (releaseId: string): ReleaseHeader => ({
  releaseId,
  context: 'prod-eu',
  namespace: 'platform-production',
  strategy: 'canary',
  planName: 'workflow-engine-canary',
  startedAtMs: Date.UTC(2026, 11, 6, 7, 0, 0),
});

/** A release as the runner saves it, with `snapshot` as its saved state (written through the journal, checksum and all). */
async function saved(releaseId: string, snapshot: unknown): Promise<string> {
  const rj = await journal.create(header(releaseId), snapshot);
  await rj.record({ status: 'paused', snapshot, event: { what: 'pause', why: 'Waiting for the operator.' } });
  await rj.close();
  return join(journalDir, releaseId, JOURNAL_FILES.record);
}

const persisted = (plan: unknown) => ({
  format: RELEASE_SNAPSHOT_FORMAT,
  version: 1,
  machine: 'canary',
  plan,
  xstate: null,
});

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sy-release-read-'));
  journalDir = join(dataDir, 'journal');
  journal = createFileJournal({ dir: journalDir, user: 'alice' });
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

describe('journal.readRelease', () => {
  it('reads a saved release once: header, status and the plan it ran', async () => {
    const path = await saved('good', persisted(canaryPlan()));
    const stored = await journal.readRelease('good');
    expect(stored.path).toBe(path);
    expect(stored.record.status).toBe('paused');
    expect(stored.record.header.context).toBe('prod-eu');
    expect(stored.release?.plan.target.image).toBe(canaryPlan().target.image);
    expect(stored.recovered).toEqual([]);
  });

  it('names the file and the field when a saved state has the wrong shape', async () => {
    const plan = { ...canaryPlan(), target: undefined };
    const path = await saved('bad-plan', persisted(plan));
    const error = await journal.readRelease('bad-plan').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'invalidConfig' });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('snapshot.plan.target');
  });

  it('names the snapshot version it cannot read', async () => {
    await saved('v99', { ...persisted(canaryPlan()), version: 99 });
    await expect(journal.readRelease('v99')).rejects.toThrow(/machine snapshot version 99/);
  });

  it('says which file is damaged when neither saved state is readable', async () => {
    const path = await saved('torn', persisted(canaryPlan()));
    await writeFile(path, '{"schemaVersion":1,"hea');
    await rm(join(journalDir, 'torn', JOURNAL_FILES.previousRecord));
    await expect(journal.readRelease('torn')).rejects.toThrow(
      `Release torn has no readable saved state: the latest is cut short or not JSON and the previous is missing. (${path})`,
    );
  });

  it('falls back to the previous saved state and says so', async () => {
    const path = await saved('half', persisted(canaryPlan()));
    await writeFile(path, '{"schemaVersion":1,"hea');
    const stored = await journal.readRelease('half');
    expect(stored.path).toBe(join(journalDir, 'half', JOURNAL_FILES.previousRecord));
    expect(stored.recovered.join(' ')).toMatch(/latest saved state of release half is cut short/);
  });

  it('refuses an unknown release and an id that is not one', async () => {
    await expect(journal.readRelease('missing')).rejects.toMatchObject({ kind: 'notFound' });
    await expect(journal.readRelease('../escape')).rejects.toMatchObject({ kind: 'badRequest' });
  });
});

describe('a release whose saved state cannot be read', () => {
  it('is shown in History with the file and what is wrong, and the audit log still follows', async () => {
    const path = await saved('bad-plan', persisted({ ...canaryPlan(), target: undefined }));
    const engine = createEngine({
      shell: 'web',
      version: 'test',
      env: { KUBECONFIG: '/nonexistent' },
      dataDir,
    });
    try {
      const detail = await engine.handlers['release:get']({ id: 'bad-plan' });
      expect(detail.snapshot).toBeNull();
      expect(detail.problem).toContain(path);
      expect(detail.problem).toContain('snapshot.plan.target');
      expect(detail.audit.map((a) => a.what)).toEqual(['pause']);
    } finally {
      await engine.dispose();
    }
  });

  it('is listed as unreadable with the file and the field when its header is damaged', async () => {
    const rj = await journal.create({ ...header('no-start'), startedAtMs: 'yesterday' as unknown as number });
    await rj.close();
    const path = join(journalDir, 'no-start', JOURNAL_FILES.record);
    const [listed] = await journal.listReleases();
    expect(listed).toMatchObject({ readable: false, releaseId: 'no-start', unfinished: true });
    expect(listed && !listed.readable && listed.problem).toContain(`in ${path}, header.startedAtMs`);
    const r = await cli(['status', '--journal', journalDir]);
    expect(r.stdout).toContain(`no-start\tunreadable: Release no-start cannot be read: in ${path}`);
  });

  it('is refused by switchyard run --resume with the file and what is wrong', async () => {
    const path = await saved('bad-plan', persisted({ ...canaryPlan(), target: undefined }));
    const r = await cli(['run', '--resume', 'bad-plan', '--journal', journalDir, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toContain('snapshot.plan.target');
  });
});
