/**
 * A flag ramp's schedule (each step's `at`) as people edit it: a wall-clock time in their own zone, written to
 * the plan as an ISO 8601 instant with its offset, so every colleague reads the same moment.
 */

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const pad = (n: number) => String(n).padStart(2, '0');

/** The wall clock of `zone` at an instant, as `YYYY-MM-DDTHH:mm` (the value of an `<input type="datetime-local">`). */
function wallClock(ms: number, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** Minutes `zone` is ahead of UTC at an instant (Europe/Berlin in winter: 60). */
export function zoneOffsetMinutes(ms: number, zone: string): number {
  const m = LOCAL.exec(wallClock(ms, zone));
  if (!m) return 0;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  return Math.round((asUtc - Math.floor(ms / 60_000) * 60_000) / 60_000);
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * A wall-clock time of `zone` (`2026-12-08T09:00`) as an ISO 8601 instant with that zone's offset then
 * (`2026-12-08T09:00:00+01:00`).
 * @returns the instant, or null when the text is not such a time or the time does not exist in the zone (the
 *   hour skipped when the clocks go forward).
 */
export function localToInstant(local: string, zone: string): string | null {
  const m = LOCAL.exec(local);
  if (!m) return null;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  if (Number.isNaN(asUtc)) return null;
  // Offsets the zone has around then; a time that exists twice (the clocks go back) is taken the first time.
  const DAY = 86_400_000;
  const starts = [-DAY, 0, DAY]
    .map((d) => zoneOffsetMinutes(asUtc + d, zone))
    .map((offset) => ({ offset, ms: asUtc - offset * 60_000 }))
    .filter((c) => wallClock(c.ms, zone) === local)
    .sort((a, b) => a.ms - b.ms);
  const first = starts[0];
  return first ? `${local}:00${offsetText(first.offset)}` : null;
}

/** An instant (ISO 8601 with zone) as the wall clock of `zone`, `YYYY-MM-DDTHH:mm`; null when it is no instant. */
export function instantToLocal(iso: string, zone: string): string | null {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : wallClock(ms, zone);
}

/** The zone as people read it beside a time: `Europe/Berlin, UTC+01:00` (the offset at `ms`). */
export function zoneLabel(zone: string, ms: number): string {
  return `${zone}, UTC${offsetText(zoneOffsetMinutes(ms, zone))}`;
}

/** A time in `zone` for a sentence: `2026-12-08 09:00`. */
function readable(ms: number, zone: string): string {
  return wallClock(ms, zone).replace('T', ' ');
}

/** A problem of one scheduled step: its index among the ramp's steps and the sentence for its field. */
export interface ScheduleProblem {
  index: number;
  message: string;
}

/**
 * What is wrong with a ramp's schedule as of `now` (milliseconds since the epoch): a start in the past, or one
 * earlier than the start of a step before it (which would start at once instead). Times are named in `zone`.
 */
export function scheduleProblems(
  steps: readonly { at?: unknown }[],
  now: number,
  zone: string,
): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  let before: { index: number; ms: number } | null = null;
  steps.forEach((step, index) => {
    if (typeof step.at !== 'string') return;
    const ms = Date.parse(step.at);
    if (Number.isNaN(ms)) return;
    if (ms < now)
      problems.push({
        index,
        message: `${readable(ms, zone)} (${zone}) is in the past: pick a time after ${readable(now, zone)}`,
      });
    else if (before && ms < before.ms)
      problems.push({
        index,
        message: `${readable(ms, zone)} is earlier than step ${before.index + 1}, which starts ${readable(before.ms, zone)} (${zone}): a step starts no earlier than the one before it`,
      });
    if (!before || ms >= before.ms) before = { index, ms };
  });
  return problems;
}
