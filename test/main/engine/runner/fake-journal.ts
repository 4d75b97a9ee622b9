import { DomainError } from '../../../../src-shared/bridge/errors.ts';
import {
  JOURNAL_SCHEMA_VERSION,
  type AuditEntry,
  type AuditEventInput,
  type Journal,
  type ReleaseHeader,
  type ReleaseJournal,
  type ReleaseRecord,
  type HealthLog,
  type StoredRelease,
} from '../../../../src-main/ports/journal.port.ts';

interface Stored {
  record: ReleaseRecord;
  entries: AuditEntry[];
}

/**
 * An in-memory test double of the journal (the real file journal has its own tests): records and audit
 * entries go through a JSON round trip, as they would on disk, so a "restart" sees only what was written.
 */
export class FakeMemoryJournal implements Journal {
  readonly dir = '/fake-journal';
  readonly releases = new Map<string, Stored>();

  constructor(private readonly now: () => number) {}

  async create(header: ReleaseHeader, snapshot: unknown = null): Promise<ReleaseJournal> {
    if (this.releases.has(header.releaseId))
      throw new DomainError('conflict', `Release ${header.releaseId} already exists.`);
    this.releases.set(header.releaseId, {
      record: {
        schemaVersion: JOURNAL_SCHEMA_VERSION,
        header,
        status: 'running',
        savedAtMs: this.now(),
        snapshot: JSON.parse(JSON.stringify(snapshot)),
        auditHead: { seq: 0, hash: '' },
      },
      entries: [],
    });
    return this.open(header.releaseId);
  }

  async open(releaseId: string): Promise<ReleaseJournal> {
    const stored = this.releases.get(releaseId);
    if (!stored) throw new DomainError('notFound', `No release ${releaseId} in the journal.`);
    const append = async (event: AuditEventInput): Promise<AuditEntry> => {
      const entry: AuditEntry = {
        seq: stored.entries.length + 1,
        at: new Date(this.now()).toISOString(),
        who: { user: 'alice', context: stored.record.header.context, ...event.who },
        what: event.what,
        why: event.why,
        ...(event.data === undefined ? {} : { data: JSON.parse(JSON.stringify(event.data)) }),
        prevHash: '',
        hash: String(stored.entries.length + 1),
      };
      stored.entries.push(entry);
      return entry;
    };
    return {
      header: stored.record.header,
      dir: `${this.dir}/${releaseId}`,
      append,
      async record(change) {
        const entry = await append(change.event);
        stored.record = {
          ...stored.record,
          status: change.status,
          snapshot: JSON.parse(JSON.stringify(change.snapshot)),
          auditHead: { seq: entry.seq, hash: entry.hash },
        };
        return entry;
      },
      async save(change) {
        stored.record = {
          ...stored.record,
          status: change.status,
          snapshot: JSON.parse(JSON.stringify(change.snapshot)),
        };
      },
      close: async () => undefined,
      load: async () => ({
        record: JSON.parse(JSON.stringify(stored.record)),
        entries: [...stored.entries],
        recovered: [],
      }),
    };
  }

  async listReleases() {
    return [...this.releases.values()].map((s) => ({
      readable: true as const,
      releaseId: s.record.header.releaseId,
      header: s.record.header,
      status: s.record.status,
      savedAtMs: s.record.savedAtMs,
      unfinished: s.record.status === 'running' || s.record.status === 'paused',
    }));
  }

  async readRelease(releaseId: string): Promise<StoredRelease> {
    const stored = this.releases.get(releaseId);
    if (!stored) throw new DomainError('notFound', `No release ${releaseId} in the journal.`);
    const record = JSON.parse(JSON.stringify(stored.record)) as ReleaseRecord;
    return {
      record,
      release: record.snapshot as StoredRelease['release'],
      path: `${this.dir}/${releaseId}/release.json`,
      recovered: [],
    };
  }

  async readAudit(releaseId: string) {
    const stored = this.releases.get(releaseId);
    if (!stored) throw new DomainError('notFound', `No release ${releaseId} in the journal.`);
    return {
      entries: [...stored.entries],
      verification: { ok: true as const, entries: stored.entries.length, tornTail: false },
    };
  }

  /** Health is not kept by this double. */
  healthLog(): HealthLog {
    return { append: () => undefined, flush: async () => undefined, close: async () => undefined };
  }

  async readHealth() {
    return [];
  }
}
