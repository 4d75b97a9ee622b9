import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusMetrics } from '../../../../src-main/adapters/prometheus/prometheus.adapter.ts';
import { createPromqlAnalysis } from '../../../../src-main/adapters/prometheus/prometheus-analysis.ts';
import type { MetricsPort } from '../../../../src-main/ports/metrics.port.ts';
import { escapeLabelValue } from '../../../../src-shared/plan/promql.ts';
import { startPrometheus, type PrometheusTestServer } from '../../../support/prometheus.ts';

// A job name that would break out of a naively built selector in every way it can.
const HOSTILE_JOB = 'checkout"} or vector(1) # \\ \nnext';
const TOKEN = 'scrape-token-123';

interface Exporter {
  server: Server;
  target: string;
  counts: { ok: number; failed: number };
  unauthorised: number;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function startExporter(): Promise<Exporter> {
  const exporter = { counts: { ok: 0, failed: 0 }, unauthorised: 0 } as Exporter;
  exporter.server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      exporter.unauthorised += 1;
      res.writeHead(401).end();
      return;
    }
    // Traffic grows by 100 requests per scrape, 5 % of them failing; 80 take ≤ 100 ms, 15 ≤ 250 ms, 5 ≤ 500 ms.
    exporter.counts.ok += 95;
    exporter.counts.failed += 5;
    const n = exporter.counts.ok + exporter.counts.failed;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# TYPE http_requests_total counter',
        `http_requests_total{status="200"} ${exporter.counts.ok}`,
        `http_requests_total{status="500"} ${exporter.counts.failed}`,
        '# TYPE http_request_duration_seconds histogram',
        `http_request_duration_seconds_bucket{le="0.1"} ${n * 0.8}`,
        `http_request_duration_seconds_bucket{le="0.25"} ${n * 0.95}`,
        `http_request_duration_seconds_bucket{le="0.5"} ${n}`,
        `http_request_duration_seconds_bucket{le="+Inf"} ${n}`,
        `http_request_duration_seconds_sum ${n * 0.1}`,
        `http_request_duration_seconds_count ${n}`,
        '# TYPE idle_requests_total counter',
        'idle_requests_total 7',
        '# TYPE queue_depth gauge',
        'queue_depth 42',
        '# TYPE broken_ratio gauge',
        'broken_ratio NaN',
        '',
      ].join('\n'),
    );
  });
  exporter.target = await listen(exporter.server);
  return exporter;
}

const sel = (extra = '') => `{job="${escapeLabelValue(HOSTILE_JOB)}"${extra}}`;

