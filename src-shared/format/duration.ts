import { durationMs } from '../plan/duration.ts';
import { formatNumber } from './number.ts';

const LOCALE = 'en-US';
const whole = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const relative = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'auto' });

const PARTS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1_000],
];

/**
 * A duration for people, its two largest parts: `45 s`, `2 min 16 s`, `2 min`, `1 h 4 min`, `3 d 2 h`; under a
 * second `450 ms`. Negative durations count as zero.
 * @param ms milliseconds
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0 s';
  if (ms < 1_000) return `${formatNumber(Math.round(ms))} ms`;
  let rest = Math.round(ms / 1000) * 1000;
  const parts: string[] = [];
  for (const [unit, size] of PARTS) {
    if (parts.length === 2) break;
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${whole.format(n)} ${unit}`);
    else if (parts.length > 0) break;
  }
  return parts.join(' ');
}

/** A plan duration (`"2m"`) for people (`2 min`); the text as written when it is not a plan duration. */
export function formatPlanDuration(text: string): string {
  try {
    return formatDuration(durationMs(text));
  } catch {
    return text;
  }
}

/** How long a condition has held against how long it must: `held 2 min 16 s of 2 min`. */
export function heldWords(heldMs: number, required: number | string): string {
  const of = typeof required === 'string' ? formatPlanDuration(required) : formatDuration(required);
  return `held ${formatDuration(heldMs)} of ${of}`;
}

/** How long ago (or from now) `ms` is, seen from `nowMs`: `3 minutes ago`, `in 20 seconds`, `now`. */
export function formatRelative(ms: number, nowMs: number): string {
  const diff = ms - nowMs;
  const abs = Math.abs(diff);
  if (abs < 1_000) return 'now';
  if (abs < 60_000) return relative.format(Math.round(diff / 1_000), 'second');
  if (abs < 3_600_000) return relative.format(Math.round(diff / 60_000), 'minute');
  if (abs < 86_400_000) return relative.format(Math.round(diff / 3_600_000), 'hour');
  return relative.format(Math.round(diff / 86_400_000), 'day');
}
