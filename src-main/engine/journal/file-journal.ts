import { mkdir, readdir, readFile, stat, truncate } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import {
  JOURNAL_SCHEMA_VERSION,
  type AuditActor,
  type AuditEntry,
  type AuditEventInput,
  type AuditVerification,
  type Journal,
  type LoadedRelease,
  type ReleaseHeader,
  type ReleaseJournal,
  type ReleaseRecord,
  type ReleaseStatus,
  type ReleaseSummary,
} from '../../ports/journal.port.ts';
import { appendDurably, syncDirectory, writeFileAtomic } from './atomic-file.ts';
import {
  canonicalJson,
  entryHash,
  genesisHash,
  parseAudit,
  sha256,
  type ParsedAudit,
} from './audit-chain.ts';
import { redactSecrets, redactString } from '../../../src-shared/redact/redact.ts';
import { acquireReleaseLock, releaseReleaseLock } from './release-lock.ts';

/** File names inside a release's directory. */
export const JOURNAL_FILES = {
  lock: 'lock',
  record: 'release.json',
  previousRecord: 'release.prev.json',
  audit: 'audit.jsonl',
} as const;

export interface FileJournalOptions {
  /** Root directory; each release gets a sub-directory named by its id. Created when missing. */
  dir: string;
  /** The OS user named in audit entries. Default: the current user. */
  user?: string;
  /** Wall clock in milliseconds since the Unix epoch. Default `Date.now`. */
  now?: () => number;
}

const RELEASE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const UNFINISHED: ReadonlySet<ReleaseStatus> = new Set(['running', 'paused']);

/** Where releases are journaled by default: `$XDG_STATE_HOME/switchyard/releases` or its per-OS equivalent. */
export function defaultJournalDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'darwin')
    return join(homedir(), 'Library', 'Application Support', 'Switchyard', 'releases');
  if (platform === 'win32')
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Switchyard', 'releases');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'switchyard', 'releases');
}

/**
 * A release id that sorts by start time and is safe as a directory name, e.g.
 * `checkout-canary-20261126T154501Z-3fa9`. `nowMs` is milliseconds since the Unix epoch.
 */
export function newReleaseId(planName: string, nowMs: number = Date.now()): string {
  const slug =
    planName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'release';
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const random = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${slug}-${stamp}-${random}`;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

type RecordRead = { record: ReleaseRecord } | { problem: string };

/** Reads one record file; a record of another schema version is refused with a `DomainError`. */
async function readRecordFile(path: string, releaseId: string): Promise<RecordRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { problem: 'is missing' };
    throw error;
  }
  let parsed: (ReleaseRecord & { checksum?: unknown }) | undefined;
  try {
    parsed = JSON.parse(text) as ReleaseRecord & { checksum?: unknown };
  } catch {
    return { problem: 'is cut short or not JSON' };
  }
  if (!parsed || typeof parsed !== 'object') return { problem: 'is not a release record' };
  if (parsed.schemaVersion !== JOURNAL_SCHEMA_VERSION) {
    throw new DomainError(
      'invalidConfig',
      `Release ${releaseId} was journaled with format version ${String(parsed.schemaVersion)}, but this Switchyard reads only version ${JOURNAL_SCHEMA_VERSION}. Open it with the Switchyard version that started it.`,
    );
  }
  const { checksum, ...record } = parsed;
  if (checksum !== sha256(canonicalJson(record))) return { problem: 'does not match its checksum' };
  return { record };
}

async function readLatestRecord(
  dir: string,
  releaseId: string,
): Promise<{ record: ReleaseRecord; recovered: string[] }> {
  const latest = await readRecordFile(join(dir, JOURNAL_FILES.record), releaseId);
  if ('record' in latest) return { record: latest.record, recovered: [] };
  const previous = await readRecordFile(join(dir, JOURNAL_FILES.previousRecord), releaseId);
  if ('record' in previous) {
    return {
      record: previous.record,
      recovered: [
        `The latest saved state of release ${releaseId} ${latest.problem}; the one before it was used.`,
      ],
    };
  }
  throw new DomainError(
    'invalidConfig',
    `Release ${releaseId} has no readable saved state: the latest ${latest.problem} and the previous ${previous.problem}.`,
  );
}

async function readAudit(dir: string, releaseId: string): Promise<ParsedAudit> {
  let text = '';
  try {
    text = await readFile(join(dir, JOURNAL_FILES.audit), 'utf8');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  return parseAudit(text, releaseId);
}

/** Why the log does not reach the entry the saved record points at, or undefined when it does. */
function headProblem(entries: AuditEntry[], head: ReleaseRecord['auditHead']): string | undefined {
  if (head.seq === 0) return undefined;
  const entry = entries[head.seq - 1];
  if (!entry) {
    return `The audit log ends after entry ${entries.length}, but the release was saved after entry ${head.seq}: entries were removed from its end.`;
  }
  if (entry.hash !== head.hash)
    return `Audit entry ${head.seq} is not the one the release was saved with: the log was rewritten.`;
  return undefined;
}

/**
 * Checks the audit log in a release directory: every line's hash, every link to the entry before it,
 * and that the log still reaches the entry the saved state points at. Reports the first break in plain
 * words. A last line cut off mid-write is not a break (`tornTail`). A missing log is reported as a break
 * at line 0. Never throws for a damaged log; rejects only when the disk cannot be read.
 */
export async function verifyAudit(dir: string): Promise<AuditVerification> {
  const releaseId = basename(dir);
  try {
    await stat(join(dir, JOURNAL_FILES.audit));
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    return { ok: false, entries: 0, line: 0, problem: `There is no audit log in ${dir}.` };
  }
  const audit = await readAudit(dir, releaseId);
  if (audit.broken) return { ok: false, entries: audit.entries.length, ...audit.broken };
  try {
    const { record } = await readLatestRecord(dir, releaseId);
    const problem = headProblem(audit.entries, record.auditHead);
    if (problem) return { ok: false, entries: audit.entries.length, line: audit.entries.length + 1, problem };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // Without a saved state only the chain itself can be checked.
  }
  return { ok: true, entries: audit.entries.length, tornTail: audit.tornTail };
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
              const { record } = await readLatestRecord(join(root, releaseId), releaseId);
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

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