describe('Prometheus adapter against Debian prometheus', () => {
  let exporter: Exporter;
  let prometheus: PrometheusTestServer;
  let metrics: MetricsPort;

  beforeAll(async () => {
    exporter = await startExporter();
    prometheus = await startPrometheus({ targets: [exporter.target], job: HOSTILE_JOB, bearerToken: TOKEN });
    metrics = createPrometheusMetrics({ url: prometheus.url, timeoutMs: 2_000 });
  });

  afterAll(async () => {
    await prometheus?.stop();
    if (exporter) await close(exporter.server);
  });

  it('reads a gauge as a value with its evaluation time', async () => {
    const before = Date.now();
    const sample = await metrics.instant(`sum(queue_depth${sel()})`);
    expect(sample).toMatchObject({ kind: 'value', value: 42, series: 1 });
    if (sample.kind === 'value') expect(Math.abs(sample.atMs - before)).toBeLessThan(5_000);
    expect(exporter.unauthorised).toBe(0);
  });

  it('computes the runbook error ratio from a real counter', async () => {
    const query = `sum(rate(http_requests_total${sel(',status=~"5.."')}[1m])) / sum(rate(http_requests_total${sel()}[1m]))`;
    await expect
      .poll(async () => metrics.instant(query), { timeout: 10_000, interval: 300 })
      .toMatchObject({ kind: 'value' });
    const sample = await metrics.instant(query);
    expect(sample.kind === 'value' && sample.value).toBeCloseTo(0.05, 5);
  });

  it.each([
    ['success-rate', 0.95],
    ['error-rate', 0.05],
    ['latency-p95', 250],
    ['latency-p99', 450],
  ] as const)('reads the built-in %s metric through its rendered PromQL', async (kind, expected) => {
    const analysis = createPromqlAnalysis(metrics);
    const read = () => analysis.read({ kind }, { job: HOSTILE_JOB, window: '1m' });
    await expect
      .poll(async () => (await read()).sample, { timeout: 10_000, interval: 300 })
      .toMatchObject({ kind: 'value' });
    const { query, sample } = await read();
    expect(query).toContain(`job="${escapeLabelValue(HOSTILE_JOB)}"`);
    expect(sample.kind === 'value' && sample.value).toBeCloseTo(expected, 5);
  });

  it.each([
    [
      'a custom query with placeholders',
      { kind: 'custom', query: 'sum(queue_depth{job="{{job}}"})' },
      { kind: 'value', value: 42 },
    ],
    [
      'a custom query that does not parse',
      { kind: 'custom', query: 'sum(queue_depth{job="{{job}}"}' },
      { kind: 'error', reason: 'badQuery' },
    ],
    [
      'a window that is not a duration',
      { kind: 'success-rate', window: 'soon' },
      { kind: 'error', message: /success-rate query cannot be built/ },
    ],
  ] as const)('reads %s', async (_what, metric, expected) => {
    const { sample } = await createPromqlAnalysis(metrics).read(metric, { job: HOSTILE_JOB });
    expect(sample).toMatchObject(expected);
  });

  it.each([
    ['an unknown metric', `sum(no_such_metric${sel()})`, 'noData'],
    ['a label that matches nothing', `sum(queue_depth{job="checkout"})`, 'noData'],
    ['a NaN gauge', `sum(broken_ratio${sel()})`, 'nan'],
    [
      'a ratio over a service with no traffic',
      `sum(rate(idle_requests_total${sel()}[1m])) / sum(rate(idle_requests_total${sel()}[1m]))`,
      'nan',
    ],
    ['several series', `http_requests_total${sel()}`, 'multipleSeries'],
  ])('calls %s inconclusive, never a number', async (_what, query, reason) => {
    const sample = await metrics.instant(query);
    expect(sample).toMatchObject({ kind: 'inconclusive', reason });
    expect(sample).not.toHaveProperty('value');
  });

  it('reads a range as one series of timed points', async () => {
    const end = Date.now();
    const range = await metrics.range(`sum(queue_depth${sel()})`, end - 10_000, end, 1);
    expect(range.kind).toBe('series');
    if (range.kind !== 'series') return;
    expect(range.points.length).toBeGreaterThan(0);
    expect(range.points.every((p) => p.value === 42 && p.atMs >= end - 10_000 && p.atMs <= end)).toBe(true);
    expect(await metrics.range(`sum(broken_ratio${sel()})`, end - 5_000, end, 1)).toMatchObject({
      reason: 'nan',
    });
  });

  it('keeps a hostile workload name inside its selector', async () => {
    const escaped = `sum(queue_depth${sel()})`;
    expect(metrics.validateQuery(escaped)).toEqual({ ok: true });
    expect(await metrics.instant(escaped)).toMatchObject({ kind: 'value', value: 42 });
    // The same name pasted in raw would not even parse; an injected `or vector(1)` never yields 1.
    expect(metrics.validateQuery(`sum(queue_depth{job="${HOSTILE_JOB}"})`).ok).toBe(false);
    const injected = `sum(queue_depth{job="${escapeLabelValue('x"} or vector(1) or {job="y')}"})`;
    expect(await metrics.instant(injected)).toMatchObject({ kind: 'inconclusive', reason: 'noData' });
  });

  it.each([
    ['an unclosed call', 'sum(rate(http_requests_total[2m])', /line 1, column 34.*ends too early/],
    ['a stray operator', 'sum(up) / / 2', /line 1, column 11/],
    ['an error on the second line', 'sum(up)\n  + )', /line 2, column 5/],
    ['an empty query', '  ', /empty/],
  ])('rejects %s before contacting Prometheus, naming the position', async (_what, query, message) => {
    const validation = metrics.validateQuery(query);
    expect(validation.ok).toBe(false);
    if (!validation.ok) expect(validation.message).toMatch(message);
    expect(await metrics.instant(query)).toMatchObject({ kind: 'error', reason: 'badQuery', message });
  });

  it('passes on the message of a query Prometheus itself rejects', async () => {
    const sample = await metrics.instant('rate(queue_depth)');
    expect(sample).toMatchObject({ kind: 'error', reason: 'badQuery' });
    expect(sample.kind === 'error' && sample.message).toMatch(/expected type range vector/);
  });

  it('calls a stopped Prometheus unreachable', async () => {
    await prometheus.stop();
    const sample = await metrics.instant(`sum(queue_depth${sel()})`);
    expect(sample).toMatchObject({ kind: 'inconclusive', reason: 'unreachable' });
    expect(sample.kind === 'inconclusive' && sample.message).toContain(prometheus.url);
  });
});

