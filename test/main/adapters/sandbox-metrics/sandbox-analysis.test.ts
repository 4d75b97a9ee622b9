import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxAnalysis } from '../../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import type { MetricKind } from '../../../../src-shared/plan/plan.schema.ts';
import { renderMetricQuery } from '../../../../src-shared/plan/promql.ts';
import { closeSoon } from '../kube/sandbox-fixture.ts';

const NS = 'platform-production';
let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startSandbox({ speed: 60 });
  sb.setFault({ namespace: NS, service: 'workflow-engine', version: 'v1.24.0', errorRate: 0.3 });
  await new Promise((r) => setTimeout(r, 1500));
});
afterAll(() => closeSoon(sb));

describe('sandbox AnalysisSource over HTTP', () => {
  it.each<[MetricKind, (v: number) => boolean]>([
    ['error-rate', (v) => v > 0.2 && v < 0.4],
    ['success-rate', (v) => v > 0.6 && v < 0.8],
    ['latency-p95', (v) => v > 50 && v < 1000],
    ['saturation', (v) => v > 0 && v <= 1],
    ['pod-restarts', (v) => v === 0],
  ])(
    'reads %s of the running version as a number, citing the PromQL Prometheus would run',
    async (kind, plausible) => {
      const params = { job: 'workflow-engine', namespace: NS, version: 'v1.24.0', window: '1m' };
      const { query, sample } = await createSandboxAnalysis({ url: sb.url, token: sb.token }).read(
        { kind },
        params,
      );
      expect(query).toBe(renderMetricQuery(kind, params));
      expect(sample.kind).toBe('value');
      if (sample.kind === 'value') expect(plausible(sample.value)).toBe(true);
    },
  );

  it('gives inconclusive noData for a version that has no traffic, never a number', async () => {
    const { sample } = await createSandboxAnalysis({ url: sb.url, token: sb.token }).read(
      { kind: 'error-rate' },
      { job: 'workflow-engine', namespace: NS, version: 'v9.9.9' },
    );
    expect(sample).toMatchObject({ kind: 'inconclusive', reason: 'noData' });
  });

  it('gives inconclusive for a custom PromQL metric, which the sandbox cannot evaluate', async () => {
    const { sample } = await createSandboxAnalysis({ url: sb.url, token: sb.token }).read(
      { kind: 'custom', query: 'up{job="{{job}}"}' },
      { job: 'workflow-engine' },
    );
    expect(sample.kind).toBe('inconclusive');
  });

  it('gives inconclusive badResponse with a wrong token', async () => {
    const { sample } = await createSandboxAnalysis({ url: sb.url, token: 'wrong' }).read(
      { kind: 'error-rate' },
      { job: 'workflow-engine' },
    );
    expect(sample).toMatchObject({ kind: 'inconclusive', reason: 'badResponse' });
  });

  it('gives inconclusive unreachable when nothing listens, and timeout when the sandbox hangs', async () => {
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as { port: number }).port;
    const slow = await createSandboxAnalysis({
      url: `http://127.0.0.1:${port}`,
      token: 't',
      timeoutMs: 200,
    }).read({ kind: 'error-rate' }, { job: 'x' });
    hang.close();
    const down = await createSandboxAnalysis({ url: `http://127.0.0.1:${port}`, token: 't' }).read(
      { kind: 'error-rate' },
      { job: 'x' },
    );
    expect(slow.sample).toMatchObject({ kind: 'inconclusive', reason: 'timeout' });
    expect(down.sample).toMatchObject({ kind: 'inconclusive', reason: 'unreachable' });
  });
});
