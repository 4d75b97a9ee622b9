import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKubeCluster } from '../../../../src-main/adapters/kube/kube.adapter.ts';
import { streamFailure } from '../../../../src-main/adapters/kube/watch-loop.ts';
import { summariseRollout } from '../../../../src-main/adapters/kube/workload-summary.ts';
import type { WatchState, WatchSubscription } from '../../../../src-main/ports/cluster.port.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import type { WorkloadSummary } from '../../../../src-shared/bridge/contract.ts';
import { startGateProxy, type GateProxy, type GateRule } from './gate-proxy.ts';
import { createRollout, scaleDeployment, setRolloutStatus } from '../../../support/sandbox-workloads.ts';
import { closeSoon, startFastSandbox, until } from './sandbox-fixture.ts';

const NS = 'platform-production';
const FAST = { batchMs: 50, backoffMs: 50, discoveryRetryMs: 200 };

let sb: SandboxHandle;
const proxies: GateProxy[] = [];
const watches: WatchSubscription[] = [];

beforeAll(async () => {
  sb = await startFastSandbox(40);
  await createRollout(sb, 'checkout', 'v3.1.0', 4);
  await setRolloutStatus(sb, 'checkout', {
    replicas: 4,
    readyReplicas: 3,
    updatedReplicas: 1,
    availableReplicas: 3,
  });
});
afterEach(() => watches.splice(0).forEach((w) => w.stop()));
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await closeSoon(sb);
});

async function gate(rules: GateRule[]): Promise<GateProxy> {
  const p = await startGateProxy(sb.url, rules);
  proxies.push(p);
  return p;
}

function watch(kubeconfig: string) {
  const lists: WorkloadSummary[][] = [];
  const states: WatchState[] = [];
  const cluster = createKubeCluster('sandbox', kubeconfig, { watch: FAST });
  watches.push(
    cluster.watchWorkloads(
      NS,
      (w) => lists.push(w),
      (s) => states.push(s),
    ),
  );
  const find = (kind: string, name: string) => lists.at(-1)?.find((w) => w.kind === kind && w.name === name);
  return { lists, states, find };
}

const deploymentLists = (p: GateProxy) =>
  p.seen.filter((r) => r.method === 'GET' && r.path.endsWith('/deployments') && !r.watch).length;

describe('workloads fed by watches against the sandbox', () => {
  it('sends the whole sorted list once listed, then a scale arrives within a second without another list', async () => {
    const p = await gate([]);
    const w = watch(p.kubeconfig(sb.kubeconfigYaml()));
    await until('first list', () => w.lists.length > 0);
    const first = w.lists[0]!;
    expect(first.map((x) => `${x.kind}/${x.name}`)).toEqual(
      [...first]
        .sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind))
        .map((x) => `${x.kind}/${x.name}`),
    );
    expect(w.find('Deployment', 'workflow-engine')).toMatchObject({ replicas: 20, version: 'v1.24.0' });
    await until('watching', () => w.states.at(-1)?.state === 'watching');

    const sent = performance.now();
    await scaleDeployment(sb, 'agent-manager', 5);
    await until('the new replica count', () => w.find('Deployment', 'agent-manager')?.replicas === 5, 2_000);
    expect(performance.now() - sent).toBeLessThan(1_000);
    expect(deploymentLists(p)).toBe(1);
  });

  it('lists an Argo Rollout like a Deployment and follows its status', async () => {
    const w = watch(sb.kubeconfigYaml());
    await until('the Rollout', () => w.find('Rollout', 'checkout') !== undefined);
    expect(w.find('Rollout', 'checkout')).toEqual({
      kind: 'Rollout',
      name: 'checkout',
      namespace: NS,
      replicas: 4,
      readyReplicas: 3,
      updatedReplicas: 1,
      availableReplicas: 3,
      images: ['registry.platform.com/checkout:v3.1.0'],
      version: 'v3.1.0',
    });
    expect(w.find('Deployment', 'workflow-engine')).toBeDefined();
    await setRolloutStatus(sb, 'checkout', { readyReplicas: 4, updatedReplicas: 4, availableReplicas: 4 });
    await until('the Rollout ready', () => w.find('Rollout', 'checkout')?.readyReplicas === 4);
    const listed = await createKubeCluster('sandbox', sb.kubeconfigYaml()).listWorkloads(NS);
    expect(listed.filter((x) => x.kind === 'Rollout').map((x) => x.name)).toEqual(['checkout']);
  });

  it('shows Deployments alone, with no error, where Argo Rollouts are not installed (404)', async () => {
    const p = await gate([{ match: (r) => r.path.startsWith('/apis/argoproj.io'), status: 404 }]);
    const w = watch(p.kubeconfig(sb.kubeconfigYaml()));
    await until('first list', () => w.lists.length > 0);
    await until('watching', () => w.states.at(-1)?.state === 'watching');
    expect(w.lists.at(-1)!.every((x) => x.kind === 'Deployment')).toBe(true);
    expect(w.states.filter((s) => s.state === 'stopped' || s.state === 'reconnecting')).toEqual([]);
    const listed = await createKubeCluster('sandbox', p.kubeconfig(sb.kubeconfigYaml())).listWorkloads(NS);
    expect(listed.some((x) => x.kind === 'Rollout')).toBe(false);
  });

  it('stops at a 403 on the Deployment watch, says so, keeps the listed workloads and never retries', async () => {
    const p = await gate([{ match: (r) => r.watch && r.path.endsWith('/deployments'), status: 403 }]);
    const w = watch(p.kubeconfig(sb.kubeconfigYaml()));
    await until('stopped', () => w.states.some((s) => s.state === 'stopped'));
    expect(w.states.at(-1)).toEqual({
      state: 'stopped',
      reason: 'you may not watch Deployments in "platform-production" (403)',
    });
    await until('the listed workloads', () => w.find('Deployment', 'workflow-engine') !== undefined);
    await new Promise((r) => setTimeout(r, 400));
    expect(p.seen.filter((r) => r.watch && r.path.endsWith('/deployments'))).toHaveLength(1);
  });

  it('reports reconnecting in plain words while the server is gone, then watches and follows changes again', async () => {
    const p = await gate([]);
    const w = watch(p.kubeconfig(sb.kubeconfigYaml()));
    await until('watching', () => w.states.at(-1)?.state === 'watching');
    await p.close();
    await until('refused', () =>
      w.states.some((s) => s.state === 'reconnecting' && s.reason === 'connection refused'),
    );
    const reconnecting = w.states.filter((s) => s.state === 'reconnecting');
    expect(reconnecting[0]).toMatchObject({ reason: 'connection closed mid-stream' });
    expect(reconnecting.every((s) => s.inMs >= 0 && s.inMs <= 30_000)).toBe(true);

    // The kubeconfig names the port: the server comes back on the same one.
    const back = await startGateProxy(sb.url, [], Number(new URL(p.url).port));
    proxies.push(back);
    await until('watching again', () => w.states.at(-1)?.state === 'watching', 15_000);
    await scaleDeployment(sb, 'notification-service', 3);
    await until(
      'the change after the gap',
      () => w.find('Deployment', 'notification-service')?.replicas === 3,
    );
  });
});

