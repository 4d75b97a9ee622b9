import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';

let sandbox: SandboxHandle;
let core: CoreV1Api;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 60 });
  const kc = new KubeConfig();
  kc.loadFromString(sandbox.kubeconfigYaml());
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(async () => sandbox?.close());

describe('pod proxy', () => {
  it('answers a ready pod on its health path, as warm-up requests need', async () => {
    const pods = await core.listNamespacedPod({
      namespace: 'platform-production',
      labelSelector: 'app=agent-manager',
    });
    const name = pods.items[0]?.metadata?.name ?? '';
    const body = await core.connectGetNamespacedPodProxyWithPath({
      name: `${name}:8080`,
      namespace: 'platform-production',
      path: 'health/ready',
    });
    expect(String(body)).toMatch(/ok/);
  });

  it('answers 404 for a pod that does not exist', async () => {
    await expect(
      core.connectGetNamespacedPodProxyWithPath({
        name: 'nope:8080',
        namespace: 'platform-production',
        path: 'health/ready',
      }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it('answers 503 for a pod that never gets ready', async () => {
    sandbox.setFault({
      namespace: 'platform-production',
      service: 'notification-service',
      version: 'v1.24.0',
      neverReady: true,
    });
    // A fault applies to pods started after it: delete one so its replacement starts with it.
    const pods = await core.listNamespacedPod({
      namespace: 'platform-production',
      labelSelector: 'app=notification-service',
    });
    await core.deleteNamespacedPod({
      name: pods.items[0]!.metadata!.name!,
      namespace: 'platform-production',
    });
    await expect
      .poll(
        async () => {
          const now = await core.listNamespacedPod({
            namespace: 'platform-production',
            labelSelector: 'app=notification-service',
          });
          const fresh = now.items.find((p) => !pods.items.some((o) => o.metadata?.name === p.metadata?.name));
          if (!fresh) return 'none yet';
          return core
            .connectGetNamespacedPodProxyWithPath({
              name: fresh.metadata!.name!,
              namespace: 'platform-production',
              path: 'health/ready',
            })
            .then(() => 200)
            .catch((e: { code?: number }) => e.code);
        },
        { timeout: 20_000 },
      )
      .toBe(503);
  });
});
