/** How a time is shown: on the sandbox's simulated clock (labelled `sim`), and in which zone (default: local). */
export interface TimeOptions {
  /** True for the sandbox's compressed clock: the time reads `sim 02:43:25`, with no zone (it is no real time). */
  simulated?: boolean;
  /** IANA zone; the machine's own when absent. */
  timeZone?: string;
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

function clockFormat(locale: string, timeZone: string | undefined, zoneName: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone ?? ''}|${zoneName}`;
  let f = clockFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      ...(timeZone ? { timeZone } : {}),
      ...(zoneName ? { timeZoneName: 'short' as const } : {}),
    });
    clockFormats.set(key, f);
  }
  return f;
}

/** `14:03:25` and the zone's short name; en-US names American zones (EST), en-GB European ones (CET). */
function zoned(ms: number, timeZone: string | undefined): { clock: string; zone: string } {
  const parts = (locale: string) => clockFormat(locale, timeZone, true).formatToParts(ms);
  let p = parts('en-US');
  const zoneOf = (xs: Intl.DateTimeFormatPart[]) => xs.find((x) => x.type === 'timeZoneName')?.value ?? '';
  if (/^GMT[+-]/.test(zoneOf(p))) p = parts('en-GB');
  const clock = p
    .filter((x) => x.type === 'hour' || x.type === 'minute' || x.type === 'second' || x.type === 'literal')
    .map((x) => x.value)
    .join('')
    .trim();
  return { clock, zone: zoneOf(p) };
}

/** A time of day: `14:03:25 CET`; on the sandbox's clock `sim 14:03:25`. */
export function formatTime(ms: number, opts: TimeOptions = {}): string {
  if (!Number.isFinite(ms)) return 'no time';
  if (opts.simulated) return `sim ${clockFormat('en-US', opts.timeZone, false).format(ms)}`;
  const { clock, zone } = zoned(ms, opts.timeZone);
  return zone ? `${clock} ${zone}` : clock;
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** A date and time: `2026-12-06 14:03:25 CET` (`sim 2026-12-06 14:03:25` on the sandbox's clock). */
export function formatDateTime(ms: number, opts: TimeOptions = {}): string {
  if (!Number.isFinite(ms)) return 'no time';
  const key = opts.timeZone ?? '';
  let f = dayFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
    });
    dayFormats.set(key, f);
  }
  const day = f.format(ms);
  if (opts.simulated) return `sim ${day} ${clockFormat('en-US', opts.timeZone, false).format(ms)}`;
  return `${day} ${formatTime(ms, opts)}`;
}

/** `formatDateTime` for an ISO-8601 timestamp (an audit entry's `at`); the text as written when it is no time. */
export function formatIsoDateTime(iso: string, opts: TimeOptions = {}): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : formatDateTime(ms, opts);
}

/**
 * A formatter for one stream of lines whose times never go backwards: a time earlier than one already shown
 * (a late decision around an abort, a clock resynchronised with the sandbox) is shown as the latest one.
 */
export function monotonicTimes(opts: TimeOptions = {}): (ms: number) => string {
  let latest = -Infinity;
  return (ms) => {
    latest = Math.max(latest, ms);
    return formatTime(latest, opts);
  };
}
