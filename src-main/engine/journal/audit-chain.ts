import { createHash } from 'node:crypto';
import type { AuditEntry } from '../../ports/journal.port.ts';

/** JSON with object keys sorted at every level, so a hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** sha256 of a string, as 64 hex digits. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The `prevHash` of a release's first entry: ties the chain to the release, so logs cannot be swapped. */
export function genesisHash(releaseId: string): string {
  return sha256(`switchyard-audit:v1:${releaseId}`);
}

/** The hash an entry must carry: over every field except `hash` itself, `prevHash` included. */
export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, at, who, what, why, data, prevHash } = entry;
  return sha256(canonicalJson({ seq, at, who, what, why, data, prevHash }));
}

/** The result of reading an audit log's text. */
export interface ParsedAudit {
  /** Entries before the first problem, all verified. */
  entries: AuditEntry[];
  /** Byte length of the verified prefix (where a repair would truncate). */
  goodBytes: number;
  /** The last line had no newline or did not parse: a write cut short. */
  tornTail: boolean;
  /** The first integrity break, in plain words, with its 1-based line; absent when the chain holds. */
  broken?: { line: number; problem: string };
}

/**
 * Reads an audit log and checks every link: each line parses, `seq` counts up from 1, `prevHash` equals
 * the previous entry's `hash`, and `hash` matches the entry's content. Only the last line may be torn.
 */
export function parseAudit(text: string, releaseId: string): ParsedAudit {
  const entries: AuditEntry[] = [];
  let offset = 0;
  // UTF-8 bytes of the verified prefix: `offset` counts UTF-16 units, and a `why` may hold non-ASCII text.
  let bytes = 0;
  let previous = genesisHash(releaseId);
  let line = 0;
  while (offset < text.length) {
    line += 1;
    const newline = text.indexOf('\n', offset);
    const isLast = newline < 0 || newline === text.length - 1;
    const raw = text.slice(offset, newline < 0 ? text.length : newline);
    const entry = parseLine(raw);
    if (newline < 0 || (!entry && isLast)) return { entries, goodBytes: bytes, tornTail: true };
    const problem = entry
      ? linkProblem(entry, entries.length + 1, previous)
      : 'it is not a valid audit entry';
    if (problem)
      return {
        entries,
        goodBytes: bytes,
        tornTail: false,
        broken: { line, problem: describe(line, problem) },
      };
    entries.push(entry as AuditEntry);
    previous = (entry as AuditEntry).hash;
    bytes += utf8Length(raw) + 1;
    offset = newline + 1;
  }
  return { entries, goodBytes: bytes, tornTail: false };
}

function describe(line: number, problem: string): string {
  return `The audit log is broken at line ${line}: ${problem}. Entries before it are intact; this one or an earlier one was edited, removed or reordered.`;
}

function parseLine(raw: string): AuditEntry | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    if (!value || typeof value !== 'object') return undefined;
    const e = value as Partial<AuditEntry>;
    const valid =
      typeof e.seq === 'number' &&
      typeof e.at === 'string' &&
      typeof e.what === 'string' &&
      typeof e.why === 'string' &&
      typeof e.prevHash === 'string' &&
      typeof e.hash === 'string' &&
      typeof e.who === 'object' &&
      e.who !== null;
    return valid ? (e as AuditEntry) : undefined;
  } catch {
    return undefined;
  }
}

function linkProblem(entry: AuditEntry, expectedSeq: number, previousHash: string): string | undefined {
  if (entry.seq !== expectedSeq) return `entry number ${entry.seq} is where entry ${expectedSeq} should be`;
  if (entry.prevHash !== previousHash) {
    return expectedSeq === 1
      ? 'the first entry does not start this release’s chain'
      : `entry ${entry.seq} does not follow entry ${expectedSeq - 1} (its previous-hash does not match)`;
  }
  if (entryHash(entry) !== entry.hash)
    return `entry ${entry.seq} was changed after it was written (its hash does not match its content)`;
  return undefined;
}

const utf8 = new TextEncoder();

function utf8Length(text: string): number {
  return utf8.encode(text).length;
}
