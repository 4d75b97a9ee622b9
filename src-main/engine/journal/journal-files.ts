import { readFile, stat } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import {
  JOURNAL_SCHEMA_VERSION,
  type AuditEntry,
  type AuditVerification,
  type ReleaseRecord,
  type ReleaseStatus,
} from '../../ports/journal.port.ts';
import { canonicalJson, parseAudit, sha256, type ParsedAudit } from './audit-chain.ts';

/** File names inside a release's directory. */
export const JOURNAL_FILES = {
  lock: 'lock',
  record: 'release.json',
  previousRecord: 'release.prev.json',
  audit: 'audit.jsonl',
} as const;

export const RELEASE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const UNFINISHED: ReadonlySet<ReleaseStatus> = new Set(['running', 'paused']);

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

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export type RecordRead = { record: ReleaseRecord } | { problem: string };

/** Reads one record file; a record of another schema version is refused with a `DomainError`. */
export async function readRecordFile(path: string, releaseId: string): Promise<RecordRead> {
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

export async function readLatestRecord(
  dir: string,
  releaseId: string,
): Promise<{ record: ReleaseRecord; recovered: string[]; path: string }> {
  const latestPath = join(dir, JOURNAL_FILES.record);
  const latest = await readRecordFile(latestPath, releaseId);
  if ('record' in latest) return { record: latest.record, recovered: [], path: latestPath };
  const previousPath = join(dir, JOURNAL_FILES.previousRecord);
  const previous = await readRecordFile(previousPath, releaseId);
  if ('record' in previous) {
    return {
      record: previous.record,
      path: previousPath,
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

export async function readAudit(dir: string, releaseId: string): Promise<ParsedAudit> {
  let text = '';
  try {
    text = await readFile(join(dir, JOURNAL_FILES.audit), 'utf8');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  return parseAudit(text, releaseId);
}

/** Why the log does not reach the entry the saved record points at, or undefined when it does. */
export function headProblem(entries: AuditEntry[], head: ReleaseRecord['auditHead']): string | undefined {
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

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
