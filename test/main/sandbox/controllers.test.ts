import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { appDeployment, clientsFor, until } from './clients.ts';
import { useSandboxFolder } from './sandbox-folder.ts';

const box = useSandboxFolder('sandbox-scenario-', {
  scenarioYaml: [
    'name: jobs-and-rollouts',
    'profiles:',
    '  - {startupSeconds: 2, readinessSeconds: 3}',
    '  - {service: migrate, version: v2-bad, jobFails: true, jobSeconds: 5}',
    '  - {service: migrate, version: v1, jobSeconds: 20}',
    '  - {version: v9-crash, crashLoop: true, crashAfterSeconds: 5}',
    '  - {version: v9-unready, neverReady: true}',
    'objects:',
    '  - {apiVersion: v1, kind: Service, metadata: {name: web, namespace: default}, spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}}',
  ].join('\n'),
});
let c: ReturnType<typeof clientsFor>;
const ns = 'default';

const setImage = (name: string, image: string) =>
  c.apps.patchNamespacedDeployment(
    { name, namespace: ns, body: { spec: { template: { spec: { containers: [{ name, image }] } } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
  );

const ready = (p: k8s.V1Pod) =>
  p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;

beforeAll(() => {
  c = clientsFor(box.sb);
});

describe('Deployment controller', () => {
  it('rolls out step by step within maxSurge and maxUnavailable', async () => {
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } };
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: appDeployment('roll', 'registry.platform.com/roll:v1', 10, { strategy, minReadySeconds: 5 }),
    });
    await until(async () =>
      (await c.apps.readNamespacedDeployment({ name: 'roll', namespace: ns })).status?.availableReplicas ===
      10
        ? true
        : undefined,
    );

    const pods = new Map<string, k8s.V1Pod>();
    for (const p of (await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=roll' })).items)
      pods.set(p.metadata!.name!, p);
    const list = await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=roll' });
    let maxTotal = 0;
    let minReady = Infinity;
    const newCounts = new Set<number>();
    const watch = await c.watch.watch(
      `/api/v1/namespaces/${ns}/pods`,
      { labelSelector: 'app=roll', resourceVersion: list.metadata!.resourceVersion! },
      (type, p: k8s.V1Pod) => {
        if (type === 'DELETED') pods.delete(p.metadata!.name!);
        else pods.set(p.metadata!.name!, p);
        const all = [...pods.values()];
        maxTotal = Math.max(maxTotal, all.length);
        minReady = Math.min(minReady, all.filter(ready).length);
        newCounts.add(all.filter((x) => x.spec?.containers[0]?.image?.endsWith(':v2')).length);
      },
      () => undefined,
    );
    await setImage('roll', 'registry.platform.com/roll:v2');
    const done = await until(
      async () => {
        const d = await c.apps.readNamespacedDeployment({ name: 'roll', namespace: ns });
        return (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
          d.status?.updatedReplicas === 10 &&
          d.status.availableReplicas === 10 &&
          d.status.replicas === 10
          ? d
          : undefined;
      },
      20_000,
      'the rollout to finish',
    );
    watch.abort();
    expect(maxTotal).toBeLessThanOrEqual(13);
    expect(maxTotal).toBeGreaterThan(10);
    expect(minReady).toBeGreaterThanOrEqual(8);
    expect(newCounts.size).toBeGreaterThan(3);
    expect(done.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const sets = (await c.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=roll' })).items;
    expect(
      sets
        .map((rs) => [rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], rs.spec?.replicas])
        .sort(),
    ).toEqual([
      ['1', 0],
      ['2', 10],
    ]);
    expect(done.status?.conditions?.find((x) => x.type === 'Progressing')?.reason).toBe(
      'NewReplicaSetAvailable',
    );
  });

  it('keeps the old pods serving while a crash-looping version restarts and misses its progress deadline', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: appDeployment('crashy', 'registry.platform.com/crashy:v1', 4, {
        progressDeadlineSeconds: 120,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      }),
    });
    await until(async () =>
      (await c.apps.readNamespacedDeployment({ name: 'crashy', namespace: ns })).status?.availableReplicas ===
      4
        ? true
        : undefined,
    );
    await setImage('crashy', 'registry.platform.com/crashy:v9-crash');
    const restarted = await until(
      async () => {
        const bad = (
          await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=crashy' })
        ).items.filter((p) => p.spec?.containers[0]?.image?.endsWith('v9-crash'));
        return bad.length === 1 && (bad[0]!.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2
          ? bad[0]
          : undefined;
      },
      15_000,
      'restarts of the crash-looping pod',
    );
    expect(ready(restarted)).toBe(false);
    const stalled = await until(
      async () => {
        const d = await c.apps.readNamespacedDeployment({ name: 'crashy', namespace: ns });
        return d.status?.conditions?.find((x) => x.type === 'Progressing' && x.status === 'False')
          ? d
          : undefined;
      },
      15_000,
      'ProgressDeadlineExceeded',
    );
    expect(stalled.status?.conditions?.find((x) => x.type === 'Progressing')?.reason).toBe(
      'ProgressDeadlineExceeded',
    );
    expect(stalled.status?.availableReplicas).toBe(4);
    const events = await c.core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: `involvedObject.name=${restarted.metadata!.name}`,
    });
    expect(events.items.some((e) => e.reason === 'BackOff')).toBe(true);
  });
});

describe('Services and Jobs', () => {
  it('lists ready pods as endpoint addresses and unready ones apart', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: appDeployment('web', 'registry.platform.com/web:v1', 2),
    });
    const ep = await until(async () => {
      const e = await c.core.readNamespacedEndpoints({ name: 'web', namespace: ns }).catch(() => undefined);
      return e?.subsets?.[0]?.addresses?.length === 2 ? e : undefined;
    });
    expect(ep.subsets?.[0]?.ports?.[0]?.port).toBe(8080);
    await setImage('web', 'registry.platform.com/web:v9-unready');
    const mixed = await until(async () => {
      const e = await c.core.readNamespacedEndpoints({ name: 'web', namespace: ns });
      return (e.subsets?.[0]?.notReadyAddresses?.length ?? 0) >= 1 ? e : undefined;
    });
    expect(mixed.subsets?.[0]?.addresses?.length).toBe(2);
  });

  it.each([
    ['completes', 'v1', 'Complete'],
    ['fails after its backoff limit', 'v2-bad', 'Failed'],
  ])('runs a Job that %s', async (_what, version, condition) => {
    const name = `migrate-${version.replace(/[^a-z0-9]/g, '')}`;
    await c.batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name },
        spec: {
          backoffLimit: 1,
          template: {
            metadata: { labels: { app: 'migrate' } },
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'migrate', image: `registry.platform.com/migrate:${version}` }],
            },
          },
        },
      },
    });
    const job = await until(
      async () => {
        const j = await c.batch.readNamespacedJob({ name, namespace: ns });
        return j.status?.conditions?.some((x) => x.type === condition && x.status === 'True') ? j : undefined;
      },
      15_000,
      `Job ${condition}`,
    );
    if (condition === 'Complete') expect(job.status?.succeeded).toBe(1);
    else expect(job.status?.failed).toBe(2);
  });
});
