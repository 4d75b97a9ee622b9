import type { ComparisonOp, Condition } from '../plan/plan.schema.ts';

/** The outcome of one measurement: the condition held, did not hold, there was no data, or the query failed. */
export type MeasurementOutcome = 'success' | 'failure' | 'inconclusive' | 'error';

/** Where a metric's analysis stands. */
export type AnalysisStatus = 'running' | 'successful' | 'failed' | 'inconclusive';

/** The counting rules of one analysis metric (the fields of the plan's `AnalysisMetric`). */
export interface ThresholdRules {
  /** Number of measurements after which the metric is complete. */
  count: number;
  /** Fails when failures exceed this number. */
  failureLimit: number;
  /** Inconclusive when no-data measurements exceed this number. */
  inconclusiveLimit: number;
  /** true: limits apply to the longest run of consecutive failures (or no-data results); false: to the totals. */
  consecutive: boolean;
  /** Fails when consecutive query errors exceed this number; Argo Rollouts' default is 4. */
  consecutiveErrorLimit?: number;
}

/** The verdict of `assessMeasurements`, with the counters behind it. */
export interface ThresholdVerdict {
  status: AnalysisStatus;
  /** Measurements taken so far. */
  measured: number;
  successes: number;
  failures: number;
  inconclusive: number;
  errors: number;
  /** Longest run of consecutive failures. */
  consecutiveFailures: number;
  /** Current run of consecutive errors (reset by any other outcome). */
  consecutiveErrors: number;
  /** The counter arithmetic behind the status, e.g. `failed 4 > failureLimit 3`. */
  reason: string;
}

const OPS: Record<ComparisonOp, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** True when `value <op> threshold`. */
function compare(value: number, condition: Condition): boolean {
  return OPS[condition.op](value, condition.threshold);
}

/**
 * Classifies one measured value against the success condition. No data (null, undefined, NaN) is
 * `inconclusive`, never a pass; ±Infinity is compared as a number.
 */
export function classifyMeasurement(
  value: number | null | undefined,
  successCondition: Condition,
): MeasurementOutcome {
  if (value === null || value === undefined || Number.isNaN(value)) return 'inconclusive';
  return compare(value, successCondition) ? 'success' : 'failure';
}

function longestRun(outcomes: readonly MeasurementOutcome[], kind: MeasurementOutcome): number {
  let best = 0;
  let run = 0;
  for (const o of outcomes) {
    run = o === kind ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

/**
 * Decides a metric's status from its measurements so far, counting as Argo Rollouts does:
 * failed when failures exceed failureLimit, inconclusive when no-data results exceed inconclusiveLimit,
 * failed when consecutive errors exceed consecutiveErrorLimit, successful once `count` measurements are in,
 * otherwise running. Limits are checked in that order after every measurement, so a metric can finish early.
 * With `consecutive`, the limits apply to the longest run instead of the totals.
 */
export function assessMeasurements(
  rules: ThresholdRules,
  outcomes: readonly MeasurementOutcome[],
): ThresholdVerdict {
  const tally = (k: MeasurementOutcome) => outcomes.filter((o) => o === k).length;
  const failures = tally('failure');
  const inconclusive = tally('inconclusive');
  const errors = tally('error');
  const consecutiveFailures = longestRun(outcomes, 'failure');
  let consecutiveErrors = 0;
  for (let i = outcomes.length - 1; i >= 0 && outcomes[i] === 'error'; i--) consecutiveErrors++;
  const errorLimit = rules.consecutiveErrorLimit ?? 4;
  const base = {
    measured: outcomes.length,
    successes: tally('success'),
    failures,
    inconclusive,
    errors,
    consecutiveFailures,
    consecutiveErrors,
  };
  const failCount = rules.consecutive ? consecutiveFailures : failures;
  const failLabel = rules.consecutive ? `${failCount} consecutive failures` : `failed ${failCount}`;
  const inconclusiveCount = rules.consecutive ? longestRun(outcomes, 'inconclusive') : inconclusive;
  const inconclusiveLabel = rules.consecutive
    ? `${inconclusiveCount} consecutive inconclusive`
    : `inconclusive ${inconclusiveCount}`;

  if (failCount > rules.failureLimit)
    return { ...base, status: 'failed', reason: `${failLabel} > failureLimit ${rules.failureLimit}` };
  if (inconclusiveCount > rules.inconclusiveLimit)
    return {
      ...base,
      status: 'inconclusive',
      reason: `${inconclusiveLabel} > inconclusiveLimit ${rules.inconclusiveLimit}`,
    };
  if (consecutiveErrors > errorLimit)
    return {
      ...base,
      status: 'failed',
      reason: `${consecutiveErrors} consecutive errors > consecutiveErrorLimit ${errorLimit}`,
    };
  const within = `${failLabel} ≤ failureLimit ${rules.failureLimit}`;
  if (outcomes.length >= rules.count)
    return {
      ...base,
      status: 'successful',
      reason: `${outcomes.length} of ${rules.count} measurements taken, ${within}`,
    };
  return {
    ...base,
    status: 'running',
    reason: `${outcomes.length} of ${rules.count} measurements taken, ${within}`,
  };
}

/**
 * Combines the statuses of several metrics (one analysis run): failed if any failed, else inconclusive
 * if any is, else running if any runs, else successful. An empty list is successful.
 */
export function combineStatuses(statuses: readonly AnalysisStatus[]): AnalysisStatus {
  for (const s of ['failed', 'inconclusive', 'running'] as const) if (statuses.includes(s)) return s;
  return 'successful';
}
