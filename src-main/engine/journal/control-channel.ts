import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import { OperatorEventSchema, type OperatorEvent } from '../../../src-shared/release/release.schema.ts';
import { formatDateTime } from '../../../src-shared/format/time.ts';

/*
 * The local control channel between the process that drives a release (the console's release service, or
 * `switchyard run`) and every other console or CLI of the same user on this computer. It goes through the
 * journal directory only (no socket, nothing on the network, the same on every OS):
 *   <journal>/<ID>/runner.json           the marker of the driver of release ID (DriverMarker) with the driver's
 *                                        random token, mode 0600 (only the user reads it); removed when the
 *                                        driver stops driving the release.
 *   <journal>/<ID>/control/<n>.json      one request { token, event }, written atomically (temp file + rename).
 *   <journal>/<ID>/control/<n>.ack.json  the driver's answer { ok, message }.
 * A request without the driver's token is refused. The driver polls every 200 ms and touches its marker every
 * 5 s; a marker whose process is gone, or untouched for 30 s (a reused pid, a hung process), is stale. A sender
 * waits up to 5 s for the answer.
 */

const CONTROL_DIR = 'control';
const RUNNER_FILE = 'runner.json';
const POLL_MS = 200;
/** How often a driver touches its marker, and how old a marker may be before it counts as stale. */
const HEARTBEAT_MS = 5_000;
const STALE_MS = 30_000;

/** What drives a release: the console (web shell or Electron) or `switchyard run`. */
export type DriverKind = 'console' | 'run';

/** The marker a driver keeps in a release's journal folder while it drives it. */
export interface DriverMarker {
  readonly pid: number;
  /** When this driver started driving the release (epoch milliseconds). */
  readonly startedAtMs: number;
  /** The driver's random id. */
  readonly driverId: string;
  readonly kind: DriverKind;
  /** `web` or `electron` for a console. */
  readonly shell?: string;
}

/** An operator event with who sent it, as a request carries it. */
export type ControlEvent = OperatorEvent & { by?: string };

/** One process that drives releases and answers control requests for each of them. */
export interface ControlDriver {
  /** This driver's random id (distinct for every driver, also within one process). */
  readonly id: string;
  /**
   * Marks this driver as the driver of `releaseId` and answers its control requests: `onEvent` applies one
   * and returns the answer sentence, or throws an Error whose message says why the release does not take it.
   * Returns the function that stops answering and removes the marker.
   */
  serve(releaseId: string, onEvent: (event: ControlEvent) => string): () => void;
  /** Stops answering for every release and removes their markers. */
  close(): void;
}

/** Creates a control driver (one per console or run) for the journal in `journalDir`, with its random token. */
export function createControlDriver(
  journalDir: string,
  who: { kind: DriverKind; shell?: string },
): ControlDriver {
  const id = randomBytes(8).toString('hex');
  const token = randomBytes(32).toString('hex');
  const served = new Map<string, () => void>();
  return {
    id,
    serve(releaseId, onEvent) {
      served.get(releaseId)?.();
      const releaseDir = join(journalDir, releaseId);
      const dir = join(releaseDir, CONTROL_DIR);
      mkdirSync(dir, { recursive: true });
      const marker: DriverMarker = {
        pid: process.pid,
        startedAtMs: Date.now(),
        driverId: id,
        kind: who.kind,
        ...(who.shell ? { shell: who.shell } : {}),
      };
      const markerFile = join(releaseDir, RUNNER_FILE);
      // Written whole (temp file + rename) so a reader never sees half a marker; 0600 also over an old temp file.
      const tmp = `${markerFile}.${id}.tmp`;
      writeFileSync(tmp, JSON.stringify({ ...marker, token }), { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, markerFile);
      let touchedAtMs = Date.now();
      const timer = setInterval(() => {
        answerRequests(dir, token, onEvent);
        if (Date.now() - touchedAtMs < HEARTBEAT_MS) return;
        touchedAtMs = Date.now();
        try {
          const now = new Date();
          utimesSync(markerFile, now, now);
        } catch {
          // The release folder is gone (deleted by hand): nothing to keep alive.
        }
      }, POLL_MS);
      timer.unref(); // the release keeps the process alive, not its control channel
      const stop = () => {
        clearInterval(timer);
        served.delete(releaseId);
        // Another driver may have taken the release over meanwhile; its marker stays.
        if (readMarker(journalDir, releaseId)?.driverId === id) rmSync(markerFile, { force: true });
      };
      served.set(releaseId, stop);
      return stop;
    },
    close() {
      for (const stop of [...served.values()]) stop();
    },
  };
}

/**
 * The driver of `releaseId` when a live process drives it, else undefined: a marker whose process is gone,
 * or that its driver stopped touching, is stale, not "driven".
 */
export function liveDriver(journalDir: string, releaseId: string): DriverMarker | undefined {
  const marker = readMarker(journalDir, releaseId);
  if (!marker) return undefined;
  try {
    if (Date.now() - statSync(join(journalDir, releaseId, RUNNER_FILE)).mtimeMs > STALE_MS) return undefined;
    process.kill(marker.pid, 0);
    const { pid, startedAtMs, driverId, kind, shell } = marker;
    return { pid, startedAtMs, driverId, kind, ...(shell ? { shell } : {}) };
  } catch {
    // EPERM: the process exists but belongs to someone else, so it is not this user's driver.
    return undefined;
  }
}

/**
 * Hands `event` to the live driver of `releaseId` and resolves with its answer sentence. Errors
 * (DomainError): notFound when there is no such release or nothing drives it, conflict when the release does
 * not take the event now (or the driver refused the request), timeout when the driver does not answer within
 * `waitMs` milliseconds.
 */
export async function sendControl(
  journalDir: string,
  releaseId: string,
  event: ControlEvent,
  waitMs = 5_000,
): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(releaseId))
    throw new DomainError('badRequest', `"${releaseId}" is not a release id.`);
  if (!existsSync(join(journalDir, releaseId)))
    throw new DomainError('notFound', `No release ${releaseId} in ${journalDir}.`);
  const token = liveDriver(journalDir, releaseId) && readMarker(journalDir, releaseId)?.token;
  if (!token)
    throw new DomainError(
      'notFound',
      `Nothing drives release ${releaseId} now (no console or switchyard run has it open); continue it with: switchyard run --resume ${releaseId} ...`,
    );
  const answer = await request(journalDir, releaseId, { token, event }, waitMs);
  if (!answer.ok) throw new DomainError('conflict', answer.message);
  return answer.message;
}

