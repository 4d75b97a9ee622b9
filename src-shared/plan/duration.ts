const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A duration as plans write it: one or more `<number><unit>` parts, units ms, s, m, h, d (`"10m"`, `"1h30m"`, `"0.5s"`). */
const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/** True when `text` is a plan duration such as `"10m"` or `"1h30m"`. */
export function isDuration(text: string): boolean {
  return DURATION_PATTERN.test(text);
}

/**
 * Parses a plan duration into milliseconds (`"10m"` → 600000, `"1h30m"` → 5400000).
 * Throws a RangeError naming the text when it is not a duration.
 */
export function durationMs(text: string): number {
  if (!isDuration(text)) throw new RangeError(`"${text}" is not a duration such as 30s, 10m, 1h30m or 14d`);
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  }
  return Math.round(total);
}

/** Formats milliseconds as the shortest plan duration that names them exactly (600000 → `"10m"`, 90000 → `"90s"`). */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  for (const [unit, size] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms)}ms`;
}
