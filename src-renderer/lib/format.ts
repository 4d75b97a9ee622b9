import { formatDuration as sharedDuration } from '../../src-shared/format/duration.ts';
import { formatMetricValue, unitOfMetric as sharedUnit } from '../../src-shared/format/number.ts';
import { formatTime } from '../../src-shared/format/time.ts';

/**
 * A duration for people: `45 s`, `3 min 5 s`, `2 h 4 min` (src-shared/format).
 * @param ms milliseconds; negative values count as zero.
 */
export function formatDuration(ms: number): string {
  return sharedDuration(Math.floor(Math.max(0, ms) / 1000) * 1000);
}

/** Time since a release started, up to its end or `nowMs` (ms); null before it started. */
export function elapsedMs(
  startedAtMs: number | null,
  finishedAtMs: number | null,
  nowMs: number,
): number | null {
  if (startedAtMs === null) return null;
  return Math.max(0, (finishedAtMs ?? nowMs) - startedAtMs);
}

/** Time left in the current wait (ms); null when the release is not waiting on time. */
export function remainingMs(waitUntilMs: number | null, nowMs: number): number | null {
  if (waitUntilMs === null) return null;
  return Math.max(0, waitUntilMs - nowMs);
}

/** A value in its unit with at most 4 significant digits: ratios as percent, milliseconds as `ms`. */
export function formatValue(value: number | null, unit: 'ratio' | 'ms' | string): string {
  if (value === null || !Number.isFinite(value)) return 'no data';
  return formatMetricValue(value, unit === 'ratio' || unit === 'ms' || unit === 'count' ? unit : 'none');
}

/** The unit of a metric from its kind or name, best effort: latency → ms, rates → ratio, restarts → count. */
export function unitOfMetric(metric: string): 'ratio' | 'ms' | 'count' {
  const unit = sharedUnit(metric);
  return unit === 'none' ? 'count' : unit;
}

/** A clock time with its zone (`14:03:25 CET`), or `sim 14:03:25` on a sandbox's compressed clock. */
export function formatClock(ms: number, simulated = false): string {
  return formatTime(ms, { simulated });
}
