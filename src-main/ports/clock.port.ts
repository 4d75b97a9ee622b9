/**
 * Time as the engine and the sandbox see it. A scaled clock runs `speed` times faster than real
 * time, so a 10-minute pause at speed 60 takes 10 real seconds.
 */
export interface Clock {
  /** Current time in milliseconds since the Unix epoch, on this clock. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds of this clock's time have passed.
   * Rejects with an `AbortError` when `signal` aborts first.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** How many clock milliseconds pass per real millisecond (1 = real time). */
  readonly speed: number;
}