describe('who the sandbox says we are', () => {
  it('answers a SelfSubjectReview with the sandbox user and its groups', async () => {
    expect(await createKubeCluster('sandbox', sb.kubeconfigYaml()).whoAmI()).toEqual({
      username: 'sandbox-admin',
      groups: ['system:masters', 'system:authenticated'],
    });
  });

  it('lists the review in discovery, as kubectl auth whoami expects', async () => {
    const res = await fetch(`${sb.url}/apis/authentication.k8s.io/v1`, {
      headers: { authorization: `Bearer ${sb.token}` },
    });
    const list = (await res.json()) as { resources: { name: string; verbs: string[] }[] };
    expect(list.resources).toContainEqual(
      expect.objectContaining({ name: 'selfsubjectreviews', verbs: ['create'] }),
    );
  });

  it.each([404, 403])('is null (not reported) when the cluster answers %i', async (status) => {
    const p = await gate([{ match: (r) => r.path.includes('selfsubjectreviews'), status }]);
    expect(await createKubeCluster('old', p.kubeconfig(sb.kubeconfigYaml())).whoAmI()).toBeNull();
  });

  it('fails as unreachable when nothing listens', async () => {
    const p = await gate([]);
    await p.close();
    await expect(
      createKubeCluster('gone', p.kubeconfig(sb.kubeconfigYaml()), { timeoutMs: 2_000 }).whoAmI(),
    ).rejects.toMatchObject({ kind: 'unreachable' });
  });
});

describe('projections', () => {
  it.each([
    [
      'a template of its own',
      { spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'r/a:v2' }] } } } },
      { replicas: 2, images: ['r/a:v2'], version: 'v2', readyReplicas: 0 },
    ],
    [
      'a workloadRef (no template)',
      { spec: { workloadRef: { name: 'a' } } },
      { replicas: 1, images: [], version: '' },
    ],
    [
      'counts from the status',
      { status: { readyReplicas: 3, updatedReplicas: 2, availableReplicas: 1 } },
      { readyReplicas: 3, updatedReplicas: 2, availableReplicas: 1 },
    ],
  ])('a Rollout with %s', (_what, rollout, expected) => {
    expect(summariseRollout({ metadata: { name: 'a', namespace: 'n' }, ...rollout })).toMatchObject({
      kind: 'Rollout',
      ...expected,
    });
  });

  it.each([
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'connection reset'],
    [Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'connection refused'],
    [Object.assign(new Error('Service Unavailable'), { statusCode: 503 }), 'the server answered 503'],
    [new Error('premature close'), 'premature close'],
  ])('a broken stream reads %s → "%s"', (err, words) => {
    expect(streamFailure(err)).toBe(words);
  });
});
