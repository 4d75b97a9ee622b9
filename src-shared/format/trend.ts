import { formatMetricValue, type MetricUnit } from './number.ts';

/** Whether a series of samples goes up, down or stays about level. */
export type TrendDirection = 'rising' | 'falling' | 'steady';

/** The direction from the first to the last value; changes within 10 % of the larger one count as steady. */
export function trendDirection(values: readonly number[]): TrendDirection {
  if (values.length < 2) return 'steady';
  const first = values[0] as number;
  const last = values.at(-1) as number;
  const scale = Math.max(Math.abs(first), Math.abs(last));
  if (scale === 0 || Math.abs(last - first) <= 0.1 * scale) return 'steady';
  return last > first ? 'rising' : 'falling';
}

/**
 * The samples' trend in words, first value to last: `2.1 % → 7 %, rising`, `0.1 %, steady`; one value alone: `2.1 %`; none:
 * `no values`. Samples without a value are left out.
 */
export function trendWords(values: readonly (number | null)[], unit: MetricUnit): string {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return 'no values';
  const first = formatMetricValue(xs[0], unit);
  if (xs.length === 1) return first;
  const last = formatMetricValue(xs.at(-1), unit);
  return last === first ? `${first}, ${trendDirection(xs)}` : `${first} → ${last}, ${trendDirection(xs)}`;
}
