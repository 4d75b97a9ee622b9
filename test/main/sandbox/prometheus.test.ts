import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { until } from './clients.ts';

let sb: SandboxHandle;
let prom: ChildProcess;
let promUrl: string;
let dir: string;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

// The reference runbook's analysis queries, unchanged.
const errorRateQuery =
  'sum(rate(http_requests_total{job="workflow-engine",status=~"5.."}[2m])) / sum(rate(http_requests_total{job="workflow-engine"}[2m]))';
const successRateQuery =
  'sum(rate(http_requests_total{job="workflow-engine",status!~"5.."}[2m])) / sum(rate(http_requests_total{job="workflow-engine"}[2m]))';
const p95Query =
  'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="workflow-engine"}[2m])) by (le)) * 1000';

async function query(q: string): Promise<number | undefined> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => undefined);
  if (!res?.ok) return undefined;
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  const v = Number(body.data.result[0]?.value[1]);
  return Number.isFinite(v) ? v : undefined;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-prometheus-'));
  // Ratios and quantiles do not depend on the clock speed, so a fast sandbox is consistent with real-time scraping.
  sb = await startSandbox({ speed: 10 });
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: sandbox',
      '    honor_labels: true',
      `    static_configs: [{targets: ['${new URL(sb.url).host}']}]`,
    ].join('\n'),
  );
  prom = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
});
afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom.once('exit', r));
    prom.kill('SIGTERM');
    await exited;
  }
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a real Prometheus scraping the sandbox', () => {
  it("answers the runbook's error-rate and p95 queries, following an injected fault", async () => {
    const baselineP95 = await until(() => query(p95Query), 30_000, 'Prometheus to have two scrapes');
    expect(baselineP95).toBeGreaterThan(150);
    expect(baselineP95).toBeLessThan(300);
    expect(await query(errorRateQuery)).toBeLessThan(0.01);
    expect(await query(successRateQuery)).toBeGreaterThan(0.99);

    sb.setFault({ service: 'workflow-engine', version: 'v1.24.0', errorRate: 0.3, p95Ms: 1500 });
    const errorRate = await until(
      async () => {
        const v = await query(errorRateQuery);
        return v !== undefined && v > 0.1 ? v : undefined;
      },
      20_000,
      'the error rate to follow the fault',
    );
    expect(errorRate).toBeLessThanOrEqual(0.3);
    const p95 = await until(
      async () => {
        const v = await query(p95Query);
        return v !== undefined && v > 600 ? v : undefined;
      },
      20_000,
      'p95 to follow the fault',
    );
    expect(p95).toBeLessThan(1600);
    expect(await query(successRateQuery)).toBeCloseTo(1 - ((await query(errorRateQuery)) ?? 0), 2);
  }, 60_000);
});
