import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { VirtualService } from '../../../../src-main/adapters/kube/router-objects.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import { onSandbox, planOf, startOnSandbox, untilSnapshot } from '../../../support/sandbox-release.ts';

const NS = 'platform-production';
const APP = 'workflow-engine';
const SPEED = 50;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-ready-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const canaryPlan = (tag: string) =>
  planOf(`
name: ready-canary
target: { namespace: ${NS}, name: ${APP}, image: registry.platform.com/${APP}:${tag} }
router: { kind: istio, virtualService: ${APP}, destinationRule: ${APP} }
strategy:
  kind: canary
  readyTimeout: 90s
  steps: [{ setWeight: 10 }, { pause: { duration: 20s } }]
`);

const abPlan = (tag: string) =>
  planOf(`
name: ready-ab
target: { namespace: ${NS}, name: ${APP}, image: registry.platform.com/${APP}:${tag} }
router: { kind: istio, virtualService: ${APP}, destinationRule: ${APP} }
strategy:
  kind: ab-test
  variants: [{ name: control, version: stable, weight: 70 }, { name: treatment, version: ${tag}, weight: 30 }]
  cohort: { header: x-user-segment, regex: 'free|basic' }
  defaultVariant: control
  primaryMetrics: [{ name: conversion_rate, goal: maximize, minEffect: 0.05 }]
  guardrails: [{ metric: error-rate, op: '>', threshold: 0.5, severity: fail }]
  duration: 1h
`);

const run = (sb: SandboxHandle, plan: ReleasePlan, name: string) => startOnSandbox(sb, plan, join(dir, name));

const kubeOf = (sb: SandboxHandle) => {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  return kc;
};

/**
 * Every version of the VirtualService the sandbox serves from now on, as the canary's weight in it, with the
 * canary Deployment's ready pods read when a weight above 0 first shows.
 */
async function followCanaryWeight(sb: SandboxHandle) {
  const kc = kubeOf(sb);
  const apps = kc.makeApiClient(AppsV1Api);
  const weights: number[] = [];
  const readyAtFirstWeight: number[] = [];
  const controller = await new Watch(kc).watch(
    `/apis/networking.istio.io/v1beta1/namespaces/${NS}/virtualservices`,
    { fieldSelector: `metadata.name=${APP}` },
    (_type, vs: VirtualService) => {
      const route = vs.spec?.http?.find((h) => h.name === 'primary') ?? vs.spec?.http?.[0];
      const w = route?.route?.find((d) => d.destination?.subset === 'canary')?.weight ?? 0;
      if (w > 0 && !weights.some((x) => x > 0))
        void apps
          .readNamespacedDeployment({ name: `${APP}-canary`, namespace: NS })
          .then((d) => readyAtFirstWeight.push(d.status?.readyReplicas ?? 0));
      weights.push(w);
    },
    () => undefined,
  );
  return { weights, readyAtFirstWeight, stop: () => controller.abort() };
}

type FollowedWeight = Awaited<ReturnType<typeof followCanaryWeight>>;

/** Runs `test` on a fresh sandbox while following the canary weight its router shows. */
const onSandboxFollowingWeight = (test: (sb: SandboxHandle, seen: FollowedWeight) => Promise<void>) =>
  onSandbox({ speed: SPEED }, async (sb) => {
    const seen = await followCanaryWeight(sb);
    try {
      await test(sb, seen);
    } finally {
      seen.stop();
    }
  });

