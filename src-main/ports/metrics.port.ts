import type { QueryValidation } from '../../src-shared/plan/promql-syntax.ts';

/** Why a query produced no usable number. None of these ever counts as a pass. */
export type InconclusiveReason =
  'unreachable' | 'timeout' | 'noData' | 'nan' | 'multipleSeries' | 'badResponse';

/** A number read from the metrics backend. */
export interface MetricValue {
  kind: 'value';
  /** The sample value in the query's own unit (a ratio 0–1, milliseconds, … as the query computes it). */
  value: number;
  /** When the backend evaluated the sample, in milliseconds since the Unix epoch. */
  atMs: number;
  /** How many series the query returned (always 1 for a value: several series are inconclusive). */
  series: number;
}

/** The backend could not give a usable number; `message` is one plain sentence for the user. */
export interface MetricInconclusive {
  kind: 'inconclusive';
  reason: InconclusiveReason;
  message: string;
}

/** The query itself is wrong; retrying will not help. `message` names the problem and, when known, its position. */
export interface MetricQueryError {
  kind: 'error';
  reason: 'badQuery';
  message: string;
}

/** One instant reading. Missing data is never a number: it is `inconclusive` (or `error` for a bad query). */
export type MetricSample = MetricValue | MetricInconclusive | MetricQueryError;

/** One point of a range query. */
export interface MetricPoint {
  /** Milliseconds since the Unix epoch. */
  atMs: number;
  /** A finite or infinite number; NaN points are left out and counted in `MetricSeries.nanPoints`. */
  value: number;
}

/** The points of a single series over a time range. */
export interface MetricSeries {
  kind: 'series';
  /** Points in time order; never empty. */
  points: MetricPoint[];
  /** How many points were NaN and left out of `points`. */
  nanPoints: number;
  /** How many series the query returned (always 1: several series are inconclusive). */
  series: number;
}

/** A range reading: one series of points, or why there is none. */
export type MetricRange = MetricSeries | MetricInconclusive | MetricQueryError;

/** The outcome of checking a query's syntax before a run. */
export type { QueryValidation };

/** Reads numbers from a metrics backend (Prometheus, or the sandbox's own model). */
export interface MetricsPort {
  /**
   * Evaluates `query` now and returns its single value.
   * Never throws for backend trouble: down, slow, empty, NaN or several series give `inconclusive`;
   * a query the backend rejects gives `error`. Rejects only with an `AbortError` when `signal` aborts.
   */
  instant(query: string, signal?: AbortSignal): Promise<MetricSample>;
  /**
   * Evaluates `query` from `startMs` to `endMs` (milliseconds since the Unix epoch, inclusive)
   * every `stepSeconds` seconds. Same failure rules as `instant`; a range whose points are all NaN is
   * inconclusive (`nan`). Rejects only with an `AbortError` when `signal` aborts.
   */
  range(
    query: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
    signal?: AbortSignal,
  ): Promise<MetricRange>;
  /** Checks the query's syntax without contacting the backend; the message names the position of the first error. */
  validateQuery(query: string): QueryValidation;
}
