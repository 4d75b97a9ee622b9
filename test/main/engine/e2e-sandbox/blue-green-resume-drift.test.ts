import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, expect, it } from 'vitest';
import { resumeRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { appsApi } from '../../adapters/kube/sandbox-fixture.ts';
import {
  onSandbox,
  planOf,
  sandboxDeps,
  servedBy,
  startOnSandbox,
  untilSnapshot,
} from '../../../support/sandbox-release.ts';

const NS = 'platform-production';
const APP = 'agent-manager';
const image = (tag: string) => `registry.platform.com/${APP}:${tag}`;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-bg-drift-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan = planOf(`
name: ${APP}-blue-green
target: { namespace: ${NS}, name: ${APP}, image: ${image('v1.25.0')} }
router: { kind: service-selector, service: ${APP} }
strategy:
  kind: blue-green
  autoPromote: false
  warmup: { requests: 0 }
  settle: 10s
  validation: { duration: 30s, interval: 10s, window: 20s, checks: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }] }
`);

/** A colleague's `kubectl set image` on `name`: read, change, replace, again after a 409 from the controller. */
async function setImage(sb: SandboxHandle, name: string, to: string): Promise<void> {
  const apps = appsApi(sb);
  for (let attempt = 1; ; attempt++) {
    const d = await apps.readNamespacedDeployment({ name, namespace: NS });
    d.spec!.template.spec!.containers[0]!.image = to;
    try {
      await apps.replaceNamespacedDeployment({ name, namespace: NS, body: d });
      return;
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || attempt === 5) throw error;
    }
  }
}

const imageOf = async (sb: SandboxHandle, name: string) =>
  (await appsApi(sb).readNamespacedDeployment({ name, namespace: NS })).spec?.template?.spec?.containers?.[0]
    ?.image;

/** The Service's selector: which pods get the traffic (a switch adds the colour). */
async function selectorOf(sb: SandboxHandle): Promise<Record<string, string>> {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  const svc = await kc.makeApiClient(CoreV1Api).readNamespacedService({ name: APP, namespace: NS });
  return svc.spec?.selector ?? {};
}

it('a blue-green resumed after someone changed the serving colour’s image pauses as drift naming both images, and never switches', async () => {
  await onSandbox({ speed: 50 }, async (sb) => {
    const releaseId = `bg-drift-${Date.now()}`;
    const journal = join(dir, 'journal');
    // The first process deploys and checks the idle colour, waits for Promote, and ends there (a closed laptop).
    const first = await startOnSandbox(sb, plan, journal, { releaseId, stopWhenPaused: true });
    const paused = await first.done;
    expect(paused.kind, paused.reason).toBe('paused');
    // Waiting for Promote, the new colour is ready but serves nobody: the Service was narrowed to the serving pods.
    const selector = await selectorOf(sb);
    expect(selector).toEqual({ app: APP, version: 'stable' });
    expect(servedBy(sb, NS, APP, 'v1.25.0')).toBe(0);
    expect(servedBy(sb, NS, APP, 'v1.24.0')).toBeGreaterThan(0);
    const began = await imageOf(sb, APP);
    expect(began).toBe(image('v1.24.0'));

    // While Switchyard is down, a colleague releases v1.26.0 on the Deployment that serves.
    await setImage(sb, APP, image('v1.26.0'));

    const second = await resumeRelease({ releaseId, ...sandboxDeps(sb, plan, journal, { releaseId }) });
    try {
      second.send({ type: 'PROMOTE' }, 'test');
      const drift = await untilSnapshot(second, (s) =>
        /changed by someone else/.test(s.pause?.message ?? ''),
      );
      expect(drift.pause?.message).toContain(
        `Deployment ${NS}/${APP} was changed by someone else since this release began: image is ${image('v1.26.0')} (the release expected ${image('v1.24.0')})`,
      );
      // Nothing switched and nothing was overwritten.
      expect(await selectorOf(sb)).toEqual(selector);
      expect(await imageOf(sb, APP)).toBe(image('v1.26.0'));

      second.send({ type: 'ABORT' }, 'test');
      const end = await second.done;
      expect(end.kind, end.reason).toBe('aborted');
      expect(await selectorOf(sb)).toEqual(selector);
      expect(await imageOf(sb, APP)).toBe(image('v1.26.0'));
    } finally {
      await second.stop();
    }
  });
}, 90_000);
