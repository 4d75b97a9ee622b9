import type { HealthPoint } from '../../src-shared/bridge/contract.ts';
import type { ReleasePlan } from '../../src-shared/plan/plan.schema.ts';

/** The journal format this build reads and writes. A release written with another version is refused. */
export const JOURNAL_SCHEMA_VERSION = 1;

/** Where a release stands. `running` and `paused` are unfinished: they are offered for resume. */
export type ReleaseStatus = 'running' | 'paused' | 'succeeded' | 'aborted' | 'rolledBack' | 'failed';

/** What a release is, fixed when it starts. */
export interface ReleaseHeader {
  /** Also the name of the release's directory: letters, digits, `.`, `_`, `-`. */
  releaseId: string;
  /** The kubeconfig context the release runs against. */
  context: string;
  namespace: string;
  /** The strategy machine's name, e.g. `canary`. */
  strategy: string;
  planName: string;
  /** Milliseconds since the Unix epoch. */
  startedAtMs: number;
}

/** Who made a change: the OS user and the kubeconfig context the change was made through. */
export interface AuditActor {
  user: string;
  context: string;
}

/** A change to record. Secrets in any field are redacted before anything is written. */
export interface AuditEventInput {
  /** What happened, short and stable, e.g. `setWeight`, `abort`, `promote`. */
  what: string;
  /** Why, as a plain sentence with the evidence, e.g. `error rate 0.031 > 0.02 for 2 m`. */
  why: string;
  /** Structured evidence (query, samples, threshold, step…); must be JSON-serialisable. */
  data?: unknown;
  /** Overrides the journal's default actor, e.g. when an operator acts through another context. */
  who?: Partial<AuditActor>;
}

/** One line of the append-only audit log. */
export interface AuditEntry {
  /** 1-based position in the log. */
  seq: number;
  /** When, as an ISO-8601 UTC timestamp. */
  at: string;
  who: AuditActor;
  what: string;
  why: string;
  data?: unknown;
  /** sha256 (hex) of the previous entry; for the first entry, of the release's genesis marker. */
  prevHash: string;
  /** sha256 (hex) over this entry's fields and `prevHash`. */
  hash: string;
}

/** The persisted state of a release, written atomically. */
export interface ReleaseRecord {
  schemaVersion: number;
  header: ReleaseHeader;
  status: ReleaseStatus;
  /** Milliseconds since the Unix epoch. */
  savedAtMs: number;
  /** The machine's persisted XState snapshot (secrets redacted); `null` before the machine first ran. */
  snapshot: unknown;
  /** The last audit entry when this record was written, so a truncated log is detected. */
  auditHead: { seq: number; hash: string };
}

/** The format tag and version of the machine snapshot the runner journals; another version is refused. */
export const RELEASE_SNAPSHOT_FORMAT = 'switchyard.release-machine';
export const RELEASE_SNAPSHOT_VERSION = 1;

/** What the release runner journals as a release's snapshot (`ReleaseRecord.snapshot`). */
export interface PersistedRelease {
  format: typeof RELEASE_SNAPSHOT_FORMAT;
  version: number;
  /** The strategy machine, e.g. `canary`. */
  machine: string;
  plan: ReleasePlan;
  /** XState's persisted snapshot; null before the machine first ran. */
  xstate: unknown;
  /** The digest of the plan's commands the user confirmed at start (`planCommands`); absent when it runs none. */
  confirmedCommands?: string;
}

/** A release's saved state read without locking it, its shape checked once. */
export interface StoredRelease {
  record: ReleaseRecord;
  /** The runner's saved state (other fields it carries, e.g. a finished rollback, are kept); null when none was saved yet. */
  release: (PersistedRelease & Record<string, unknown>) | null;
  /** The file the state was read from. */
  path: string;
  /** What had to be worked around, e.g. the latest file was damaged and the one before it was used. */
  recovered: string[];
}

/** The health timeline of one release, written in batches. */
export interface HealthLog {
  /** Queues points; they reach the disk with the next batch. Never throws. */
  append(points: readonly HealthPoint[]): void;
  /** Resolves when every point queued so far is written (a failed write drops its batch: the timeline has a gap). */
  flush(): Promise<void>;
  /** Flushes, then stops taking points. */
  close(): Promise<void>;
}

