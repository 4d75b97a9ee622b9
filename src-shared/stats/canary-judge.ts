import { mannWhitneyU, type MannWhitneyResult } from './mann-whitney.ts';

/** Which change of a metric is bad: `increase` (latency, errors), `decrease` (success rate, throughput), or `either`. */
export type BadDirection = 'increase' | 'decrease' | 'either';

/** One metric's verdict: no significant bad change, significantly higher or lower in the bad direction, or no data. */
export type MetricVerdict = 'pass' | 'high' | 'low' | 'nodata';

export interface MetricJudgeOptions {
  /** Which change fails the metric. */
  direction: BadDirection;
  /** Significance level of the two-sided test; default 0.05. */
  alpha?: number;
  /** Smallest |rank-biserial effect| that counts as a real change; default 0 (any significant change). */
  minEffectSize?: number;
}

export interface MetricJudgement {
  verdict: MetricVerdict;
  /** Absent when a sample was empty. */
  test?: MannWhitneyResult;
  /** Why, e.g. `canary higher: p 0.0012 < 0.05, effect 0.62`. */
  reason: string;
}

/**
 * Compares canary and baseline samples of one metric as Kayenta's judge does: a Mann-Whitney U test and
 * its effect size decide whether the canary moved significantly in the bad direction. An empty sample
 * gives `nodata` (never a pass).
 */
export function judgeMetric(
  canary: readonly number[],
  baseline: readonly number[],
  options: MetricJudgeOptions,
): MetricJudgement {
  if (canary.length === 0 || baseline.length === 0) {
    return {
      verdict: 'nodata',
      reason: `no data: ${canary.length} canary and ${baseline.length} baseline values`,
    };
  }
  const alpha = options.alpha ?? 0.05;
  const minEffect = options.minEffectSize ?? 0;
  const test = mannWhitneyU(canary, baseline);
  const detail = `p ${test.pValue.toPrecision(3)}, effect ${test.effectSize.toFixed(3)}`;
  const significant = test.pValue < alpha && Math.abs(test.effectSize) >= minEffect && test.effectSize !== 0;
  const higher = test.effectSize > 0;
  const bad =
    significant && (options.direction === 'either' || (options.direction === 'increase') === higher);
  if (!bad)
    return {
      verdict: 'pass',
      test,
      reason: `no significant ${options.direction === 'either' ? 'change' : options.direction}: ${detail} (alpha ${alpha})`,
    };
  return {
    verdict: higher ? 'high' : 'low',
    test,
    reason: `canary ${higher ? 'higher' : 'lower'}: ${detail} < alpha ${alpha}`,
  };
}

/** One metric's contribution to the score. */
export interface ScoredVerdict {
  name: string;
  verdict: MetricVerdict;
  /** Relative weight; default 1. */
  weight?: number;
  /** A critical metric that fails fails the whole run (score 0). */
  critical?: boolean;
}

export interface CanaryScore {
  /** 0..100: the weighted share of metrics with data that passed. */
  score: number;
  classification: 'pass' | 'marginal' | 'fail';
  reason: string;
}

/**
 * Kayenta-like score: 100 × weight of passing metrics / weight of metrics with data; `pass` at or above
 * `pass` (default 95), `marginal` at or above `marginal` (default 75), else `fail`. A failing critical
 * metric, or no metric with data at all, fails with score 0.
 */
export function canaryScore(
  verdicts: readonly ScoredVerdict[],
  thresholds: { pass?: number; marginal?: number } = {},
): CanaryScore {
  const pass = thresholds.pass ?? 95;
  const marginal = thresholds.marginal ?? 75;
  const critical = verdicts.find((v) => v.critical && (v.verdict === 'high' || v.verdict === 'low'));
  if (critical)
    return {
      score: 0,
      classification: 'fail',
      reason: `critical metric ${critical.name} failed (${critical.verdict})`,
    };
  const withData = verdicts.filter((v) => v.verdict !== 'nodata');
  const total = withData.reduce((s, v) => s + (v.weight ?? 1), 0);
  if (total === 0) return { score: 0, classification: 'fail', reason: 'no metric had data' };
  const passed = withData.filter((v) => v.verdict === 'pass').reduce((s, v) => s + (v.weight ?? 1), 0);
  const score = (100 * passed) / total;
  const classification = score >= pass ? 'pass' : score >= marginal ? 'marginal' : 'fail';
  const failed = withData.filter((v) => v.verdict !== 'pass').map((v) => `${v.name} (${v.verdict})`);
  const noData = verdicts.length - withData.length;
  return {
    score,
    classification,
    reason:
      `score ${score.toFixed(1)} ${classification === 'pass' ? `≥ pass ${pass}` : classification === 'marginal' ? `< pass ${pass}, ≥ marginal ${marginal}` : `< marginal ${marginal}`}` +
      (failed.length ? `; failed: ${failed.join(', ')}` : '') +
      (noData ? `; ${noData} without data` : ''),
  };
}
