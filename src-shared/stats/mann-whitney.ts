import { normalSf } from './normal.ts';

/** The result of `mannWhitneyU`. */
export interface MannWhitneyResult {
  /** U statistic of the canary sample (pairs where canary > baseline, ties count ½). */
  u: number;
  /** U statistic of the baseline sample; u + uBaseline = n1·n2. */
  uBaseline: number;
  /** Normal-approximation z of max(U) with continuity and tie correction (0 when every value is tied). */
  z: number;
  /** Two-sided p-value in [0, 1]. */
  pValue: number;
  /** Rank-biserial correlation in [−1, 1]: 2U/(n1·n2) − 1; positive = canary values tend to be larger. */
  effectSize: number;
  n1: number;
  n2: number;
}

function averageRanks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const t = j - i + 1;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = rank;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { ranks, tieTerm };
}

/**
 * Mann-Whitney U test of canary vs baseline samples (two-sided, normal approximation with tie
 * correction and continuity correction, as scipy's `mannwhitneyu(method="asymptotic")`), with the
 * rank-biserial effect size. Throws a RangeError when a sample is empty or holds a non-finite number.
 */
export function mannWhitneyU(canary: readonly number[], baseline: readonly number[]): MannWhitneyResult {
  const n1 = canary.length;
  const n2 = baseline.length;
  if (n1 === 0 || n2 === 0)
    throw new RangeError(`both samples need values, got ${n1} canary and ${n2} baseline`);
  if (![...canary, ...baseline].every(Number.isFinite))
    throw new RangeError('samples must hold finite numbers only');
  const n = n1 + n2;
  const { ranks, tieTerm } = averageRanks([...canary, ...baseline]);
  const r1 = ranks.slice(0, n1).reduce((s, r) => s + r, 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const uBaseline = n1 * n2 - u;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - (n > 1 ? tieTerm / (n * (n - 1)) : 0));
  const sigma = Math.sqrt(Math.max(0, variance));
  const z = sigma === 0 ? 0 : (Math.max(u, uBaseline) - mu - 0.5) / sigma;
  const pValue = sigma === 0 ? 1 : Math.min(1, Math.max(0, 2 * normalSf(z)));
  return { u, uBaseline, z, pValue, effectSize: (2 * u) / (n1 * n2) - 1, n1, n2 };
}