describe('Prometheus adapter against a server that never answers', () => {
  let hung: Server;
  let url: string;

  beforeAll(async () => {
    hung = createServer(() => undefined);
    url = `http://${await listen(hung)}`;
  });
  afterAll(() => close(hung));

  it('gives up after the timeout and says so', async () => {
    const metrics = createPrometheusMetrics({ url, timeoutMs: 300 });
    const started = performance.now();
    const sample = await metrics.instant('sum(up)');
    const elapsed = performance.now() - started;
    expect(sample).toMatchObject({ kind: 'inconclusive', reason: 'timeout' });
    expect(sample.kind === 'inconclusive' && sample.message).toMatch(/within 300 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('rejects with the caller’s abort, not a sample', async () => {
    const metrics = createPrometheusMetrics({ url, timeoutMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(metrics.range('sum(up)', 0, 60_000, 15, controller.signal)).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('test helper', () => {
  it('says plainly when the Prometheus binary is missing', async () => {
    await expect(startPrometheus({ targets: [], binary: '/nonexistent/prometheus' })).rejects.toThrow(
      /not installed at \/nonexistent\/prometheus.*apt-get install prometheus/,
    );
  });
});

// Answers real Prometheus will not give on demand (proxy errors, auth failures, garbage), so a fake.
describe('Prometheus adapter against a fake HTTP server', () => {
  let fake: Server;
  let url: string;
  let reply: { status: number; body: string };
  let seenAuthorization: string | undefined;

  beforeAll(async () => {
    fake = createServer((req, res) => {
      seenAuthorization = req.headers.authorization;
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    });
    url = `http://${await listen(fake)}`;
  });
  afterAll(() => close(fake));

  const error = (errorType: string, message: string) =>
    JSON.stringify({ status: 'error', errorType, error: message });
  const vector = (...values: string[]) =>
    JSON.stringify({
      status: 'success',
      data: {
        resultType: 'vector',
        result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1_764_000_000.5, v] })),
      },
    });

  it.each([
    ['a proxy in front of a stopped Prometheus', 503, 'Service Unavailable', 'inconclusive', 'unreachable'],
    ['a gateway timeout', 504, '', 'inconclusive', 'timeout'],
    [
      'a query that ran out of time',
      503,
      error('timeout', 'query timed out in expression evaluation'),
      'inconclusive',
      'timeout',
    ],
    [
      'an execution error',
      422,
      error('execution', 'many-to-many matching not allowed'),
      'inconclusive',
      'badResponse',
    ],
    ['refused credentials', 401, 'Unauthorized', 'inconclusive', 'unreachable'],
    ['a body that is not JSON', 200, '<html>login</html>', 'inconclusive', 'badResponse'],
    [
      'a result of an unknown shape',
      200,
      JSON.stringify({ status: 'success', data: { resultType: 'string' } }),
      'inconclusive',
      'badResponse',
    ],
    ['a rejected query', 400, error('bad_data', 'unknown function "rat"'), 'error', 'badQuery'],
  ])('calls %s %s/%s', async (_what, status, body, kind, reason) => {
    reply = { status, body };
    const sample = await createPrometheusMetrics({ url }).instant('sum(up)');
    expect(sample).toMatchObject({ kind, reason });
  });

  it.each([
    ['+Inf', Number.POSITIVE_INFINITY],
    ['-Inf', Number.NEGATIVE_INFINITY],
    ['0.25', 0.25],
  ])('reads the sample value %s', async (raw, value) => {
    reply = { status: 200, body: vector(raw) };
    expect(await createPrometheusMetrics({ url }).instant('sum(up)')).toEqual({
      kind: 'value',
      value,
      atMs: 1_764_000_000_500,
      series: 1,
    });
  });

  it('sends basic auth from the URL and a bearer token, and never puts either in a message', async () => {
    reply = { status: 502, body: '' };
    const withUser = url.replace('http://', 'http://ops:s3cret@');
    const sample = await createPrometheusMetrics({ url: withUser }).instant('sum(up)');
    expect(seenAuthorization).toBe(`Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
    expect(JSON.stringify(sample)).not.toContain('s3cret');

    await createPrometheusMetrics({ url, bearerToken: 'tok-123' }).instant('sum(up)');
    expect(seenAuthorization).toBe('Bearer tok-123');
  });

  it.each([
    ['not a URL', 'prometheus:9090:x'],
    ['another scheme', 'ftp://127.0.0.1:9090'],
  ])('refuses a URL that is %s at once', (_what, bad) => {
    expect(() => createPrometheusMetrics({ url: bad })).toThrow(/Prometheus URL/);
  });

  it.each([
    ['an end before the start', 2_000, 1_000, 15, /must end after it starts/],
    ['a zero step', 0, 1_000, 0, /positive number of seconds/],
  ])('rejects a range with %s without a request', async (_what, start, end, step, message) => {
    reply = { status: 500, body: '' };
    expect(await createPrometheusMetrics({ url }).range('sum(up)', start, end, step)).toMatchObject({
      kind: 'error',
      message,
    });
  });
});
