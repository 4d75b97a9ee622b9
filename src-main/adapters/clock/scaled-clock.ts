import type { Clock } from '../../ports/clock.port.ts';
import { sleep } from '../abortable-sleep.ts';

/**
 * A clock that starts at `startMs` (default: now) and runs `speed` times real time.
 * @param speed clock ms per real ms; must be > 0.
 */
export function createScaledClock(speed = 1, startMs: number = Date.now()): Clock {
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new RangeError(`speed must be a positive number, got ${speed}`);
  const realStart = performance.now();
  return {
    speed,
    now: () => startMs + (performance.now() - realStart) * speed,
    sleep: (ms, signal) => sleep(Math.max(0, ms / speed), signal),
  };
}
