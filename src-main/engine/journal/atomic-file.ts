import { open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/**
 * Replaces `path` with `content` so that a crash leaves either the old file or the new one, never a mix:
 * writes a temporary sibling, fsyncs it, renames it over `path`, then fsyncs the directory so the rename
 * itself survives a power cut. With `keepPreviousAs`, the file being replaced is first renamed there,
 * so one earlier good version stays on disk.
 */
export async function writeFileAtomic(path: string, content: string, keepPreviousAs?: string): Promise<void> {
  counter += 1;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter}.tmp`);
  await writeSynced(temp, 'w', content);
  if (keepPreviousAs) {
    try {
      await rename(path, keepPreviousAs);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

/** fsyncs a directory so entries created, renamed or removed in it are durable. A no-op on Windows. */
export async function syncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory as a file; NTFS journals renames itself.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Appends `content` to `path` and fsyncs it before resolving. */
export async function appendDurably(path: string, content: string): Promise<void> {
  await writeSynced(path, 'a', content);
}

/** Writes (`w`) or appends (`a`) `content` to `path`, created readable by its owner only, and fsyncs it. */
async function writeSynced(path: string, flags: 'w' | 'a', content: string): Promise<void> {
  const handle = await open(path, flags, 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
