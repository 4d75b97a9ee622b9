import type {
  InconclusiveReason,
  MetricInconclusive,
  MetricPoint,
  MetricQueryError,
  MetricRange,
  MetricSample,
  MetricsPort,
} from '../../ports/metrics.port.ts';
import { classifyTransportError } from '../http-transport.ts';
import { validatePromql } from '../../../src-shared/plan/promql-syntax.ts';

/** How to reach one Prometheus server. */
export interface PrometheusOptions {
  /** Base URL, e.g. `http://127.0.0.1:9090` or `https://host/prometheus/`. `user:password@` becomes basic auth. */
  url: string;
  /** Per-request limit in milliseconds, covering connect, evaluation and reading the body. Default 5000. */
  timeoutMs?: number;
  /** Sent as `Authorization: Bearer …` when set. Never appears in messages. */
  bearerToken?: string;
}

/** Default per-request limit in milliseconds. */
const DEFAULT_PROMETHEUS_TIMEOUT_MS = 5_000;

type Json = Record<string, unknown>;
type Failure = MetricInconclusive | MetricQueryError;
type Outcome = { ok: true; data: Json } | { ok: false; failure: Failure };

/**
 * A `MetricsPort` over the Prometheus HTTP API v1 (`/api/v1/query`, `/api/v1/query_range`).
 * Throws `TypeError` at once when `url` is not an http(s) URL or `timeoutMs` is not positive.
 */
export function createPrometheusMetrics(options: PrometheusOptions): MetricsPort {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROMETHEUS_TIMEOUT_MS;
  if (!(timeoutMs > 0))
    throw new TypeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}.`);
  const { base, display, headers } = parseEndpoint(options);

  async function post(
    path: 'query' | 'query_range',
    params: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Outcome> {
    const validation = validatePromql(params.query ?? '');
    if (!validation.ok) return { ok: false, failure: badQuery(validation.message) };
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let status: number;
    let text: string;
    try {
      const response = await fetch(new URL(`api/v1/${path}`, base), {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams(params),
        signal: combined,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return { ok: false, failure: transportFailure(error, display, timeoutMs) };
    }
    return interpret(status, text, display);
  }

  return {
    validateQuery: validatePromql,

    async instant(query, signal) {
      const outcome = await post('query', { query }, signal);
      if (!outcome.ok) return outcome.failure;
      return readInstant(outcome.data, display);
    },

    async range(query, startMs, endMs, stepSeconds, signal) {
      if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) {
        return badQuery(`The range must end after it starts (start ${startMs} ms, end ${endMs} ms).`);
      }
      if (!(stepSeconds > 0) || !Number.isFinite(stepSeconds)) {
        return badQuery(`The step must be a positive number of seconds, got ${stepSeconds}.`);
      }
      const params = {
        query,
        start: (startMs / 1000).toString(),
        end: (endMs / 1000).toString(),
        step: stepSeconds.toString(),
      };
      const outcome = await post('query_range', params, signal);
      if (!outcome.ok) return outcome.failure;
      return readRange(outcome.data, display);
    },
  };
}

function parseEndpoint(options: PrometheusOptions): {
  base: URL;
  display: string;
  headers: Record<string, string>;
} {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new TypeError(`The Prometheus URL "${options.url}" is not a valid URL.`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TypeError(`The Prometheus URL must start with http:// or https://, got "${base.protocol}".`);
  }
  const headers: Record<string, string> = {};
  // fetch refuses URLs with credentials, so they travel as a header instead.
  if (base.username || base.password) {
    const pair = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    base.username = '';
    base.password = '';
  }
  if (options.bearerToken) headers.authorization = `Bearer ${options.bearerToken}`;
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  const display = `Prometheus at ${base.origin}${base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '')}`;
  return { base, display, headers };
}

function inconclusive(reason: InconclusiveReason, message: string): MetricInconclusive {
  return { kind: 'inconclusive', reason, message };
}

function badQuery(message: string): MetricQueryError {
  return { kind: 'error', reason: 'badQuery', message };
}

function transportFailure(error: unknown, display: string, timeoutMs: number): MetricInconclusive {
  const { kind, code } = classifyTransportError(error);
  if (kind === 'timeout') return inconclusive('timeout', `${display} did not answer within ${timeoutMs} ms.`);
  return inconclusive(
    'unreachable',
    `Cannot reach ${display}${code ? ` (${code})` : ''}. Is it running, and is the URL right?`,
  );
}

