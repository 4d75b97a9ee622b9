import type { HealthPoint } from '../../src-shared/bridge/contract.ts';
import { escapeLabelValue, renderMetricQuery } from '../../src-shared/plan/promql.ts';
import type { MetricsPort } from '../ports/metrics.port.ts';
import type { SandboxHandle } from '../sandbox/sandbox.ts';

/** The users served one feature-flag variant: requests carry `label="value"` (e.g. `feature_flag_variant="on"`). */
export interface VariantSelector {
  label: string;
  value: string;
}

/**
 * Reads the health timeline's figures for one version at the current time, or (a flag ramp, `variant` given)
 * for the requests served one variant, whichever version serves them.
 */
export interface HealthSampler {
  sample(version: string, atMs: number, variant?: VariantSelector): Promise<HealthPoint>;
}

export interface SampledService {
  /** Absent: every namespace (a blue-green colour may live in its own). */
  namespace?: string;
  job: string;
  /** Rate window, seconds. */
  windowSeconds: number;
}

/** The sandbox's own numbers, read in-process. */
export function sandboxHealthSampler(sandbox: SandboxHandle, svc: SampledService): HealthSampler {
  return {
    async sample(version, atMs, variant) {
      // The sandbox labels every request's variant as feature_flag_variant; one pod serves every variant.
      const s = sandbox.stats({
        namespace: svc.namespace,
        job: svc.job,
        ...(variant ? { variant: variant.value } : { version }),
        windowSeconds: svc.windowSeconds,
      });
      return {
        atMs,
        version,
        ...(variant ? { variant: variant.value } : {}),
        errorRate: s.errorRate,
        p95Ms: s.p95Ms,
        p99Ms: s.p99Ms,
        rps: s.requests === null ? null : s.requests / svc.windowSeconds,
      };
    },
  };
}

/** The runbook's queries through Prometheus; anything inconclusive is a gap (null), never a zero. */
export function prometheusHealthSampler(metrics: MetricsPort, svc: SampledService): HealthSampler {
  const window = `${svc.windowSeconds}s`;
  const read = async (query: string): Promise<number | null> => {
    const s = await metrics.instant(query);
    return s.kind === 'value' && Number.isFinite(s.value) ? s.value : null;
  };
  return {
    async sample(version, atMs, variant) {
      const label = variant?.label ?? 'version';
      const value = variant?.value ?? version;
      const params = {
        job: svc.job,
        ...(svc.namespace ? { namespace: svc.namespace } : {}),
        versionLabel: label,
        version: value,
        window,
      };
      const ns = svc.namespace ? `,namespace="${escapeLabelValue(svc.namespace)}"` : '';
      const rpsQuery = `sum(rate(http_requests_total{job="${escapeLabelValue(svc.job)}"${ns},${label}="${escapeLabelValue(value)}"}[${window}]))`;
      const [errorRate, p95Ms, p99Ms, rps] = await Promise.all([
        read(renderMetricQuery('error-rate', params)),
        read(renderMetricQuery('latency-p95', params)),
        read(renderMetricQuery('latency-p99', params)),
        read(rpsQuery),
      ]);
      return { atMs, version, ...(variant ? { variant: variant.value } : {}), errorRate, p95Ms, p99Ms, rps };
    },
  };
}
