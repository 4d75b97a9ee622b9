// One formatter for every tick and tooltip: toLocaleTimeString builds a new one per call, which costs
// more than drawing the chart when recharts formats dozens of tick candidates per render.
const clock = new Intl.DateTimeFormat([], {
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hour12: false,
});

/** A clock time `HH:MM:SS` (local), as `formatClock` writes it, from a cached formatter. */
export function formatTimeOfDay(ms: number): string {
  return clock.format(ms);
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `v` (an axis top that reads well); 1 for `v` ≤ 0. */
function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/**
 * Ticks for a value axis from 0: a step of 1, 2, 2.5 or 5 × 10^k giving at most `count` intervals, up to
 * the first tick at or above `max` (the axis top).
 */
export function valueTicks(max: number, count = 4): number[] {
  const step = niceCeil(max / count);
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const TIME_STEPS = [
  ...[1, 2, 5, 10, 15, 30].map((n) => n * SECOND),
  ...[1, 2, 5, 10, 15, 30].map((n) => n * MINUTE),
  ...[1, 2, 3, 6, 12, 24, 48, 168].map((n) => n * HOUR),
];

/**
 * Ticks for a time axis: the smallest step of the usual clock steps (1 s … 30 min, 1 h … 1 week) giving at
 * most `maxTicks` ticks inside the window, placed on round local clock times (on the hour, every 15 min…).
 */
export function timeTicks(fromMs: number, toMs: number, maxTicks = 6): number[] {
  if (!(toMs > fromMs)) return [fromMs];
  const step =
    TIME_STEPS.find((s) => (toMs - fromMs) / s < maxTicks) ??
    niceCeil((toMs - fromMs) / maxTicks / HOUR) * HOUR;
  // Local clock alignment: the offset at the window's start (a DST change inside it shifts later ticks).
  const offset = new Date(fromMs).getTimezoneOffset() * MINUTE;
  const out: number[] = [];
  for (let t = Math.ceil((fromMs - offset) / step) * step + offset; t <= toMs; t += step) out.push(t);
  return out;
}

/** A zoom window scaled around its centre by `factor` (<1 zooms in) and kept inside `span`. */
export function zoomWindow(
  win: { fromMs: number; toMs: number },
  span: { fromMs: number; toMs: number },
  factor: number,
): { fromMs: number; toMs: number } {
  const width = Math.max(1000, (win.toMs - win.fromMs) * factor);
  const centre = (win.fromMs + win.toMs) / 2;
  return clampWindow({ fromMs: centre - width / 2, toMs: centre + width / 2 }, span);
}

/** A zoom window moved by `fraction` of its width (negative = earlier), kept inside `span`. */
export function panWindow(
  win: { fromMs: number; toMs: number },
  span: { fromMs: number; toMs: number },
  fraction: number,
): { fromMs: number; toMs: number } {
  const shift = (win.toMs - win.fromMs) * fraction;
  return clampWindow({ fromMs: win.fromMs + shift, toMs: win.toMs + shift }, span);
}

function clampWindow(
  win: { fromMs: number; toMs: number },
  span: { fromMs: number; toMs: number },
): { fromMs: number; toMs: number } {
  const width = Math.min(win.toMs - win.fromMs, span.toMs - span.fromMs);
  const fromMs = Math.min(Math.max(win.fromMs, span.fromMs), span.toMs - width);
  return { fromMs, toMs: fromMs + width };
}