/** A release read back from disk, with anything that had to be repaired said in plain sentences. */
export interface LoadedRelease {
  record: ReleaseRecord;
  entries: AuditEntry[];
  /** E.g. `The last audit line was cut off mid-write and was dropped.`; empty when nothing was wrong. */
  recovered: string[];
}

/**
 * One release found in the journal. A release that cannot be read is listed too, with the reason, and
 * counts as unfinished so it is never silently forgotten.
 */
export type ReleaseSummary =
  | {
      readable: true;
      releaseId: string;
      header: ReleaseHeader;
      status: ReleaseStatus;
      /** Milliseconds since the Unix epoch. */
      savedAtMs: number;
      /** `running` or `paused`: the release can be resumed or rolled back. */
      unfinished: boolean;
    }
  | { readable: false; releaseId: string; problem: string; unfinished: true };

/** The outcome of checking an audit log's hash chain. */
export type AuditVerification =
  | {
      ok: true;
      entries: number;
      /** The last line was cut off mid-write (not an integrity problem). */ tornTail: boolean;
    }
  | {
      ok: false;
      /** Entries before the break, which are intact. */ entries: number;
      /** 1-based. */ line: number;
      problem: string;
    };

/** The journal of one release. Calls are applied in the order they are made. */
export interface ReleaseJournal {
  readonly header: ReleaseHeader;
  /** The release's directory. */
  readonly dir: string;
  /**
   * Appends `event` to the audit log, then writes `snapshot` and `status` atomically; resolves when
   * both are on disk (fsynced). Call it, and await it, before the next cluster mutation.
   * Anything under a secret-looking key (token, password, authorization, client key…) is dropped from
   * what is written, so keep secrets out of machine context. Rejects with a `DomainError` when the disk
   * refuses the write.
   */
  record(change: { status: ReleaseStatus; snapshot: unknown; event: AuditEventInput }): Promise<AuditEntry>;
  /**
   * Writes `snapshot` and `status` atomically without an audit entry, for a change nobody needs to read
   * about (the machine moved on within the same step); resolves when it is on disk (fsynced).
   */
  save(change: { status: ReleaseStatus; snapshot: unknown }): Promise<void>;
  /** Appends one audit entry durably without touching the snapshot. */
  append(event: AuditEventInput): Promise<AuditEntry>;
  /** Reads the release back (latest good record and intact entries), including what `open` repaired. */
  load(): Promise<LoadedRelease>;
  /** Waits for pending writes, then releases this process's lock on the release. Further calls reject. */
  close(): Promise<void>;
}

/** All releases under one directory. */
export interface Journal {
  /** The journal's root directory. */
  readonly dir: string;
  /**
   * Starts a release's journal and locks it for this process. Rejects with a `DomainError` (`conflict`)
   * when the id is taken, (`badRequest`) when it is not a safe directory name.
   */
  create(header: ReleaseHeader, snapshot?: unknown): Promise<ReleaseJournal>;
  /**
   * Opens an existing release and locks it for this process, dropping a torn last audit line and falling
   * back to the previous record when the latest one is damaged. Opening it again in this process returns
   * the same journal until it is closed. Rejects with a `DomainError`: `notFound`; `conflict` when another
   * live process holds the release; `invalidConfig` when it was written by another schema version, its
   * audit chain is broken, or nothing readable is left.
   */
  open(releaseId: string): Promise<ReleaseJournal>;
  /**
   * Releases under the root, newest first (unreadable ones last). With `unfinishedOnly`, only those to
   * offer for resume.
   */
  listReleases(options?: { unfinishedOnly?: boolean }): Promise<ReleaseSummary[]>;
  /**
   * A release's saved state, without locking it (another process may drive it), parsed and checked once.
   * Rejects with a `DomainError`: `notFound` when there is no such release, `badRequest` for an id that is not
   * one, `invalidConfig` naming the file and what is wrong with it when it cannot be read.
   */
  readRelease(releaseId: string): Promise<StoredRelease>;
  /**
   * A release's audit entries (those before any break) and the check of its hash chain. Rejects with a
   * `DomainError` `notFound` when the release has no audit log.
   */
  readAudit(releaseId: string): Promise<{ entries: AuditEntry[]; verification: AuditVerification }>;
  /** Opens the health timeline of a release for appending. */
  healthLog(releaseId: string): HealthLog;
  /** A release's health timeline, oldest first; lines cut off by a crash are skipped; empty when none was written. */
  readHealth(releaseId: string): Promise<HealthPoint[]>;
}
