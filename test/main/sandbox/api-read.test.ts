import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { clientsFor } from './clients.ts';

let sb: SandboxHandle;
let c: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  sb = await startSandbox({ speed: 60 });
  c = clientsFor(sb);
});
afterAll(async () => {
  await sb.close();
});

describe('reference scenario through @kubernetes/client-node', () => {
  it('lists the platform namespaces', async () => {
    const list = await c.core.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining([
        'platform-production',
        'platform-production-blue',
        'platform-production-green',
      ]),
    );
  });

  it.each([
    ['workflow-engine', 20],
    ['agent-manager', 3],
    ['notification-service', 3],
  ])('serves %s at v1.24.0 with %i available replicas and a revision', async (name, replicas) => {
    const d = await c.apps.readNamespacedDeployment({ name, namespace: 'platform-production' });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe(`registry.platform.com/${name}:v1.24.0`);
    expect(d.status?.availableReplicas).toBe(replicas);
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    const pods = await c.core.listNamespacedPod({
      namespace: 'platform-production',
      labelSelector: `app=${name}`,
    });
    expect(pods.items).toHaveLength(replicas);
    expect(
      pods.items.every(
        (p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.restartCount === 0,
      ),
    ).toBe(true);
  });

  it('filters pods by field selector and pages with limit/continue', async () => {
    const one = (
      await c.core.listNamespacedPod({ namespace: 'platform-production', labelSelector: 'app=agent-manager' })
    ).items[0]!;
    const byName = await c.core.listNamespacedPod({
      namespace: 'platform-production',
      fieldSelector: `metadata.name=${one.metadata!.name}`,
    });
    expect(byName.items.map((p) => p.metadata?.name)).toEqual([one.metadata!.name]);
    const first = await c.core.listPodForAllNamespaces({ limit: 10 });
    expect(first.items).toHaveLength(10);
    expect(first.metadata?._continue).toBeTruthy();
    const second = await c.core.listPodForAllNamespaces({
      limit: 1000,
      _continue: first.metadata!._continue,
    });
    expect(first.items.length + second.items.length).toBe(36);
    expect(new Set([...first.items, ...second.items].map((p) => p.metadata?.name)).size).toBe(36);
  });

  it('rejects a request without the token with 401', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(sb.kubeconfigYaml().replace(sb.token, 'wrong'));
    await expect(kc.makeApiClient(k8s.CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 401 });
  });

  it('answers a missing object with a NotFound Status', async () => {
    const err = await c.apps
      .readNamespacedDeployment({ name: 'nope', namespace: 'platform-production' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(k8s.ApiException);
    const body = JSON.parse((err as k8s.ApiException<string>).body) as {
      reason: string;
      message: string;
      code: number;
    };
    expect(body).toMatchObject({
      reason: 'NotFound',
      code: 404,
      message: 'deployments.apps "nope" not found',
    });
  });
});
