/** The unit a metric's numbers are in: a ratio 0..1 (shown as percent), milliseconds, a count, or none known. */
export type MetricUnit = 'ratio' | 'ms' | 'count' | 'none';

/** The comparison a threshold is checked with. */
export type ComparisonOp = '<' | '<=' | '>' | '>=';

// One locale for every number a person reads, so a sentence stored in a journal reads the same on every laptop.
const LOCALE = 'en-US';
const significant = new Intl.NumberFormat(LOCALE, { maximumSignificantDigits: 4 });

const KIND_UNITS: Readonly<Record<string, MetricUnit>> = {
  'error-rate': 'ratio',
  'success-rate': 'ratio',
  saturation: 'ratio',
  'latency-p95': 'ms',
  'latency-p99': 'ms',
  'pod-restarts': 'count',
};

/**
 * The unit of a metric from its kind (`error-rate`, `latency-p95`, …) or, for a name that is not a kind, from
 * the name, best effort: latency or `pNN` → milliseconds, rates, ratios and saturation → ratio, restarts → count.
 */
export function unitOfMetric(metric: string): MetricUnit {
  const known = KIND_UNITS[metric];
  if (known) return known;
  const m = metric.toLowerCase();
  if (m.includes('latency') || /\bp\d\d\b|-p\d\d/.test(m) || m.endsWith('-ms')) return 'ms';
  if (m.includes('rate') || m.includes('ratio') || m.includes('saturation') || m.includes('success'))
    return 'ratio';
  if (m.includes('restart') || m.includes('count')) return 'count';
  return 'none';
}

/** A number with at most 4 significant digits (`185.5`, `0.001`, `12,350`); `no value` when there is none. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'no value';
  // -0 and values rounding to zero read as 0, not "-0".
  const text = significant.format(value);
  return text === '-0' ? '0' : text;
}

/** A ratio 0..1 as a percentage with at most 4 significant digits: 0.021 → `2.1 %`. */
export function formatRatioAsPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'no value';
  return `${formatNumber(ratio * 100)} %`;
}

/** A share already in percent (0..100): 10 → `10 %`, 33.333 → `33.33 %`. */
export function formatPercent(percent: number | null | undefined): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return 'no value';
  return `${formatNumber(percent)} %`;
}

/**
 * A metric's value in its unit, the unit always shown: ratio → `2.1 %`, milliseconds → `185.5 ms` (from 10 s
 * on, seconds: `12.35 s`), count → `3` (a count carries its own noun in the sentence), none → the number.
 */
export function formatMetricValue(value: number | null | undefined, unit: MetricUnit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'no value';
  switch (unit) {
    case 'ratio':
      return formatRatioAsPercent(value);
    case 'ms':
      return Math.abs(value) >= 10_000 ? `${formatNumber(value / 1000)} s` : `${formatNumber(value)} ms`;
    default:
      return formatNumber(value);
  }
}

/** A threshold in the same unit as the samples it is checked against: `< 2 %`, `>= 500 ms`. */
export function formatThreshold(op: ComparisonOp, threshold: number, unit: MetricUnit): string {
  return `${op} ${formatMetricValue(threshold, unit)}`;
}

/** `stable 90 % · canary 10 %` from weights in percent, in the order given. */
export function formatWeights(weights: Readonly<Record<string, number>> | null | undefined): string {
  if (!weights || Object.keys(weights).length === 0) return 'not read yet';
  return Object.entries(weights)
    .map(([track, pct]) => `${track} ${formatPercent(pct)}`)
    .join(' · ');
}
