/**
 * A duration for people: `45s`, `3m 05s`, `2h 04m`.
 * @param ms milliseconds; negative values count as zero.
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
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

/** A value in its unit: ratios as percent with two decimals, milliseconds as `ms`, others as given. */
export function formatValue(value: number | null, unit: 'ratio' | 'ms' | string): string {
  if (value === null || !Number.isFinite(value)) return 'no data';
  if (unit === 'ratio') return `${(value * 100).toFixed(2)} %`;
  if (unit === 'ms') return `${Math.round(value)} ms`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** The unit of a metric from its name, best effort: latency → ms, rates → ratio. */
export function unitOfMetric(metric: string): 'ratio' | 'ms' | 'count' {
  const m = metric.toLowerCase();
  if (m.includes('latency') || /p\d\d/.test(m)) return 'ms';
  if (m.includes('rate') || m.includes('saturation') || m.includes('success')) return 'ratio';
  return 'count';
}

/** A clock time `HH:MM:SS` (local). */
export function formatClock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}