function interpret(status: number, text: string, display: string): Outcome {
  let body: Json | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') body = parsed as Json;
  } catch {
    body = undefined;
  }
  const apiError = typeof body?.error === 'string' ? body.error : undefined;
  const errorType = typeof body?.errorType === 'string' ? body.errorType : undefined;
  if (
    body?.status === 'success' &&
    status >= 200 &&
    status < 300 &&
    body.data &&
    typeof body.data === 'object'
  ) {
    return { ok: true, data: body.data as Json };
  }
  if (errorType === 'bad_data' || status === 400) {
    return {
      ok: false,
      failure: badQuery(`${display} rejected the query: ${apiError ?? `HTTP ${status}`}.`),
    };
  }
  if (errorType === 'timeout' || status === 504) {
    return {
      ok: false,
      failure: inconclusive(
        'timeout',
        `${display} gave up evaluating the query: ${apiError ?? `HTTP ${status}`}.`,
      ),
    };
  }
  if (status === 502 || status === 503) {
    return { ok: false, failure: inconclusive('unreachable', `${display} is unavailable (HTTP ${status}).`) };
  }
  if (status === 401 || status === 403) {
    return {
      ok: false,
      failure: inconclusive('unreachable', `${display} refused our credentials (HTTP ${status}).`),
    };
  }
  const why =
    apiError ?? (body ? `HTTP ${status}` : `HTTP ${status} with a body that is not Prometheus JSON`);
  return {
    ok: false,
    failure: inconclusive('badResponse', `${display} could not evaluate the query: ${why}.`),
  };
}

/** Prometheus encodes sample values as strings, including `NaN`, `+Inf` and `-Inf`. */
function parseSampleValue(raw: unknown): number | undefined {
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  if (raw === 'NaN') return Number.NaN;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isNaN(value) ? undefined : value;
}

function parsePair(pair: unknown): { atMs: number; value: number } | undefined {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number') return undefined;
  const value = parseSampleValue(pair[1]);
  return value === undefined ? undefined : { atMs: Math.round(pair[0] * 1000), value };
}

function describeSeries(result: unknown[]): string {
  const labels = result
    .slice(0, 2)
    .map((item) => JSON.stringify((item as { metric?: unknown }).metric ?? {}));
  return labels.join(', ') + (result.length > 2 ? ', …' : '');
}

function readInstant(data: Json, display: string): MetricSample {
  const malformed = inconclusive('badResponse', `${display} sent a result Switchyard cannot read.`);
  let pair: unknown;
  let series = 1;
  if (data.resultType === 'scalar') {
    pair = data.result;
  } else if (data.resultType === 'vector' && Array.isArray(data.result)) {
    series = data.result.length;
    if (series === 0)
      return inconclusive(
        'noData',
        `${display} returned no series for the query: no data yet, or a label does not match.`,
      );
    if (series > 1) {
      return inconclusive(
        'multipleSeries',
        `${display} returned ${series} series (${describeSeries(data.result)}); the query must return exactly one. Aggregate it, e.g. with sum().`,
      );
    }
    pair = (data.result[0] as { value?: unknown }).value;
  } else if (data.resultType === 'matrix') {
    return badQuery(
      'The query returns a range vector; wrap it in a function such as rate() to get one value.',
    );
  } else {
    return malformed;
  }
  const sample = parsePair(pair);
  if (!sample) return malformed;
  if (Number.isNaN(sample.value)) {
    return inconclusive(
      'nan',
      `${display} returned NaN for the query (often a division by zero: no traffic in the window).`,
    );
  }
  return { kind: 'value', value: sample.value, atMs: sample.atMs, series };
}

function readRange(data: Json, display: string): MetricRange {
  const malformed = inconclusive('badResponse', `${display} sent a result Switchyard cannot read.`);
  if (data.resultType !== 'matrix' || !Array.isArray(data.result)) return malformed;
  const result = data.result;
  if (result.length === 0)
    return inconclusive(
      'noData',
      `${display} returned no series for the range: no data yet, or a label does not match.`,
    );
  if (result.length > 1) {
    return inconclusive(
      'multipleSeries',
      `${display} returned ${result.length} series (${describeSeries(result)}); the query must return exactly one. Aggregate it, e.g. with sum().`,
    );
  }
  const values = (result[0] as { values?: unknown }).values;
  if (!Array.isArray(values)) return malformed;
  const points: MetricPoint[] = [];
  let nanPoints = 0;
  for (const raw of values) {
    const point = parsePair(raw);
    if (!point) return malformed;
    if (Number.isNaN(point.value)) nanPoints += 1;
    else points.push(point);
  }
  if (points.length === 0) {
    return nanPoints > 0
      ? inconclusive(
          'nan',
          `${display} returned only NaN over the range (often a division by zero: no traffic).`,
        )
      : inconclusive('noData', `${display} returned no points for the range.`);
  }
  return { kind: 'series', points, nanPoints, series: 1 };
}
