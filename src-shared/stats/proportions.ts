import { normalQuantile, normalSf } from './normal.ts';

/** Successes out of trials for one variant (conversions out of users or requests). */
export interface ProportionSample {
  successes: number;
  total: number;
}

/** What the A/B analysis says to do: ship the treatment, drop it, or keep collecting data. */
export type AbRecommendation = 'deploy' | 'reject' | 'continue';

/** The result of `twoProportionTest`; rates and differences are ratios (0.05 = 5 %). */
export interface TwoProportionResult {
  controlRate: number;
  treatmentRate: number;
  /** treatmentRate − controlRate. */
  difference: number;
  /** z statistic with the pooled standard error (0 when the pooled rate is 0 or 1). */
  z: number;
  /** Two-sided p-value in [0, 1]. */
  pValue: number;
  /** Confidence interval of the difference, unpooled standard error. */
  ciLow: number;
  ciHigh: number;
  /** Relative lift (treatment − control) / control as a ratio; null when the control rate is 0. */
  lift: number | null;
  /** pValue < 1 − confidence. */
  significant: boolean;
  recommendation: AbRecommendation;
}

/** The runbook's rule: act only on a significant relative lift beyond ±5 %. */
const AB_DECISION_LIFT = 0.05;

function checkSample(label: string, s: ProportionSample): void {
  if (!Number.isInteger(s.total) || s.total <= 0)
    throw new RangeError(`${label} total must be a whole number above 0, got ${s.total}`);
  if (!Number.isInteger(s.successes) || s.successes < 0 || s.successes > s.total)
    throw new RangeError(
      `${label} conversions must be a whole number between 0 and ${s.total}, got ${s.successes}`,
    );
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be between 0 and 1 (e.g. 0.95), got ${confidence}`);
}

/**
 * Deploy when significant and lift > +5 %, reject when significant and lift < −5 %, otherwise continue.
 * `lift` is a ratio; null (no control conversions) counts as no usable lift.
 */
export function abRecommendation(significant: boolean, lift: number | null): AbRecommendation {
  if (!significant || lift === null) return 'continue';
  if (lift > AB_DECISION_LIFT) return 'deploy';
  if (lift < -AB_DECISION_LIFT) return 'reject';
  return 'continue';
}

/**
 * Two-proportion z-test of treatment vs control, as the runbook's A/B analysis does it: pooled standard
 * error for z, two-sided p-value, confidence interval of the difference with the unpooled standard error,
 * relative lift, and the deploy / reject / continue recommendation.
 * Throws a RangeError naming the bad input (totals ≤ 0, conversions outside 0..total, confidence outside (0, 1)).
 */
export function twoProportionTest(
  control: ProportionSample,
  treatment: ProportionSample,
  confidence = 0.95,
): TwoProportionResult {
  checkSample('control', control);
  checkSample('treatment', treatment);
  checkConfidence(confidence);
  const p1 = control.successes / control.total;
  const p2 = treatment.successes / treatment.total;
  const pooled = (control.successes + treatment.successes) / (control.total + treatment.total);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / control.total + 1 / treatment.total));
  const z = sePooled === 0 ? 0 : (p2 - p1) / sePooled;
  const pValue = Math.min(1, 2 * normalSf(Math.abs(z)));
  const seDiff = Math.sqrt((p1 * (1 - p1)) / control.total + (p2 * (1 - p2)) / treatment.total);
  const zCrit = normalQuantile(1 - (1 - confidence) / 2);
  const lift = p1 === 0 ? null : (p2 - p1) / p1;
  const significant = pValue < 1 - confidence;
  return {
    controlRate: p1,
    treatmentRate: p2,
    difference: p2 - p1,
    z,
    pValue,
    ciLow: p2 - p1 - zCrit * seDiff,
    ciHigh: p2 - p1 + zCrit * seDiff,
    lift,
    significant,
    recommendation: abRecommendation(significant, lift),
  };
}

/** Sample size and duration of an A/B test from `sampleSize`. */
export interface SampleSizeResult {
  /** Trials needed in each variant (rounded up). */
  perVariant: number;
  /** Whole days to collect them at `trafficPerVariantPerSecond`; null when no traffic was given. */
  days: number | null;
}

/**
 * Trials per variant for a two-sided two-proportion z-test to detect a relative change `mde` from
 * `baselineRate` (both ratios), at the given confidence (alpha = 1 − confidence) and power:
 * n = (z₁₋α/₂·√(2·p̄(1−p̄)) + z₁₋β·√(p₁(1−p₁) + p₂(1−p₂)))² / (p₂ − p₁)², p̄ = (p₁ + p₂)/2, rounded up.
 * With `trafficPerVariantPerSecond` (requests per second reaching each variant) also the whole days needed.
 * Throws a RangeError naming the bad input (rates outside (0, 1), the treatment rate outside (0, 1), mde 0).
 */
export function sampleSize(
  baselineRate: number,
  mde: number,
  options: { confidence?: number; power?: number; trafficPerVariantPerSecond?: number } = {},
): SampleSizeResult {
  const confidence = options.confidence ?? 0.95;
  const power = options.power ?? 0.8;
  checkConfidence(confidence);
  if (!(power > 0 && power < 1))
    throw new RangeError(`power must be between 0 and 1 (e.g. 0.8), got ${power}`);
  if (!(baselineRate > 0 && baselineRate < 1))
    throw new RangeError(`baseline rate must be between 0 and 1 (e.g. 0.1 for 10 %), got ${baselineRate}`);
  if (!Number.isFinite(mde) || mde === 0)
    throw new RangeError(
      `minimum detectable effect must be a relative change other than 0 (e.g. 0.05 for 5 %), got ${mde}`,
    );
  const p1 = baselineRate;
  const p2 = baselineRate * (1 + mde);
  if (!(p2 > 0 && p2 < 1))
    throw new RangeError(`baseline ${baselineRate} changed by ${mde} gives a rate of ${p2}, outside 0..1`);
  const zAlpha = normalQuantile(1 - (1 - confidence) / 2);
  const zBeta = normalQuantile(power);
  const pBar = (p1 + p2) / 2;
  const root = zAlpha * Math.sqrt(2 * pBar * (1 - pBar)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  // Guard against 3841.0000000002 rounding up to 3842.
  const perVariant = Math.ceil((root * root) / ((p2 - p1) * (p2 - p1)) - 1e-9);
  const rate = options.trafficPerVariantPerSecond;
  if (rate === undefined) return { perVariant, days: null };
  if (!(rate > 0))
    throw new RangeError(`traffic per variant must be above 0 requests per second, got ${rate}`);
  return { perVariant, days: Math.ceil(perVariant / (rate * 86_400)) };
}
