import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoordinationV1Api, V1MicroTime, Watch, type V1Lease } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientsFor, until } from './clients.ts';
import { useSandboxFolder } from './sandbox-folder.ts';

const run = promisify(execFile);
const namespace = 'platform-production';
const box = useSandboxFolder('switchyard-leases-', { sandbox: {} });
const { dir } = box;
let leases: CoordinationV1Api;

beforeAll(() => {
  leases = clientsFor(box.sb).kc.makeApiClient(CoordinationV1Api);
});

const lease = (name: string, holder: string): V1Lease => ({
  metadata: { name, namespace },
  spec: { holderIdentity: holder, leaseDurationSeconds: 30, renewTime: new V1MicroTime(Date.now()) },
});

describe('the sandbox serves coordination.k8s.io/v1 Leases', () => {
  it('creates, reads, lists, updates, patches and deletes a Lease, with 409 on a duplicate or a stale resourceVersion', async () => {
    const created = await leases.createNamespacedLease({ namespace, body: lease('crud', 'release-a') });
    expect(created.spec?.holderIdentity).toBe('release-a');
    await expect(
      leases.createNamespacedLease({ namespace, body: lease('crud', 'release-b') }),
    ).rejects.toMatchObject({ code: 409 });

    const read = await leases.readNamespacedLease({ name: 'crud', namespace });
    const renewed = await leases.replaceNamespacedLease({
      name: 'crud',
      namespace,
      body: { ...read, spec: { ...read.spec, renewTime: new V1MicroTime(Date.now() + 1000) } },
    });
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    // The same read once more: its resourceVersion is old now, so the update is refused.
    await expect(
      leases.replaceNamespacedLease({
        name: 'crud',
        namespace,
        body: { ...read, spec: { ...read.spec, holderIdentity: 'release-b' } },
      }),
    ).rejects.toMatchObject({ code: 409 });

    const patched = await clientsFor(box.sb).objects.patch(
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'crud', namespace },
        spec: { leaseTransitions: 1 },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      'application/merge-patch+json' as never,
    );
    expect((patched as V1Lease).spec?.leaseTransitions).toBe(1);
    const list = await leases.listNamespacedLease({ namespace });
    expect(list.items.map((l) => [l.metadata?.name, l.spec?.holderIdentity])).toContainEqual([
      'crud',
      'release-a',
    ]);
    await leases.deleteNamespacedLease({ name: 'crud', namespace });
    await expect(leases.readNamespacedLease({ name: 'crud', namespace })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('streams Lease changes to a watch', async () => {
    const seen: string[] = [];
    const req = await new Watch(clientsFor(box.sb).kc).watch(
      `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
      {},
      (type, obj: V1Lease) => seen.push(`${type} ${obj.metadata?.name}`),
      () => undefined,
    );
    try {
      await leases.createNamespacedLease({ namespace, body: lease('watched', 'release-w') });
      await leases.deleteNamespacedLease({ name: 'watched', namespace });
      await until(() => (seen.includes('DELETED watched') ? true : undefined), 10_000, 'the DELETED event');
      expect(seen).toContain('ADDED watched');
    } finally {
      req.abort();
    }
  });

  it('kubectl get leases shows NAME, HOLDER and AGE', async () => {
    await leases.createNamespacedLease({
      namespace,
      body: lease('switchyard-deployment-workflow-engine', 'canary-20261206-040000'),
    });
    const { stdout } = await run(
      'kubectl',
      [
        '--kubeconfig',
        join(dir, 'kubeconfig'),
        '--cache-dir',
        join(dir, 'cache'),
        'get',
        'leases',
        '-n',
        namespace,
      ],
      { timeout: 60_000 },
    );
    const [header, ...rows] = stdout.trim().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'HOLDER', 'AGE']);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 2))).toContainEqual([
      'switchyard-deployment-workflow-engine',
      'canary-20261206-040000',
    ]);
  });
});
