import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's `prometheus` package installs the server. */
export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

export interface PrometheusTestOptions {
  /** Scrape targets as `host:port`, scraped every second. */
  targets: string[];
  /** The scrape job's name, which becomes the `job` label. Default `switchyard-test`. */
  job?: string;
  /** Path of the metrics endpoint on each target. Default `/metrics`. */
  metricsPath?: string;
  /** Sent to the targets as `Authorization: Bearer …` when set. */
  bearerToken?: string;
  /** Keep the targets' own `job` (and other) labels, as the sandbox's per-service series need. Default false. */
  honorLabels?: boolean;
  /** How long to wait for readiness and the first scrape, in milliseconds. Default 30000. */
  startTimeoutMs?: number;
  /** The server binary. Default `PROMETHEUS_BINARY`. */
  binary?: string;
}

export interface PrometheusTestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly job: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its data. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts Debian's Prometheus on 127.0.0.1 with a free port and a temporary TSDB, scraping `targets`
 * every second, and resolves once it is ready and has scraped every target at least once
 * (`up` present for each; the first scrape lands about 5 s after start).
 * Throws when the binary is missing, or when it exits or is not ready within `startTimeoutMs`.
 */
export async function startPrometheus(options: PrometheusTestOptions): Promise<PrometheusTestServer> {
  const binary = options.binary ?? PROMETHEUS_BINARY;
  if (!existsSync(binary)) {
    throw new Error(
      `Prometheus is not installed at ${binary}; these tests need Debian's package (apt-get install prometheus).`,
    );
  }
  const job = options.job ?? 'switchyard-test';
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-prom-'));
  const scrape: Record<string, unknown> = {
    job_name: job,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    metrics_path: options.metricsPath ?? '/metrics',
    static_configs: [{ targets: options.targets }],
  };
  if (options.honorLabels) scrape.honor_labels = true;
  if (options.bearerToken) scrape.authorization = { type: 'Bearer', credentials: options.bearerToken };
  // JSON is valid YAML, and it quotes any job name safely.
  const config = { global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [scrape] };
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await terminate(child, exited);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilScraped(
      url,
      job,
      options.targets.length,
      options.startTimeoutMs ?? 30_000,
      exited,
      () => stderr,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, job, stop };
}

/** Stops `child` with SIGTERM, then SIGKILL after 5 s, and resolves once it exited. */
export async function terminate(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function waitUntilScraped(
  url: string,
  job: string,
  targets: number,
  timeoutMs: number,
  exited: Promise<number | null>,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const upQuery = `count(up{job="${job.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"})`;
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`Prometheus exited (code ${exitCode}) before it was ready: ${stderr()}`);
    try {
      const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (ready.ok) {
        const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(upQuery)}`, {
          signal: AbortSignal.timeout(1_000),
        });
        const body = (await response.json()) as { data?: { result?: { value?: [number, string] }[] } };
        const count = Number(body.data?.result?.[0]?.value?.[1] ?? 0);
        if (count >= targets) return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `Prometheus at ${url} had not scraped its ${targets} target(s) after ${timeoutMs} ms. ${stderr()}`,
  );
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
