import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeCluster } from '../../../../src-main/adapters/kube/kube.adapter.ts';
import { ClusterError } from '../../../../src-main/adapters/kube/kube-errors.ts';
import type { ClusterPort } from '../../../../src-main/ports/cluster.port.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { recommend } from '../../../../src-shared/decision/recommend.ts';
import { closeSoon, startFastSandbox } from './sandbox-fixture.ts';

const NS = 'platform-production';
let sb: SandboxHandle;
let cluster: ClusterPort;

beforeAll(async () => {
  sb = await startFastSandbox(1);
  cluster = createKubeCluster('sandbox', sb.kubeconfigYaml());
});
afterAll(() => closeSoon(sb));

describe('what a plan can be prefilled with, read from the sandbox through the real client', () => {
  it('reads the container, the running image, replicas, the job and the VirtualService routing to it', async () => {
    const f = await cluster.workloadPlanFacts!(NS, 'Deployment', 'workflow-engine');
    expect(f).toMatchObject({
      namespace: NS,
      kind: 'Deployment',
      name: 'workflow-engine',
      container: 'workflow-engine',
      image: 'registry.platform.com/workflow-engine:v1.24.0',
      job: 'workflow-engine',
    });
    expect(f.replicas).toBeGreaterThan(0);
    expect(f.routers[0]).toEqual({
      kind: 'istio',
      virtualService: 'workflow-engine',
      route: 'primary',
      destinationRule: 'workflow-engine',
    });
    expect(f.routers).toContainEqual({ kind: 'service-selector', service: 'workflow-engine' });
    // Every field says where it was read.
    for (const key of ['image', 'replicas', 'container', 'job', 'router'])
      expect(f.sources[key], key).toBeTruthy();
    expect(f.sources.router).toMatch(/VirtualService "workflow-engine" \(route primary\)/);
  });

  it('says when no Service selects the workload, instead of guessing a router', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(sb.kubeconfigYaml());
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'lonely' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { run: 'lonely' } },
          template: {
            metadata: { labels: { run: 'lonely' } },
            spec: { containers: [{ name: 'main', image: 'registry.platform.com/lonely:v1' }] },
          },
        },
      },
    });
    const f = await cluster.workloadPlanFacts!(NS, 'Deployment', 'lonely');
    expect(f).toMatchObject({ container: 'main', replicas: 2, routers: [] });
    expect(f.job).toBeUndefined();
    expect(f.sources.router).toBe(
      'no Service in "platform-production" selects the pods of Deployment "lonely"',
    );
  });

  it('suggests the Gateway API when an HTTPRoute sends traffic to one of its Services', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(sb.kubeconfigYaml());
    const labels = { app: 'checkout', version: 'stable' };
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'checkout' },
        spec: {
          replicas: 4,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'web', image: 'registry.platform.com/checkout:v3' }] },
          },
        },
      },
    });
    await kc.makeApiClient(CoreV1Api).createNamespacedService({
      namespace: NS,
      body: {
        metadata: { name: 'checkout-stable' },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace: NS,
      plural: 'httproutes',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'shop' },
        spec: { rules: [{ backendRefs: [{ name: 'checkout-stable', port: 80, weight: 100 }] }] },
      },
    });
    const f = await cluster.workloadPlanFacts!(NS, 'Deployment', 'checkout');
    expect(f).toMatchObject({ container: 'web', replicas: 4, job: 'checkout' });
    expect(f.routers).toEqual([
      { kind: 'gateway-api', httpRoute: 'shop' },
      { kind: 'service-selector', service: 'checkout-stable' },
    ]);
    expect(f.sources.router).toBe('HTTPRoute "shop" sends traffic to Service "checkout-stable"');
  });

  it('refuses a workload that is not there with a notFound naming it', async () => {
    const err = await cluster.workloadPlanFacts!(NS, 'Deployment', 'no-such-service').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).clusterKind).toBe('notFound');
    expect((err as Error).message).toMatch(/no-such-service/);
  });

  it('drafts plans that name the workload and the router objects found, never default/my-service', async () => {
    const f = await cluster.workloadPlanFacts!(NS, 'Deployment', 'workflow-engine');
    const [first] = recommend(
      { change: 'performance' },
      { mesh: 'istio', argoRollouts: false, spareCapacity: true, replicas: f.replicas },
      {
        namespace: f.namespace,
        name: f.name,
        image: 'registry.platform.com/workflow-engine:v1.25.0',
        context: 'sandbox',
        container: f.container!,
        job: f.job!,
      },
      { virtualService: 'wf-vs', route: 'main', destinationRule: 'wf-dr' },
    );
    expect(first!.plan.target).toMatchObject({
      namespace: NS,
      name: 'workflow-engine',
      context: 'sandbox',
      container: 'workflow-engine',
      job: 'workflow-engine',
    });
    if (first!.plan.router.kind === 'istio')
      expect(first!.plan.router).toMatchObject({
        virtualService: 'wf-vs',
        route: 'main',
        destinationRule: 'wf-dr',
      });
    else throw new Error(`expected an istio router, got ${first!.plan.router.kind}`);
  });
});