describe('traffic only to ready pods, against the sandbox', () => {
  it('a canary whose pods never get ready aborts with the readiness reason and never gets any traffic', async () => {
    await onSandboxFollowingWeight(async (sb, seen) => {
      const handle = await run(sb, canaryPlan('v1.25.3-unready'), 'never-ready');
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      expect(outcome.reason).toMatch(
        /^Step 1: the canary did not have the 2 ready pod\(s\) 10 % of traffic needs within the readyTimeout of 90s \(0 ready\); aborting/,
      );
      expect(outcome.snapshot.decisions.at(-1)?.cause).toBe('ready-timeout');
      expect(outcome.snapshot.traffic.actual).toEqual({ stable: 100, canary: 0 });
      // The router never sent the canary anything, and the unready version served no request.
      expect(seen.weights.length).toBeGreaterThan(0);
      expect(seen.weights.filter((w) => w > 0)).toEqual([]);
      expect(
        sb.stats({ namespace: NS, job: APP, version: 'v1.25.3-unready', windowSeconds: 600 }).requests ?? 0,
      ).toBe(0);
    });
  }, 60_000);

  it('a replica-ratio canary that never gets ready aborts before the stable side loses a pod', async () => {
    await onSandbox({ speed: SPEED }, async (sb) => {
      const apps = kubeOf(sb).makeApiClient(AppsV1Api);
      let fewestStable = Infinity;
      const plan = planOf(`
name: ready-ratio
target: { namespace: ${NS}, name: ${APP}, image: registry.platform.com/${APP}:v1.25.3-unready }
router: { kind: replica-ratio }
strategy:
  kind: canary
  readyTimeout: 60s
  steps: [{ setWeight: 25 }, { pause: { duration: 20s } }]
`);
      const handle = await run(sb, plan, 'never-ready-ratio');
      let settled = false;
      void handle.done.then(() => (settled = true));
      while (!settled) {
        const stable = await apps.readNamespacedDeployment({ name: APP, namespace: NS });
        fewestStable = Math.min(fewestStable, stable.spec?.replicas ?? 0);
        await new Promise((r) => setTimeout(r, 20));
      }
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      // 25 % of 20 pods is 5 canary pods; none got ready, so the stable side was never scaled down.
      expect(outcome.reason).toMatch(/did not have the 5 ready pod\(s\) 25 % of traffic needs/);
      expect(fewestStable).toBe(20);
      const canary = await apps.readNamespacedDeployment({ name: `${APP}-canary`, namespace: NS });
      expect(canary.spec?.replicas).toBe(0);
    });
  }, 60_000);

  it('a canary weight reaches the canary only once the pods it needs are ready', async () => {
    await onSandboxFollowingWeight(async (sb, seen) => {
      const handle = await run(sb, canaryPlan('v1.25.0'), 'ready-canary');
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('completed');
      // 10 % of 20 stable replicas needs 2 canary pods, both ready when the weight first shows.
      expect(seen.weights.filter((w) => w > 0)[0]).toBe(10);
      await expect.poll(() => seen.readyAtFirstWeight[0]).toBeGreaterThanOrEqual(2);
    });
  }, 60_000);

  it('the A/B treatment runs on the pods its share needs, and the control is measured with data', async () => {
    await onSandbox({ speed: SPEED }, async (sb) => {
      const handle = await run(sb, abPlan('v1.25.0'), 'ab-ready');
      await untilSnapshot(handle, (s) => s.phase.includes('running.'));
      const apps = kubeOf(sb).makeApiClient(AppsV1Api);
      const treatment = await apps.readNamespacedDeployment({ name: `${APP}-canary`, namespace: NS });
      // 30 % of 20 replicas: 6 pods, ready before the cohort was routed to them.
      expect(treatment.spec?.replicas).toBe(6);
      expect(treatment.status?.readyReplicas ?? 0).toBeGreaterThanOrEqual(6);
      const measured = await untilSnapshot(
        handle,
        (s) => s.samples.some((x) => x.group === 'control') && s.samples.some((x) => x.group === 'treatment'),
      );
      const control = measured.samples.filter((x) => x.group === 'control');
      expect(control.map((x) => x.version)).toContain('v1.24.0');
      expect(control.every((x) => x.value !== null && x.outcome === 'success')).toBe(true);
      expect(control[0]?.query).toMatch(/version="v1\.24\.0"/);
      handle.send({ type: 'ABORT', reason: 'test over' });
      const outcome = await handle.done;
      expect(outcome.kind).toBe('aborted');
    });
  }, 60_000);
});
