/** Upper bounds (seconds) of the latency histogram buckets. */
export const latencyBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9, 1, 1.5, 2, 2.5, 5, 10,
];

function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}

/** Share of a log-normal latency distribution (median `p50Ms`, 95th percentile `p95Ms`) at or below `seconds`. */
export function latencyCdf(seconds: number, p50Ms: number, p95Ms: number): number {
  const sigma = Math.max(0.01, Math.log(Math.max(p95Ms, p50Ms * 1.01) / p50Ms) / 1.6449);
  const z = (Math.log(seconds * 1000) - Math.log(p50Ms)) / sigma;
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

/** `histogram_quantile` over cumulative bucket counts (linear within a bucket, as Prometheus does); seconds. */
export function bucketQuantile(q: number, buckets: readonly number[], total: number): number | null {
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevCount = 0;
  let prevLe = 0;
  for (let i = 0; i < latencyBuckets.length; i++) {
    const c = buckets[i] ?? 0;
    if (c >= rank) {
      const le = latencyBuckets[i]!;
      return c === prevCount ? le : prevLe + ((le - prevLe) * (rank - prevCount)) / (c - prevCount);
    }
    prevCount = c;
    prevLe = latencyBuckets[i]!;
  }
  return latencyBuckets[latencyBuckets.length - 1]!;
}
