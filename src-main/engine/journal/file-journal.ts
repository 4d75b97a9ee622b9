import { mkdir, readdir, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import {
  JOURNAL_SCHEMA_VERSION,
  type AuditActor,
  type AuditEntry,
  type AuditEventInput,
  type Journal,
  type LoadedRelease,
  type ReleaseHeader,
  type ReleaseJournal,
  type ReleaseRecord,
  type ReleaseSummary,
} from '../../ports/journal.port.ts';
import { appendDurably, syncDirectory, writeFileAtomic } from './atomic-file.ts';
import { canonicalJson, entryHash, genesisHash, sha256 } from './audit-chain.ts';
import { createHealthLog, readHealthFile, type HealthLogOptions } from './health-log.ts';
import {
  JOURNAL_FILES,
  RELEASE_ID,
  UNFINISHED,
  currentUser,
  errorCode,
  headProblem,
  isDirectory,
  readAudit,
  readLatestRecord,
  verifyAudit,
} from './journal-files.ts';
import { readListedRelease, readStoredRelease } from './release-read.ts';
import { redactSecrets, redactString } from '../../../src-shared/redact/redact.ts';
import { acquireReleaseLock, releaseReleaseLock } from './release-lock.ts';

// Most callers know the journal by this module; the file layout and naming live in journal-files.ts.
export { JOURNAL_FILES, defaultJournalDir, newReleaseId, verifyAudit } from './journal-files.ts';

export interface FileJournalOptions {
  /** Root directory; each release gets a sub-directory named by its id. Created when missing. */
  dir: string;
  /** The OS user named in audit entries. Default: the current user. */
  user?: string;
  /** Wall clock in milliseconds since the Unix epoch. Default `Date.now`. */
  now?: () => number;
  /** Where health timelines go (`<id>.jsonl`); default `health` beside `dir` (the console's layout). */
  healthDir?: string;
  /** How health logs batch their writes. */
  health?: HealthLogOptions;
}

/**
 * A `Journal` on the local disk: one directory per release holding `release.json` (the latest state,
 * written atomically), `release.prev.json` (the one before) and `audit.jsonl` (hash-chained, append-only).
 * Every write is fsynced before its promise resolves; secrets are redacted before anything is written.
 */
export function createFileJournal(options: FileJournalOptions): Journal {
  const root = options.dir;
  const now = options.now ?? Date.now;
  const user = options.user ?? currentUser();
  const opened = new Map<string, Promise<ReleaseJournal>>();

  function releaseDir(releaseId: string): string {
    if (!RELEASE_ID.test(releaseId)) {
      throw new DomainError(
        'badRequest',
        `"${releaseId}" is not a valid release id: use letters, digits, ".", "_" and "-" (up to 128).`,
      );
    }
    return join(root, releaseId);
  }

  function healthFile(releaseId: string): string {
    releaseDir(releaseId); // refuses what is not a release id
    return join(options.healthDir ?? join(dirname(root), 'health'), `${releaseId}.jsonl`);
  }

  function bind(
    dir: string,
    start: ReleaseRecord,
    auditBytes: number,
    repaired: string[] = [],
    tornTail = false,
  ): ReleaseJournal {
    const releaseId = start.header.releaseId;
    const auditPath = join(dir, JOURNAL_FILES.audit);
    let record = start;
    let bytes = auditBytes;
    // A torn last line is cut off just before the first append, not at open: every open until then (a
    // process may open, read and close before the runner opens again) still finds it and says so.
    let tornPending = tornTail;
    let tail: Promise<unknown> = Promise.resolve();
    let closed = false;
    let closing: Promise<void> | undefined;

    const serial = <T>(task: () => Promise<T>): Promise<T> => {
      if (closed)
        return Promise.reject(new DomainError('internal', `The journal of release ${releaseId} is closed.`));
      const result = tail.then(task);
      tail = result.catch(() => undefined);
      return result;
    };

    async function appendNow(event: AuditEventInput): Promise<AuditEntry> {
      const who: AuditActor = {
        user: redactString(event.who?.user ?? user),
        context: redactString(event.who?.context ?? record.header.context),
      };
      const draft: Omit<AuditEntry, 'hash'> = {
        seq: record.auditHead.seq + 1,
        at: new Date(now()).toISOString(),
        who,
        what: redactString(event.what),
        why: redactString(event.why),
        ...(event.data === undefined ? {} : { data: redactSecrets(event.data) }),
        prevHash: record.auditHead.hash,
      };
      const entry: AuditEntry = { ...draft, hash: entryHash(draft) };
      const line = `${JSON.stringify(entry)}\n`;
      try {
        if (tornPending) {
          await truncate(auditPath, bytes);
          tornPending = false;
        }
        await appendDurably(auditPath, line);
      } catch (error) {
        // Leave no partial line behind for the next append to run into.
        await truncate(auditPath, bytes).catch(() => undefined);
        throw new DomainError(
          'internal',
          `Could not write the audit log of release ${releaseId} (${errorCode(error) ?? 'unknown error'}).`,
        );
      }
      bytes += Buffer.byteLength(line);
      record = { ...record, auditHead: { seq: entry.seq, hash: entry.hash } };
      return entry;
    }

    async function saveNow(next: ReleaseRecord): Promise<void> {
      const content = JSON.stringify({ ...next, checksum: sha256(canonicalJson(next)) });
      try {
        await writeFileAtomic(
          join(dir, JOURNAL_FILES.record),
          content,
          join(dir, JOURNAL_FILES.previousRecord),
        );
      } catch (error) {
        throw new DomainError(
          'internal',
          `Could not save the state of release ${releaseId} (${errorCode(error) ?? 'unknown error'}).`,
        );
      }
      record = next;
    }

    return {
      header: start.header,
      dir,
      append: (event) => serial(() => appendNow(event)),
      record: ({ status, snapshot, event }) =>
        serial(async () => {
          const entry = await appendNow(event);
          await saveNow({ ...record, status, savedAtMs: now(), snapshot: redactSecrets(snapshot) ?? null });
          return entry;
        }),
      save: ({ status, snapshot }) =>
        serial(async () => {
          await saveNow({ ...record, status, savedAtMs: now(), snapshot: redactSecrets(snapshot) ?? null });
        }),
      load: () =>
        serial(async () => {
          const { release } = await loadRelease(dir, releaseId);
          return { ...release, recovered: [...new Set([...repaired, ...release.recovered])] };
        }),
      close: () =>
        (closing ??= serial(async () => {
          closed = true;
          opened.delete(releaseId);
          await releaseReleaseLock(join(dir, JOURNAL_FILES.lock));
        })),
    };
  }

  async function loadRelease(
    dir: string,
    releaseId: string,
  ): Promise<{
    release: LoadedRelease;
    head: ReleaseRecord['auditHead'];
    auditBytes: number;
    tornTail: boolean;
  }> {
    const { record, recovered } = await readLatestRecord(dir, releaseId);
    const audit = await readAudit(dir, releaseId);
    if (audit.broken) throw new DomainError('invalidConfig', `Release ${releaseId}: ${audit.broken.problem}`);
    const problem = headProblem(audit.entries, record.auditHead);
    if (problem) throw new DomainError('invalidConfig', `Release ${releaseId}: ${problem}`);
    if (audit.tornTail) recovered.push('The last audit line was cut off mid-write and was dropped.');
    const last = audit.entries.at(-1);
    // The log may be ahead of the saved state (stopped between the two writes); the chain continues from the log.
    const head = last ? { seq: last.seq, hash: last.hash } : record.auditHead;
    return {
      release: { record, entries: audit.entries, recovered },
      head,
      auditBytes: audit.goodBytes,
      tornTail: audit.tornTail,
    };
  }

  return {
    dir: root,

    async create(header: ReleaseHeader, snapshot?: unknown) {
      const dir = releaseDir(header.releaseId);
      await mkdir(root, { recursive: true });
      try {
        await mkdir(dir);
      } catch (error) {
        if (errorCode(error) === 'EEXIST')
          throw new DomainError('conflict', `A release with id ${header.releaseId} already exists.`);
        throw error;
      }
      await acquireReleaseLock(join(dir, JOURNAL_FILES.lock), header.releaseId, user, now());
      await syncDirectory(root);
      const record: ReleaseRecord = {
        schemaVersion: JOURNAL_SCHEMA_VERSION,
        header: redactSecrets(header) as ReleaseHeader,
        status: 'running',
        savedAtMs: now(),
        snapshot: redactSecrets(snapshot) ?? null,
        auditHead: { seq: 0, hash: genesisHash(header.releaseId) },
      };
      await appendDurably(join(dir, JOURNAL_FILES.audit), '');
      await writeFileAtomic(
        join(dir, JOURNAL_FILES.record),
        JSON.stringify({ ...record, checksum: sha256(canonicalJson(record)) }),
      );
      const journal = bind(dir, record, 0);
      opened.set(header.releaseId, Promise.resolve(journal));
      return journal;
    },

    open(releaseId: string) {
      const cached = opened.get(releaseId);
      if (cached) return cached;
      const pending = (async () => {
        const dir = releaseDir(releaseId);
        if (!(await isDirectory(dir)))
          throw new DomainError('notFound', `There is no release ${releaseId} in ${root}.`);
        await acquireReleaseLock(join(dir, JOURNAL_FILES.lock), releaseId, user, now());
        let loaded: Awaited<ReturnType<typeof loadRelease>>;
        try {
          loaded = await loadRelease(dir, releaseId);
        } catch (error) {
          await releaseReleaseLock(join(dir, JOURNAL_FILES.lock));
          throw error;
        }
        return bind(
          dir,
          { ...loaded.release.record, auditHead: loaded.head },
          loaded.auditBytes,
          loaded.release.recovered,
          loaded.tornTail,
        );
      })();
      opened.set(releaseId, pending);
      pending.catch(() => opened.delete(releaseId));
      return pending;
    },

    async readRelease(releaseId: string) {
      const dir = releaseDir(releaseId);
      if (!(await isDirectory(dir)))
        throw new DomainError('notFound', `There is no release ${releaseId} in ${root}.`);
      return readStoredRelease(dir, releaseId);
    },

    async readAudit(releaseId: string) {
      const dir = releaseDir(releaseId);
      if (!(await isDirectory(dir)))
        throw new DomainError('notFound', `There is no release ${releaseId} in ${root}.`);
      const verification = await verifyAudit(dir);
      if (!verification.ok && verification.line === 0)
        throw new DomainError('notFound', `Release ${releaseId} has no audit log in ${dir}.`);
      return { entries: (await readAudit(dir, releaseId)).entries, verification };
    },

    healthLog: (releaseId: string) => createHealthLog(healthFile(releaseId), options.health),

    readHealth: (releaseId: string) => readHealthFile(healthFile(releaseId)),

    async listReleases(listOptions) {
      let names: string[];
      try {
        names = (await readdir(root, { withFileTypes: true }))
          .filter((d) => d.isDirectory())
          .map((d) => d.name);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return [];
        throw error;
      }
      const summaries = await Promise.all(
        names
          .filter((name) => RELEASE_ID.test(name))
          .map(async (releaseId): Promise<ReleaseSummary> => {
            try {
              const record = await readListedRelease(join(root, releaseId), releaseId);
              return {
                readable: true,
                releaseId,
                header: record.header,
                status: record.status,
                savedAtMs: record.savedAtMs,
                unfinished: UNFINISHED.has(record.status),
              };
            } catch (error) {
              const problem =
                error instanceof DomainError ? error.message : `Release ${releaseId} cannot be read.`;
              return { readable: false, releaseId, problem, unfinished: true };
            }
          }),
      );
      const rank = (s: ReleaseSummary) => (s.readable ? s.header.startedAtMs : Number.NEGATIVE_INFINITY);
      return summaries
        .filter((s) => !listOptions?.unfinishedOnly || s.unfinished)
        .sort((a, b) => rank(b) - rank(a) || a.releaseId.localeCompare(b.releaseId));
    },
  };
}
