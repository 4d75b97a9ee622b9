import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeReleaseOps } from '../../../../src-main/adapters/kube/release-ops.ts';
import { createPromqlAnalysis } from '../../../../src-main/adapters/prometheus/prometheus-analysis.ts';
import { createPrometheusMetrics } from '../../../../src-main/adapters/prometheus/prometheus.adapter.ts';
import { createFileJournal } from '../../../../src-main/engine/journal/file-journal.ts';
import { startRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import { shortCanaryPlan } from '../../../fixtures/plans/short-canary.ts';
import { startPrometheus, type PrometheusTestServer } from '../../../support/prometheus.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';

const NS = 'platform-production';
const SPEED = 10;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-prom-canary-'));
let sb: SandboxHandle;
let prom: PrometheusTestServer;

beforeAll(async () => {
  sb = await startSandbox({ speed: SPEED });
  // The sandbox labels its series with job=<service>; without honor_labels the scrape job's name replaces
  // it, so the scrape job is named after the service (the helper has no honor_labels option).
  prom = await startPrometheus({ targets: [new URL(sb.url).host], job: 'workflow-engine' });
}, 60_000);
afterAll(async () => {
  await prom?.stop();
  await closeSoon(sb);
  rmSync(dir, { recursive: true, force: true });
});

function plan(tag = 'v1.25.0'): ReleasePlan {
  return shortCanaryPlan({
    name: 'prometheus-canary',
    tag,
    pauseSeconds: 60,
    intervalSeconds: 10,
    count: 4,
    failureLimit: 1,
  });
}

async function start(id: string, tag?: string) {
  const p = plan(tag);
  const metrics = createPrometheusMetrics({ url: prom.url, timeoutMs: 1000 });
  return startRelease({
    plan: p,
    ops: createKubeReleaseOps(sb.kubeconfigYaml(), p, { pollMs: 100 }),
    analysis: createPromqlAnalysis(metrics),
    clock: sb.clock,
    journal: createFileJournal({ dir: join(dir, 'journal'), user: 'test' }),
    who: { user: 'test', context: 'sandbox' },
    releaseId: id,
    stopWhenPaused: true,
  });
}

describe('canary judged by Debian Prometheus scraping the sandbox', () => {
  it('aborts on an injected error spike, citing the PromQL and the samples; traffic ends on stable', async () => {
    const handle = await start('spike');
    let injected = false;
    handle.subscribe((s) => {
      if (!injected && s.currentStep === 1) {
        injected = true;
        sb.setFault({ namespace: NS, service: 'workflow-engine', version: 'v1.25.0', errorRate: 0.4 });
      }
    });
    const outcome = await handle.done;
    expect(outcome.kind, outcome.reason).toBe('aborted');
    const decision = outcome.snapshot.decisions.at(-1)!;
    expect(decision.summary).toMatch(/error-rate/);
    const evidence = decision.evidence.find((e) => e.metric === 'error-rate')!;
    expect(evidence.query).toBe(
      'sum(rate(http_requests_total{job="workflow-engine",namespace="platform-production",version="v1.25.0",status=~"5.."}[30s])) / sum(rate(http_requests_total{job="workflow-engine",namespace="platform-production",version="v1.25.0"}[30s]))',
    );
    const failed = evidence.samples.filter((x) => x.outcome === 'failure');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    for (const f of failed) expect(f.value).toBeGreaterThan(0.02);
    expect(evidence.arithmetic).toMatch(/failed \d+ > failureLimit 1/);
    expect((await createKubeReleaseOps(sb.kubeconfigYaml(), plan()).readSplit()).weights).toEqual({
      stable: 100,
      canary: 0,
    });
    sb.setFault({ namespace: NS, service: 'workflow-engine', version: 'v1.25.0', errorRate: 0.001 });
  }, 90_000);

  it('pauses as inconclusive and never promotes when Prometheus becomes unreachable mid-analysis', async () => {
    // Another version than the spike's, whose errors are still inside Prometheus' rate window.
    const handle = await start('unreachable', 'v1.26.0');
    let stopping: Promise<void> | undefined;
    handle.subscribe((s) => {
      const measured = s.samples.some((x) => x.source === 'analysis' && x.value !== null);
      if (!stopping && measured) stopping = prom.stop();
    });
    const outcome = await handle.done;
    await stopping;
    expect(stopping).toBeDefined();
    expect(outcome.kind, outcome.reason).toBe('paused');
    expect(outcome.snapshot.pause?.cause).toMatch(/inconclusive/i);
    expect(outcome.snapshot.decisions.some((d) => d.kind === 'promote' && d.stepIndex === 2)).toBe(false);
    const inconclusive = outcome.snapshot.samples.filter((x) => x.outcome === 'inconclusive');
    expect(inconclusive.length).toBeGreaterThan(0);
    const ops = createKubeReleaseOps(sb.kubeconfigYaml(), plan('v1.26.0'));
    expect((await ops.readSplit()).weights).toEqual({ stable: 80, canary: 20 });
    expect((await ops.workloadState('stable')).image).toBe('registry.platform.com/workflow-engine:v1.24.0');
  }, 90_000);
});
