import { stringify as toYaml } from 'yaml';
import type { Clock } from '../ports/clock.port.ts';
import { VARIANT_LABEL } from './flags/flag-traffic.ts';
import { latencyBuckets } from './latency-histogram.ts';
import type { TrafficModel } from './traffic.ts';
import type { ObjectStore } from './store.ts';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(l: Record<string, string>): string {
  return `{${Object.entries(l)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;
}

/** The `# HELP` and `# TYPE` lines that open the metric family `name`. */
function family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

/**
 * Prometheus text exposition (format 0.0.4) of the sandbox: request counters and latency
 * histograms per (job, namespace, version, status, and `feature_flag_variant` for services that evaluate a
 * feature flag: a query without that label still sums every variant), the kube-state-metrics series the runbook's
 * dashboards use, a saturation gauge, and the sandbox clock's speed and time. Counters are floored to whole requests.
 */
export function renderMetrics(store: ObjectStore, traffic: TrafficModel, clock: Clock): string {
  const out: string[] = [
    ...family(
      'switchyard_sandbox_clock_speed',
      'gauge',
      'Sandbox seconds per real second: counters grow this many times faster than in real time, and a PromQL range such as [5m] covers this many times more sandbox time.',
    ),
    `switchyard_sandbox_clock_speed ${clock.speed}`,
    ...family(
      'switchyard_sandbox_clock_seconds',
      'gauge',
      'The sandbox clock (Unix seconds), which runs ahead of the real one when compressed.',
    ),
    `switchyard_sandbox_clock_seconds ${(clock.now() / 1000).toFixed(3)}`,
  ];
  const series = [...traffic.series.values()].sort((a, b) =>
    `${a.namespace}/${a.job}/${a.version}/${a.variant ?? ''}`.localeCompare(
      `${b.namespace}/${b.job}/${b.version}/${b.variant ?? ''}`,
    ),
  );
  const seriesLabels = (s: (typeof series)[number]) => ({
    job: s.job,
    namespace: s.namespace,
    version: s.version,
    ...(s.variant ? { [VARIANT_LABEL]: s.variant } : {}),
  });
  out.push(...family('http_requests_total', 'counter', 'Requests served, by status code.'));
  for (const s of series) {
    const base = seriesLabels(s);
    out.push(`http_requests_total${labels({ ...base, status: '200' })} ${Math.floor(s.requests - s.errors)}`);
    out.push(`http_requests_total${labels({ ...base, status: '500' })} ${Math.floor(s.errors)}`);
  }
  out.push(...family('http_request_duration_seconds', 'histogram', 'Request latency in seconds.'));
  for (const s of series) {
    const base = seriesLabels(s);
    latencyBuckets.forEach((le, i) =>
      out.push(
        `http_request_duration_seconds_bucket${labels({ ...base, le: String(le) })} ${Math.floor(Math.min(s.buckets[i]!, s.requests))}`,
      ),
    );
    out.push(
      `http_request_duration_seconds_bucket${labels({ ...base, le: '+Inf' })} ${Math.floor(s.requests)}`,
    );
    out.push(`http_request_duration_seconds_sum${labels(base)} ${s.sumSeconds.toFixed(3)}`);
    out.push(`http_request_duration_seconds_count${labels(base)} ${Math.floor(s.requests)}`);
  }
  out.push(
    ...family(
      'switchyard_sandbox_saturation_ratio',
      'gauge',
      'Resource saturation of a version (ratio 0..1).',
    ),
  );
  for (const s of series)
    out.push(`switchyard_sandbox_saturation_ratio${labels(seriesLabels(s))} ${s.saturation}`);
  out.push(...family('kube_pod_container_status_restarts_total', 'counter', 'Container restarts.'));
  for (const p of store.list('pods')) {
    const c = p.status?.containerStatuses?.[0];
    if (!c) continue;
    out.push(
      `kube_pod_container_status_restarts_total${labels({ namespace: p.metadata.namespace ?? '', pod: p.metadata.name, container: c.name, uid: p.metadata.uid ?? '' })} ${c.restartCount ?? 0}`,
    );
  }
  const deployments = store.list('deployments.apps');
  out.push(
    ...family('kube_deployment_status_replicas_available', 'gauge', 'Available replicas of a Deployment.'),
  );
  for (const d of deployments)
    out.push(
      `kube_deployment_status_replicas_available${labels({ namespace: d.metadata.namespace ?? '', deployment: d.metadata.name })} ${d.status?.availableReplicas ?? 0}`,
    );
  out.push(...family('kube_deployment_spec_replicas', 'gauge', 'Desired replicas of a Deployment.'));
  for (const d of deployments)
    out.push(
      `kube_deployment_spec_replicas${labels({ namespace: d.metadata.namespace ?? '', deployment: d.metadata.name })} ${d.spec?.replicas ?? 0}`,
    );
  return `${out.join('\n')}\n`;
}

/**
 * A Prometheus configuration that scrapes the sandbox at `url` (its `/metrics` needs no token). `honor_labels`
 * keeps the sandbox's own `job` label (the service, as the runbook's queries expect) instead of the scrape job's.
 */
export function prometheusScrapeConfig(url: string, speed: number): string {
  const target = new URL(url);
  const config = {
    global: { scrape_interval: '15s', evaluation_interval: '15s' },
    scrape_configs: [
      {
        job_name: 'switchyard-sandbox',
        honor_labels: true,
        scheme: target.protocol.replace(':', ''),
        metrics_path: '/metrics',
        ...(target.protocol === 'https:' ? { tls_config: { insecure_skip_verify: true } } : {}),
        static_configs: [{ targets: [target.host] }],
      },
    ],
  };
  const notes = [
    `Prometheus scrape configuration for the Switchyard sandbox at ${url}.`,
    'honor_labels: the sandbox labels its series job="<service>" (the runbook\'s queries filter on it).',
    ...(speed === 1
      ? []
      : [
          `The sandbox clock runs ${speed}x real time: counters grow ${speed} times faster, so rate() reads ${speed}x`,
          `the sandbox's rates and a range such as [5m] covers ${speed * 5} sandbox minutes. The series`,
          'switchyard_sandbox_clock_speed says the speed.',
        ]),
  ];
  return `${notes.map((n) => `# ${n}`).join('\n')}\n${toYaml(config)}`;
}
