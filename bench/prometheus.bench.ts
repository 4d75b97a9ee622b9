import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrometheusMetrics } from '../src-main/adapters/prometheus/prometheus.adapter.ts';
import { startPrometheus } from '../test/support/prometheus.ts';

// How long one analysis sample costs against Debian's Prometheus, and how fast a dead one is noticed:
// both sit inside the reaction budget (≤ 1 s from a breaching sample to traffic back on stable).
const QUERIES = 100;

const exporter = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end(
    '# TYPE http_requests_total counter\nhttp_requests_total{status="200"} 100\nhttp_requests_total{status="500"} 3\n',
  );
});
await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
const target = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;

const startedAt = performance.now();
const prometheus = await startPrometheus({ targets: [target], job: 'bench' });
const startMs = Math.round(performance.now() - startedAt);
console.log(`Prometheus ready with a first scrape after ${startMs} ms`);
try {
  const metrics = createPrometheusMetrics({ url: prometheus.url, timeoutMs: 2_000 });
  const query =
    'sum(rate(http_requests_total{job="bench",status=~"5.."}[1m])) / sum(rate(http_requests_total{job="bench"}[1m]))';
  const latencies: number[] = [];
  for (let i = 0; i < QUERIES; i += 1) {
    const t = performance.now();
    await metrics.instant(query);
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  const median = Math.round((latencies[Math.floor(QUERIES / 2)] ?? 0) * 100) / 100;
  const p95 = Math.round((latencies[Math.floor(QUERIES * 0.95)] ?? 0) * 100) / 100;
  console.log(`instant query (error ratio), ${QUERIES} runs: median ${median} ms, p95 ${p95} ms`);

  await prometheus.stop();
  const t = performance.now();
  const sample = await metrics.instant(query);
  const unreachableMs = Math.round((performance.now() - t) * 100) / 100;
  console.log(
    `stopped Prometheus reported as ${sample.kind}/${'reason' in sample ? sample.reason : '-'} after ${unreachableMs} ms`,
  );

  console.log(
    JSON.stringify({
      bench: 'prometheus',
      instant_query_median_ms: median,
      instant_query_p95_ms: p95,
      target_instant_query_p95_ms: 100,
      unreachable_detected_ms: unreachableMs,
      target_unreachable_detected_ms: 100,
      prometheus_first_scrape_ms: startMs,
    }),
  );
} finally {
  await prometheus.stop();
  exporter.close();
}
