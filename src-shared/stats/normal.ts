import cdf from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';

/** Standard normal upper tail 1 − Φ(x), computed as Φ(−x) so small p-values keep their precision. */
export function normalSf(x: number): number {
  return cdf(-x, 0, 1);
}

/** Standard normal quantile Φ⁻¹(p) for p in (0, 1). */
export function normalQuantile(p: number): number {
  return quantile(p, 0, 1);
}
