import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../../src-main/app/runtime.ts';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { canaryPlan } from '../engine/runner/release-harness.ts';

let dir: string;
let sb: SandboxHandle;
const missing = (context: string) => new Error(`Nothing can judge a release on "${context}".`);
const runtime = (o: { judgesSandbox?: boolean; prometheus?: boolean } = {}): Runtime =>
  createRuntime({
    journalDir: join(dir, 'journal'),
    user: 'alice',
    driver: { kind: 'run' },
    // Nothing listens on port 9: a Prometheus there answers every query "unreachable".
    ...(o.prometheus
      ? { prometheus: { url: 'http://127.0.0.1:9', judgesSandbox: o.judgesSandbox ?? false } }
      : {}),
    missingPrometheus: missing,
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sy-runtime-'));
  sb = await startSandbox({ speed: 30 });
});
afterAll(async () => {
  await sb?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a runtime opening a context', () => {
  it("refuses a real cluster without a Prometheus, with the shell's own error", () => {
    expect(() =>
      runtime().open({ kind: 'cluster', context: 'prod-eu', kubeconfig: sb.kubeconfigYaml('prod-eu') }),
    ).toThrow('Nothing can judge a release on "prod-eu".');
  });

  it('lets preflight and a finished rollback open it anyway: every measurement is inconclusive, saying why', async () => {
    const ctx = runtime().open(
      { kind: 'cluster', context: 'prod-eu', kubeconfig: sb.kubeconfigYaml('prod-eu') },
      { allowWithoutPrometheus: true },
    );
    const { sample } = await ctx.analysis.read(
      { kind: 'error-rate' },
      { job: 'workflow-engine', window: '1m' },
    );
    expect(sample).toEqual({
      kind: 'inconclusive',
      reason: 'unreachable',
      message: 'Nothing can judge a release on "prod-eu".',
    });
    await expect(ctx.sampler(canaryPlan()).sample('v1', Date.now())).rejects.toThrow(/Nothing can judge/);
  });

  it("judges a sandbox by its own numbers when the Prometheus is for real clusters (the console's)", async () => {
    const ctx = runtime({ prometheus: true }).open({
      kind: 'sandbox',
      context: 'sandbox',
      sandbox: sb,
      kubeconfig: sb.kubeconfigYaml(),
    });
    expect(ctx.isSandbox).toBe(true);
    expect(ctx.clock.speed).toBe(30);
    const { sample } = await ctx.analysis.read(
      { kind: 'error-rate' },
      { job: 'workflow-engine', window: '1m' },
    );
    expect(sample).not.toMatchObject({ reason: 'unreachable' });
    const point = await ctx.sampler(canaryPlan()).sample('v1', ctx.clock.now());
    expect(point.version).toBe('v1');
  });

  it('judges a sandbox by the Prometheus named for the run (switchyard run --prometheus)', async () => {
    const ctx = runtime({ prometheus: true, judgesSandbox: true }).open({
      kind: 'cluster',
      context: 'sandbox',
      kubeconfig: sb.kubeconfigYaml(),
      sandbox: { url: sb.url, token: sb.token, speed: 30, nowMs: sb.clock.now() },
    });
    expect(ctx.isSandbox).toBe(true);
    const { sample } = await ctx.analysis.read(
      { kind: 'error-rate' },
      { job: 'workflow-engine', window: '1m' },
    );
    expect(sample).toMatchObject({ kind: 'inconclusive', reason: 'unreachable' });
  });
});
