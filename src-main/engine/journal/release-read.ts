import { join } from 'node:path';
import { z } from 'zod';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import {
  RELEASE_SNAPSHOT_FORMAT,
  RELEASE_SNAPSHOT_VERSION,
  type PersistedRelease,
  type ReleaseRecord,
  type StoredRelease,
} from '../../ports/journal.port.ts';
import { errorCode, JOURNAL_FILES, readLatestRecord } from './journal-files.ts';

const HeaderSchema = z.object({
  releaseId: z.string(),
  context: z.string(),
  namespace: z.string(),
  strategy: z.string(),
  planName: z.string(),
  startedAtMs: z.number(),
});

/*
 * The plan was checked by the plan schema when the release started and is kept exactly as it was saved (the
 * plan schema's defaults and transforms would change it): only the fields every reader relies on are checked.
 */
const StoredPlanSchema = z.looseObject({
  name: z.string(),
  target: z.looseObject({
    name: z.string(),
    namespace: z.string(),
    image: z.string(),
  }),
  strategy: z.looseObject({ kind: z.string() }),
});

const PersistedReleaseSchema = z.looseObject({
  format: z.literal(RELEASE_SNAPSHOT_FORMAT, {
    error: `is not a Switchyard release snapshot (format "${RELEASE_SNAPSHOT_FORMAT}")`,
  }),
  version: z.literal(RELEASE_SNAPSHOT_VERSION, {
    error: (issue) =>
      `was saved with machine snapshot version ${String(issue.input)}; this build reads version ${RELEASE_SNAPSHOT_VERSION}`,
  }),
  machine: z.string(),
  plan: StoredPlanSchema,
  xstate: z.unknown(),
  confirmedCommands: z.string().optional(),
});

/** What listing a release reads: everything but the runner's snapshot. */
const RecordHeadSchema = z.looseObject({
  schemaVersion: z.number(),
  header: HeaderSchema,
  status: z.enum(['running', 'paused', 'succeeded', 'aborted', 'rolledBack', 'failed']),
  savedAtMs: z.number(),
  auditHead: z.object({ seq: z.number(), hash: z.string() }),
});

const RecordSchema = RecordHeadSchema.extend({ snapshot: PersistedReleaseSchema.nullable() });

/** `snapshot.plan.target: expected string` for the first problem zod found. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'is not a release record';
  const where = issue.path.length > 0 ? issue.path.join('.') : 'the record';
  return `${where} ${issue.message}`;
}

/**
 * Reads and checks the saved state of the release in `dir` once, without locking it: the record's checksum
 * (falling back to the previous record when the latest is damaged), then its shape. Rejects with a
 * `DomainError` `invalidConfig` naming the file and what is wrong with it.
 */
export async function readStoredRelease(dir: string, releaseId: string): Promise<StoredRelease> {
  let latest: Awaited<ReturnType<typeof readLatestRecord>>;
  try {
    latest = await readLatestRecord(dir, releaseId);
  } catch (error) {
    const path = join(dir, JOURNAL_FILES.record);
    if (error instanceof DomainError)
      throw new DomainError('invalidConfig', `${error.message} (${path})`, [path]);
    throw new DomainError(
      'invalidConfig',
      `Release ${releaseId} cannot be read: ${path} (${errorCode(error) ?? String(error)}).`,
      [path],
    );
  }
  checkShape(RecordSchema, latest.record, latest.path, releaseId);
  // The parsed copy only vouches for the shape; the record is returned as saved (plan untouched).
  const record = latest.record as ReleaseRecord;
  const release = record.snapshot as (PersistedRelease & Record<string, unknown>) | null;
  return { record, release, path: latest.path, recovered: latest.recovered };
}

function checkShape(schema: z.ZodType, record: unknown, path: string, releaseId: string): void {
  const parsed = schema.safeParse(record);
  if (!parsed.success)
    throw new DomainError(
      'invalidConfig',
      `Release ${releaseId} cannot be read: in ${path}, ${firstIssue(parsed.error)}.`,
      [path],
    );
}

/**
 * The saved state of the release in `dir` as a listing reads it: like `readStoredRelease`, but the runner's
 * snapshot is not read (the header, status and times are).
 */
export async function readListedRelease(dir: string, releaseId: string): Promise<ReleaseRecord> {
  const latest = await readLatestRecord(dir, releaseId);
  checkShape(RecordHeadSchema, latest.record, latest.path, releaseId);
  return latest.record;
}
