import { latencyBuckets, type TrafficModel } from './traffic.ts';
import type { ObjectStore } from './store.ts';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(l: Record<string, string>): string {
  return `{${Object.entries(l)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;
}

/**
 * Prometheus text exposition (format 0.0.4) of the sandbox: request counters and latency
 * histograms per (job, namespace, version, status), the kube-state-metrics series the runbook's
 * dashboards use, and a saturation gauge. Counters are floored to whole requests.
 */
export function renderMetrics(store: ObjectStore, traffic: TrafficModel): string {
  const out: string[] = [];
  const series = [...traffic.series.values()].sort((a, b) =>
    `${a.namespace}/${a.job}/${a.version}`.localeCompare(`${b.namespace}/${b.job}/${b.version}`),
  );
  out.push(
    '# HELP http_requests_total Requests served, by status code.',
    '# TYPE http_requests_total counter',
  );
  for (const s of series) {
    const base = { job: s.job, namespace: s.namespace, version: s.version };
    out.push(`http_requests_total${labels({ ...base, status: '200' })} ${Math.floor(s.requests - s.errors)}`);
    out.push(`http_requests_total${labels({ ...base, status: '500' })} ${Math.floor(s.errors)}`);
  }
  out.push(
    '# HELP http_request_duration_seconds Request latency in seconds.',
    '# TYPE http_request_duration_seconds histogram',
  );
  for (const s of series) {
    const base = { job: s.job, namespace: s.namespace, version: s.version };
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
    '# HELP switchyard_sandbox_saturation_ratio Resource saturation of a version (ratio 0..1).',
    '# TYPE switchyard_sandbox_saturation_ratio gauge',
  );
  for (const s of series)
    out.push(
      `switchyard_sandbox_saturation_ratio${labels({ job: s.job, namespace: s.namespace, version: s.version })} ${s.saturation}`,
    );
  out.push(
    '# HELP kube_pod_container_status_restarts_total Container restarts.',
    '# TYPE kube_pod_container_status_restarts_total counter',
  );
  for (const p of store.list('pods')) {
    const c = p.status?.containerStatuses?.[0];
    if (!c) continue;
    out.push(
      `kube_pod_container_status_restarts_total${labels({ namespace: p.metadata.namespace ?? '', pod: p.metadata.name, container: c.name, uid: p.metadata.uid ?? '' })} ${c.restartCount ?? 0}`,
    );
  }
  const deployments = store.list('deployments.apps');
  out.push(
    '# HELP kube_deployment_status_replicas_available Available replicas of a Deployment.',
    '# TYPE kube_deployment_status_replicas_available gauge',
  );
  for (const d of deployments)
    out.push(
      `kube_deployment_status_replicas_available${labels({ namespace: d.metadata.namespace ?? '', deployment: d.metadata.name })} ${d.status?.availableReplicas ?? 0}`,
    );
  out.push(
    '# HELP kube_deployment_spec_replicas Desired replicas of a Deployment.',
    '# TYPE kube_deployment_spec_replicas gauge',
  );
  for (const d of deployments)
    out.push(
      `kube_deployment_spec_replicas${labels({ namespace: d.metadata.namespace ?? '', deployment: d.metadata.name })} ${d.spec?.replicas ?? 0}`,
    );
  return `${out.join('\n')}\n`;
}
