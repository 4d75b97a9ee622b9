import { isDuration } from './duration.ts';
import type { MetricKind, Target } from './plan.schema.ts';

/**
 * Escapes text for use inside a double-quoted PromQL label value: backslash, double quote and
 * line breaks are escaped, so the value can never end the string and inject PromQL.
 */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Label values a metric query is rendered with. */
export interface MetricQueryParams {
  /** Prometheus `job` label of the service's HTTP metrics. */
  job: string;
  /** Kubernetes namespace (the `namespace` label); restricts every query when given. */
  namespace?: string;
  /** Selects one variant (e.g. `canary` or `stable`): the value of `versionLabel`; absent = all versions together. */
  version?: string;
  /** Label that carries the version on HTTP metrics and on pods (`label_<name>` in kube_pod_labels); default `version`. */
  versionLabel?: string;
  /** Container name for pod-restarts and saturation; absent = every container of the selected pods. */
  container?: string;
  /** Range-vector window, a duration such as `2m`; default `2m`. */
  window?: string;
  /**
   * Pod metrics only: `false` when the version label is on requests alone (a feature flag's variant: one pod
   * serves every variant), so pod-restarts and saturation are read for the whole workload's pods instead.
   */
  podsCarryVersion?: boolean;
  /** Pod metrics with `podsCarryVersion: false`: the workload whose pods (named `<workload>-…`) are counted. */
  workload?: string;
}

/** What a query is rendered from: a metric kind, and the PromQL when the kind is `custom`. */
export interface MetricQuerySource {
  kind: MetricKind;
  query?: string;
  /** Used when `params.window` is absent. */
  window?: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function matchers(pairs: [string, string | undefined, '=' | '!~' | '=~'][]): string {
  return pairs
    .filter((p): p is [string, string, '=' | '!~' | '=~'] => p[1] !== undefined)
    .map(([label, value, op]) => `${label}${op}"${escapeLabelValue(value)}"`)
    .join(',');
}

/** Escapes RE2 metacharacters (a Kubernetes name may hold dots), for a `=~` matcher. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Renders the PromQL of a metric for one service (and optionally one version), in the metric's unit:
 * success-rate and error-rate as ratios 0..1 of `http_requests_total` (5xx = error), latency-p95/p99 in
 * milliseconds from `http_request_duration_seconds_bucket`, pod-restarts as the count of
 * `kube_pod_container_status_restarts_total` increases over the window, saturation as the CPU usage / limit ratio.
 * Custom queries get `{{job}}`, `{{namespace}}`, `{{version}}`, `{{window}}` replaced by escaped values.
 * Throws a RangeError when the window is not a duration or the version label is not a label name.
 */
export function renderMetricQuery(metric: MetricQuerySource | MetricKind, params: MetricQueryParams): string {
  const source: MetricQuerySource = typeof metric === 'string' ? { kind: metric } : metric;
  const window = params.window ?? source.window ?? '2m';
  if (!isDuration(window)) throw new RangeError(`window "${window}" is not a duration such as 2m`);
  const versionLabel = params.versionLabel ?? 'version';
  if (!LABEL_NAME.test(versionLabel))
    throw new RangeError(`version label "${versionLabel}" is not a Prometheus label name`);

  const http = matchers([
    ['job', params.job, '='],
    ['namespace', params.namespace, '='],
    [versionLabel, params.version, '='],
  ]);
  const requests = (extra: string) =>
    `sum(rate(http_requests_total{${[http, extra].filter(Boolean).join(',')}}[${window}]))`;
  const quantile = (q: string) =>
    `histogram_quantile(${q}, sum(rate(http_request_duration_seconds_bucket{${http}}[${window}])) by (le)) * 1000`;
  const wholeWorkload = params.podsCarryVersion === false;
  const pods = matchers([
    ['namespace', params.namespace, '='],
    ['pod', wholeWorkload && params.workload ? `${escapeRegex(params.workload)}-.*` : undefined, '=~'],
    ['container', params.container, '='],
  ]);
  // kube-state-metrics and cAdvisor series carry no app version label: join on the pod's labels to pick one version.
  const byVersion = (expr: string) =>
    params.version === undefined || wholeWorkload
      ? expr
      : `${expr} * on(namespace, pod) group_left() max by (namespace, pod) (kube_pod_labels{${matchers([
          ['namespace', params.namespace, '='],
          [`label_${versionLabel}`, params.version, '='],
        ])}})`;

  switch (source.kind) {
    case 'success-rate':
      return `${requests('status!~"5.."')} / ${requests('')}`;
    case 'error-rate':
      return `${requests('status=~"5.."')} / ${requests('')}`;
    case 'latency-p95':
      return quantile('0.95');
    case 'latency-p99':
      return quantile('0.99');
    case 'pod-restarts':
      return `sum(${byVersion(`increase(kube_pod_container_status_restarts_total{${pods}}[${window}])`)})`;
    case 'saturation': {
      const cpuSel = [pods, 'container!=""'].filter(Boolean).join(',');
      const limitSel = [pods, 'resource="cpu"'].filter(Boolean).join(',');
      return `sum(${byVersion(`rate(container_cpu_usage_seconds_total{${cpuSel}}[${window}])`)}) / sum(${byVersion(`kube_pod_container_resource_limits{${limitSel}}`)})`;
    }
    case 'custom': {
      if (!source.query) throw new RangeError('a custom metric needs a query');
      const values: Record<string, string> = {
        job: escapeLabelValue(params.job),
        namespace: escapeLabelValue(params.namespace ?? ''),
        version: escapeLabelValue(params.version ?? ''),
        window,
      };
      return source.query.replace(
        /\{\{\s*(job|namespace|version|window)\s*\}\}/g,
        (_m, key: string) => values[key] ?? '',
      );
    }
  }
}

/**
 * The query parameters of a plan's target: job (`target.job`, else the workload name), namespace and
 * container; pass `version` (the version label value, e.g. the canary subset's) to select one variant.
 */
export function queryParamsFor(target: Target, version?: string, window?: string): MetricQueryParams {
  return {
    job: target.job ?? target.name,
    namespace: target.namespace,
    ...(target.container ? { container: target.container } : {}),
    ...(version === undefined ? {} : { version }),
    ...(window === undefined ? {} : { window }),
  };
}
