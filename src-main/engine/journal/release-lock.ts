import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { formatDateTime } from '../../../src-shared/format/time.ts';

/** Who holds a release's lock. */
export interface LockOwner {
  pid: number;
  host: string;
  user: string;
  /** Milliseconds since the Unix epoch. */
  sinceMs: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock file at `path` for this process, so two processes never write one release's journal
 * (their audit chains would fork). A lock left by a process that no longer runs on this host, or one
 * that cannot be read, is taken over. Rejects with a `DomainError` (`conflict`) naming the holder
 * when another live process, or another host, holds it.
 */
export async function acquireReleaseLock(
  path: string,
  releaseId: string,
  user: string,
  nowMs: number,
): Promise<void> {
  const me: LockOwner = { pid: process.pid, host: hostname(), user, sinceMs: nowMs };
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(me));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const owner = await readOwner(path);
  const stale = !owner || (owner.host === me.host && (owner.pid === me.pid || !isAlive(owner.pid)));
  if (!stale) {
    const since = formatDateTime(owner.sinceMs);
    throw new DomainError(
      'conflict',
      `Release ${releaseId} is being run by ${owner.user} (process ${owner.pid} on ${owner.host}, since ${since}). Stop that run first, or send it your commands (abort, promote) instead.`,
    );
  }
  await writeFileAtomic(path, JSON.stringify(me));
}

/** Removes the lock at `path` if this process holds it. Never throws. */
export async function releaseReleaseLock(path: string): Promise<void> {
  const owner = await readOwner(path);
  if (owner && owner.pid === process.pid && owner.host === hostname())
    await rm(path, { force: true }).catch(() => undefined);
}
