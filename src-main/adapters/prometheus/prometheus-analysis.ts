import { renderMetricQuery } from '../../../src-shared/plan/promql.ts';
import type { MetricsPort } from '../../ports/metrics.port.ts';
import type { AnalysisSource } from '../../ports/release.port.ts';

/**
 * An `AnalysisSource` over any `MetricsPort` that speaks PromQL: renders the metric's query with its
 * label values escaped, then reads it as an instant sample. A query that cannot be rendered (bad window,
 * custom metric without a query) comes back as an `error` sample with an empty query, never a throw.
 */
export function createPromqlAnalysis(metrics: MetricsPort): AnalysisSource {
  return {
    async read(metric, params, signal) {
      let query: string;
      try {
        query = renderMetricQuery(metric, params);
      } catch (error) {
        const message = `The ${metric.kind} query cannot be built: ${error instanceof Error ? error.message : String(error)}.`;
        return { query: '', sample: { kind: 'error', reason: 'badQuery', message } };
      }
      return { query, sample: await metrics.instant(query, signal) };
    },
  };
}
