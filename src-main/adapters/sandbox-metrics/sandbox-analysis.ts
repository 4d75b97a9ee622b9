import { durationMs } from '../../../src-shared/plan/duration.ts';
import {
  renderMetricQuery,
  type MetricQueryParams,
  type MetricQuerySource,
} from '../../../src-shared/plan/promql.ts';
import type { MetricSample } from '../../ports/metrics.port.ts';
import type { AnalysisSource } from '../../ports/release.port.ts';

/** Where the sandbox answers and how to authenticate. */
export interface SandboxAnalysisOptions {
  /** Base URL of the sandbox API server, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Bearer token of the sandbox. */
  readonly token: string;
  /** Deadline of one read, milliseconds. Default 5 000. */
  readonly timeoutMs?: number;
}

/** Figures of `GET /_sandbox/stats` (ratios 0..1, milliseconds, counts); null when there was no traffic. */
interface SandboxStats {
  requests: number | null;
  successRate: number | null;
  errorRate: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  saturation: number | null;
  restarts: number | null;
}

/** Labels that select a feature-flag variant (Prometheus spelling and OpenTelemetry's), not an image version. */
const VARIANT_LABELS = new Set(['feature_flag_variant', 'feature_flag.variant']);

const FIELD = {
  'success-rate': 'successRate',
  'error-rate': 'errorRate',
  'latency-p95': 'p95Ms',
  'latency-p99': 'p99Ms',
  saturation: 'saturation',
  'pod-restarts': 'restarts',
} as const satisfies Record<string, keyof SandboxStats>;

/**
 * An `AnalysisSource` reading the sandbox's own numbers over its HTTP endpoint `/_sandbox/stats`, so it
 * works in-process and against a `switchyard sandbox` in another process. The reported `query` is the
 * PromQL `renderMetricQuery` gives for the same metric, so explanations read the same as with Prometheus.
 * With `versionLabel` `feature_flag_variant`, `version` names a flag variant (`on`), as the sandbox labels the
 * requests of services that evaluate a flag. Never throws for sandbox trouble: no traffic is inconclusive `noData`, a down sandbox `unreachable`,
 * a slow one `timeout`; a custom PromQL metric is inconclusive (the sandbox evaluates no PromQL).
 * Rejects only with an AbortError when `signal` aborts.
 */
export function createSandboxAnalysis(options: SandboxAnalysisOptions): AnalysisSource {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    async read(metric: MetricQuerySource, params: MetricQueryParams, signal?: AbortSignal) {
      let query: string;
      try {
        query = renderMetricQuery(metric, params);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return {
          query: '',
          sample: {
            kind: 'error',
            reason: 'badQuery',
            message: `The ${metric.kind} query cannot be built: ${message}.`,
          },
        };
      }
      if (metric.kind === 'custom')
        return {
          query,
          sample: inconclusive(
            'noData',
            'The sandbox evaluates no custom PromQL; point the run at a Prometheus (--prometheus) to use this metric.',
          ),
        };
      const windowSeconds = durationMs(params.window ?? metric.window ?? '2m') / 1000;
      const q = new URLSearchParams({ job: params.job, windowSeconds: String(windowSeconds) });
      if (params.namespace) q.set('namespace', params.namespace);
      // A flag ramp selects by the variant label instead of the version label (the sandbox's is feature_flag_variant);
      // pods serve every variant, so restarts and saturation are the whole workload's.
      const wholeWorkload =
        params.podsCarryVersion === false && (metric.kind === 'pod-restarts' || metric.kind === 'saturation');
      if (params.version && !wholeWorkload)
        q.set(VARIANT_LABELS.has(params.versionLabel ?? '') ? 'variant' : 'version', params.version);
      return {
        query,
        sample: await fetchSample(
          `${base}/_sandbox/stats?${q}`,
          options.token,
          timeoutMs,
          FIELD[metric.kind],
          signal,
        ),
      };
    },
  };
}

async function fetchSample(
  url: string,
  token: string,
  timeoutMs: number,
  field: keyof SandboxStats,
  signal?: AbortSignal,
): Promise<MetricSample> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let body: SandboxStats & { nowMs?: number };
  try {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: combined,
    });
    if (!res.ok)
      return inconclusive('badResponse', `The sandbox answered ${res.status} to the stats request.`);
    body = (await res.json()) as SandboxStats;
  } catch (error) {
    if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    if (deadline.aborted)
      return inconclusive('timeout', `The sandbox did not answer within ${timeoutMs} ms.`);
    if (error instanceof SyntaxError)
      return inconclusive('badResponse', 'The sandbox answered with something that is not JSON.');
    return inconclusive('unreachable', `The sandbox at ${new URL(url).origin} cannot be reached.`);
  }
  const value = body[field];
  if (value === null || value === undefined)
    return inconclusive(
      'noData',
      `The sandbox has no ${field} yet: no requests reached this version in the window.`,
    );
  if (typeof value !== 'number')
    return inconclusive('badResponse', `The sandbox sent a ${field} that is not a number.`);
  if (Number.isNaN(value)) return inconclusive('nan', `The sandbox's ${field} is NaN.`);
  return { kind: 'value', value, atMs: Date.now(), series: 1 };
}

function inconclusive(
  reason: 'unreachable' | 'timeout' | 'noData' | 'nan' | 'badResponse',
  message: string,
): MetricSample {
  return { kind: 'inconclusive', reason, message };
}
