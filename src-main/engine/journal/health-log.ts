import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HealthPointSchema, type HealthPoint } from '../../../src-shared/bridge/contract.ts';
import type { HealthLog } from '../../ports/journal.port.ts';
import { errorCode } from './journal-files.ts';

/** Points queued before a batch is written at once, whatever the interval. */
const BATCH_POINTS = 256;

export interface HealthLogOptions {
  /** Real milliseconds points wait before their batch is written; default 5 000. */
  flushMs?: number;
}

/**
 * A health timeline in a JSON-lines file, written in batches: points are queued and written together every
 * `flushMs` (or once 256 wait), in one append per batch, one batch at a time, and on `flush`/`close`. A crash
 * mid-write leaves at most one cut-off last line, which `readHealthFile` skips: a line is whole or ignored.
 */
export function createHealthLog(file: string, options: HealthLogOptions = {}): HealthLog {
  let queued: HealthPoint[] = [];
  let writing: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let dirReady: Promise<unknown> | undefined;
  // Whether the file (written before, maybe by a process that crashed) ends mid-line; checked once.
  let endsMidLine: Promise<boolean> | undefined;

  const write = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = queued;
    queued = [];
    if (batch.length === 0) return writing;
    const text = batch.map((p) => JSON.stringify(p)).join('\n') + '\n';
    writing = writing.then(async () => {
      try {
        await (dirReady ??= mkdir(dirname(file), { recursive: true }));
        // A file cut off mid-line by a crash gets its next batch on a line of its own.
        const newline = (await (endsMidLine ??= lastByteIsNotNewline(file))) ? '\n' : '';
        endsMidLine = Promise.resolve(false);
        await appendFile(file, newline + text);
      } catch {
        dirReady = undefined;
        // A batch the disk refused is a gap in the timeline; the analysis never depends on it.
      }
    });
    return writing;
  };

  return {
    append(points) {
      if (closed || points.length === 0) return;
      queued.push(...points);
      if (queued.length >= BATCH_POINTS) void write();
      else timer ??= setTimeout(() => void write(), options.flushMs ?? 5_000);
    },
    flush: write,
    async close() {
      closed = true;
      await write();
    },
  };
}

async function lastByteIsNotNewline(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size === 0) return false;
      const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
      return buffer[0] !== 0x0a;
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** The points in a health file, oldest first; a line that is not a whole point is skipped; [] without a file. */
export async function readHealthFile(file: string): Promise<HealthPoint[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
  const points: HealthPoint[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const parsed = HealthPointSchema.safeParse(JSON.parse(line));
      if (parsed.success) points.push(parsed.data);
    } catch {
      // A line cut off by a crash mid-write.
    }
  }
  return points;
}
