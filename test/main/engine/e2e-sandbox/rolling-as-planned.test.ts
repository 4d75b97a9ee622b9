import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { resumeRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import { onSandbox, planOf, sandboxDeps, startOnSandbox } from '../../../support/sandbox-release.ts';

const NS = 'platform-production';
const APP = 'workflow-engine';
const IMAGE = `registry.platform.com/${APP}`;
const SPEED = 50;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-rolling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rollingPlan(tag: string, settings: string): ReleasePlan {
  return planOf(`
name: rolling-as-planned
target: { namespace: ${NS}, name: ${APP}, image: ${IMAGE}:${tag} }
router: { kind: service-selector, service: ${APP} }
strategy:
  kind: rolling
  ${settings}
  validation: { duration: 40s, interval: 10s, window: 30s, checks: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }] }
`);
}

const deps = (sb: SandboxHandle, plan: ReleasePlan, name: string) => ({
  ...sandboxDeps(sb, plan, join(dir, name)),
  stopWhenPaused: true,
});

const start = (sb: SandboxHandle, plan: ReleasePlan, name: string) =>
  startOnSandbox(sb, plan, join(dir, name), { stopWhenPaused: true });

function clients(sb: SandboxHandle) {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  return { apps: kc.makeApiClient(AppsV1Api), core: kc.makeApiClient(CoreV1Api) };
}

/** The rollout settings of a Deployment as a user reads them with kubectl. */
const settingsOf = (d: V1Deployment) => ({
  maxSurge: d.spec?.strategy?.rollingUpdate?.maxSurge,
  maxUnavailable: d.spec?.strategy?.rollingUpdate?.maxUnavailable,
  minReadySeconds: d.spec?.minReadySeconds,
  progressDeadlineSeconds: d.spec?.progressDeadlineSeconds,
});

const BEFORE = { maxSurge: 5, maxUnavailable: 2, minReadySeconds: 30, progressDeadlineSeconds: 600 };

describe('rolling as planned, against the sandbox', () => {
  it('applies the plan’s surge, unavailability, minReadySeconds and deadline for the release and restores them', async () => {
    await onSandbox({ speed: SPEED }, async (sb) => {
      const { apps } = clients(sb);
      const read = () => apps.readNamespacedDeployment({ name: APP, namespace: NS });
      expect(settingsOf(await read())).toEqual(BEFORE);
      const plan = rollingPlan(
        'v1.25.0',
        'maxSurge: 10\n  maxUnavailable: 0\n  minReadySeconds: 5\n  progressDeadlineSeconds: 300',
      );
      const handle = await start(sb, plan, 'planned');
      // Read the Deployment while the release runs: the plan's settings, and never fewer than 20 available pods.
      let during: ReturnType<typeof settingsOf> | undefined;
      let fewestAvailable = Infinity;
      let settled = false;
      void handle.done.then(() => (settled = true));
      while (!settled) {
        const d = await read();
        if (containerImage(d) === `${IMAGE}:v1.25.0` && !during) during = settingsOf(d);
        if (containerImage(d) === `${IMAGE}:v1.25.0` && (d.status?.replicas ?? 0) > 0)
          fewestAvailable = Math.min(fewestAvailable, d.status?.availableReplicas ?? 0);
        await new Promise((r) => setTimeout(r, 20));
      }
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('completed');
      expect(during).toEqual({
        maxSurge: 10,
        maxUnavailable: 0,
        minReadySeconds: 5,
        progressDeadlineSeconds: 300,
      });
      expect(fewestAvailable).toBeGreaterThanOrEqual(20);
      const after = await read();
      expect(containerImage(after)).toBe(`${IMAGE}:v1.25.0`);
      expect(settingsOf(after)).toEqual(BEFORE);
      expect(after.metadata?.annotations?.['switchyard.dev/rollout-before']).toBeUndefined();
    });
  }, 60_000);

  it('puts the previous settings back after a resume, from what the Deployment itself noted', async () => {
    await onSandbox({ speed: SPEED }, async (sb) => {
      const { apps } = clients(sb);
      const read = () => apps.readNamespacedDeployment({ name: APP, namespace: NS });
      const plan = rollingPlan('v1.25.0', 'maxSurge: 4\n  maxUnavailable: 1\n  minReadySeconds: 10');
      const first = await start(sb, plan, 'resumed');
      let d = await read();
      while (containerImage(d) !== `${IMAGE}:v1.25.0`) {
        await new Promise((r) => setTimeout(r, 20));
        d = await read();
      }
      // The run stops in the middle of the rollout (a closed laptop); a new run resumes it from the journal.
      await first.stop();
      const mid = await read();
      expect(settingsOf(mid)).toMatchObject({ maxSurge: 4, maxUnavailable: 1, minReadySeconds: 10 });
      expect(JSON.parse(mid.metadata?.annotations?.['switchyard.dev/rollout-before'] ?? '{}')).toEqual(
        BEFORE,
      );
      const second = await resumeRelease({ releaseId: first.id, ...deps(sb, plan, 'resumed') });
      const outcome = await second.done;
      expect(outcome.kind, outcome.reason).toBe('completed');
      const after = await read();
      expect(settingsOf(after)).toEqual(BEFORE);
      expect(after.metadata?.annotations?.['switchyard.dev/rollout-before']).toBeUndefined();
    });
  }, 60_000);

  it('reports a bad rolling release rolled back only once every pod runs the previous version again', async () => {
    await onSandbox({ speed: SPEED }, async (sb) => {
      const { apps, core } = clients(sb);
      const handle = await start(sb, rollingPlan('v1.25.1-bad', 'maxSurge: 5'), 'bad');
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('rolledBack');
      expect(outcome.reason).toMatch(
        /^Rolled back to revision 1: all 20 pods run registry\.platform\.com\/workflow-engine:v1\.24\.0 and are ready\. .*error-rate/,
      );
      // At the moment it says so, the cluster agrees: 20 pods, all on v1.24.0, all ready, the settings restored.
      const d = await apps.readNamespacedDeployment({ name: APP, namespace: NS });
      expect([d.status?.replicas, d.status?.updatedReplicas, d.status?.readyReplicas]).toEqual([20, 20, 20]);
      const pods = await core.listNamespacedPod({
        namespace: NS,
        labelSelector: `app=${APP},version=stable`,
      });
      const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
      expect(live.map((p) => p.spec?.containers[0]?.image)).toEqual(Array(20).fill(`${IMAGE}:v1.24.0`));
      expect(settingsOf(d)).toEqual(BEFORE);
    });
  }, 60_000);
});

function containerImage(d: V1Deployment): string | undefined {
  return d.spec?.template?.spec?.containers[0]?.image;
}