/** Writes one raw request and waits for its answer; exported for tests of the driver's checks. */
export async function request(
  journalDir: string,
  releaseId: string,
  body: unknown,
  waitMs = 5_000,
): Promise<{ ok: boolean; message: string }> {
  const dir = join(journalDir, releaseId, CONTROL_DIR);
  mkdirSync(dir, { recursive: true });
  const name = `${Date.now()}-${randomBytes(4).toString('hex')}`;
  const tmp = join(dir, `${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(body), { mode: 0o600 });
  renameSync(tmp, join(dir, `${name}.json`));
  const ack = join(dir, `${name}.ack.json`);
  const end = Date.now() + waitMs;
  while (Date.now() < end) {
    if (existsSync(ack)) {
      const answer = JSON.parse(readFileSync(ack, 'utf8')) as { ok: boolean; message: string };
      rmSync(ack, { force: true });
      return answer;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  rmSync(join(dir, `${name}.json`), { force: true });
  throw new DomainError(
    'timeout',
    `The driver of release ${releaseId} did not answer within ${waitMs / 1000} s.`,
  );
}

function answerRequests(dir: string, token: string, onEvent: (event: ControlEvent) => string): void {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json') && !n.endsWith('.ack.json'))
      .sort();
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    let answer: { ok: boolean; message: string };
    try {
      answer = { ok: true, message: onEvent(readRequest(path, token)) };
    } catch (error) {
      answer = { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    rmSync(path, { force: true });
    writeFileSync(path.replace(/\.json$/, '.ack.json'), JSON.stringify(answer), { mode: 0o600 });
  }
}

function readRequest(path: string, token: string): ControlEvent {
  let raw: { token?: unknown; event?: { by?: unknown } };
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as typeof raw;
  } catch {
    throw new Error('The control request is not JSON.');
  }
  const given = Buffer.from(typeof raw.token === 'string' ? raw.token : '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new Error("The control request was refused: it does not carry this driver's token.");
  const parsed = OperatorEventSchema.safeParse(raw.event);
  if (!parsed.success) throw new Error('The control request does not hold an operator event.');
  const by = raw.event?.by;
  return { ...parsed.data, ...(typeof by === 'string' ? { by } : {}) };
}

function readMarker(journalDir: string, releaseId: string): (DriverMarker & { token?: string }) | undefined {
  try {
    const m = JSON.parse(readFileSync(join(journalDir, releaseId, RUNNER_FILE), 'utf8')) as DriverMarker & {
      token?: string;
    };
    return typeof m.pid === 'number' && typeof m.driverId === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Who drives a release, without the driver's id: what consoles and `switchyard status` show. */
export function driverSummary(d: DriverMarker): {
  kind: DriverKind;
  shell?: string;
  pid: number;
  /** When it started driving the release (epoch milliseconds). */
  sinceMs: number;
  /** "the console (web shell, pid 123) since 2026-12-06T10:02:03.000Z" */
  description: string;
} {
  return {
    kind: d.kind,
    ...(d.shell ? { shell: d.shell } : {}),
    pid: d.pid,
    sinceMs: d.startedAtMs,
    description: describeDriver(d),
  };
}

/** "the console (web shell, pid 123) since 2026-12-06 10:02:03 CET" — who drives a release, for people. */
export function describeDriver(d: DriverMarker): string {
  const who =
    d.kind === 'console'
      ? `the console (${d.shell === 'electron' ? 'desktop app' : 'web shell'}, pid ${d.pid})`
      : `switchyard run (pid ${d.pid})`;
  return `${who} since ${formatDateTime(d.startedAtMs)}`;
}
