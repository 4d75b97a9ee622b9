import type { Clock } from '../ports/clock.port.ts';

/** A time the computer slept, seen on waking. Times are wall-clock milliseconds since the Unix epoch. */
export interface SleepGap {
  /** When the sleep began (to within one check interval). */
  fromMs: number;
  /** When it was noticed, just after waking. */
  toMs: number;
  /** How long it slept, milliseconds. */
  sleptMs: number;
}

export interface SleepDetectorOptions {
  /** The wall clock, milliseconds since the Unix epoch; default `Date.now`. It keeps counting while the computer sleeps. */
  wallNow?: () => number;
  /**
   * A monotonic clock, milliseconds; default `performance.now`. It stops while the computer sleeps
   * (CLOCK_MONOTONIC on Linux, mach_absolute_time on macOS), which is what tells a sleep apart.
   */
  monoNow?: () => number;
  /** Milliseconds between two checks; default 5 000. */
  intervalMs?: number;
  /** A gap shorter than this many milliseconds is not a sleep (timer jitter, a busy event loop); default 30 000. */
  thresholdMs?: number;
}

/** Notices when the computer slept: the wall clock moved on while the monotonic clock did not. */
export interface SleepDetector {
  /** Compares both clocks with the last check; returns the gap when the computer slept since, else null. Listeners hear it too. */
  check(): SleepGap | null;
  /** Calls `listener` after every sleep; returns the unsubscribe function. */
  onSleep(listener: (gap: SleepGap) => void): () => void;
  /** Checks every `intervalMs` until `stop` (the timer never keeps the process alive). */
  start(): void;
  stop(): void;
}

/** A detector over injectable clocks; call `start()` to check on a timer, or `check()` yourself. */
export function createSleepDetector(options: SleepDetectorOptions = {}): SleepDetector {
  const wallNow = options.wallNow ?? (() => Date.now());
  const monoNow = options.monoNow ?? (() => performance.now());
  const threshold = options.thresholdMs ?? 30_000;
  const listeners = new Set<(gap: SleepGap) => void>();
  let lastWall = wallNow();
  let lastMono = monoNow();
  let timer: ReturnType<typeof setInterval> | undefined;
  const detector: SleepDetector = {
    check() {
      const wall = wallNow();
      const mono = monoNow();
      const sleptMs = wall - lastWall - (mono - lastMono);
      lastWall = wall;
      lastMono = mono;
      if (!(sleptMs > threshold)) return null;
      const gap = { fromMs: wall - sleptMs, toMs: wall, sleptMs };
      for (const l of listeners) l(gap);
      return gap;
    },
    onSleep(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start() {
      if (timer) return;
      timer = setInterval(() => detector.check(), options.intervalMs ?? 5_000);
      timer.unref?.();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
  return detector;
}

/** A release clock that counts the time the computer slept as elapsed. */
export interface SleepAwareClock extends Clock {
  /**
   * Moves this clock forward by `ms` milliseconds (the time slept) and ends every pending `sleep` whose
   * end has now passed, so a pause is judged on real time instead of the time the process was awake.
   */
  credit(ms: number): void;
  /** Milliseconds credited so far. */
  readonly creditedMs: number;
}

/**
 * Wraps `inner` (a clock whose time stops while the computer sleeps, like `createScaledClock`) so that
 * `credit` can add the time slept: `now()` jumps forward and pending sleeps re-check their end at once.
 */
export function createSleepAwareClock(inner: Clock): SleepAwareClock {
  let creditedMs = 0;
  const wakers = new Set<() => void>();
  const now = () => inner.now() + creditedMs;
  return {
    speed: inner.speed,
    now,
    get creditedMs() {
      return creditedMs;
    },
    credit(ms) {
      if (!(ms > 0)) return;
      creditedMs += ms;
      for (const wake of [...wakers]) wake();
    },
    async sleep(ms, signal) {
      const end = now() + ms;
      for (;;) {
        const remaining = end - now();
        if (remaining <= 0) return;
        if (signal?.aborted) throw abortError();
        const chunk = new AbortController();
        const wake = () => chunk.abort();
        const outer = () => chunk.abort();
        wakers.add(wake);
        signal?.addEventListener('abort', outer, { once: true });
        try {
          await inner.sleep(remaining, chunk.signal);
        } catch (error) {
          if (signal?.aborted) throw error;
          // Woken by a credit: loop and compare with the new time.
        } finally {
          wakers.delete(wake);
          signal?.removeEventListener('abort', outer);
        }
      }
    },
  };
}

function abortError(): Error {
  return Object.assign(new Error('The wait was aborted.'), { name: 'AbortError' });
}
