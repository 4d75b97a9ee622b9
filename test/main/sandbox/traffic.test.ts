import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import type { WindowStats } from '../../../src-main/sandbox/traffic.ts';
import { clientsFor, control, until } from './clients.ts';

let sb: SandboxHandle;
let c: ReturnType<typeof clientsFor>;
const prod = 'platform-production';

/** Requests per version of a job, summed over status codes, from the sandbox's /metrics. */
async function requestsByVersion(job: string, namespace?: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${sb.url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m =
      /^http_requests_total\{job="([^"]+)",namespace="([^"]+)",version="([^"]+)",status="\d+"\} (\d+)$/.exec(
        line,
      );
    if (!m || m[1] !== job || (namespace && m[2] !== namespace)) continue;
    out.set(m[3]!, (out.get(m[3]!) ?? 0) + Number(m[4]));
  }
  return out;
}

/** Shares of requests per version that arrive between now and ~`realMs` later. */
async function shares(job: string, namespace?: string, realMs = 700): Promise<Record<string, number>> {
  const before = await requestsByVersion(job, namespace);
  await new Promise((r) => setTimeout(r, realMs));
  const after = await requestsByVersion(job, namespace);
  const delta = [...after].map(([v, n]) => [v, n - (before.get(v) ?? 0)] as const).filter(([, n]) => n > 0);
  const total = delta.reduce((s, [, n]) => s + n, 0);
  return Object.fromEntries(delta.map(([v, n]) => [v, n / total]));
}

function deployment(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  image: string,
  replicas: number,
): k8s.V1Deployment {
  return {
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

async function available(namespace: string, name: string, n: number) {
  await until(
    async () =>
      (await c.apps.readNamespacedDeployment({ name, namespace })).status?.availableReplicas === n
        ? true
        : undefined,
    10_000,
    `${name} available`,
  );
}

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
/** The reference scenario's Istio VirtualService of workflow-engine, as the custom-objects client names it. */
const workflowEngineVs = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  namespace: prod,
  plural: 'virtualservices',
  name: 'workflow-engine',
};

beforeAll(async () => {
  sb = await startSandbox({ speed: 60 });
  c = clientsFor(sb);
  await c.apps.createNamespacedDeployment({
    namespace: prod,
    body: deployment(
      prod,
      'workflow-engine-canary',
      { app: 'workflow-engine', version: 'canary' },
      'registry.platform.com/workflow-engine:v1.25.0',
      2,
    ),
  });
  await available(prod, 'workflow-engine-canary', 2);
});
afterAll(async () => {
  await sb.close();
});

describe('traffic split', () => {
  it("sends a Service's traffic to the pods it selects", async () => {
    expect(await shares('agent-manager', prod)).toEqual({ 'v1.24.0': 1 });
  });

  it('follows Istio VirtualService weights onto DestinationRule subsets', async () => {
    expect(await shares('workflow-engine', prod)).toEqual({ 'v1.24.0': 1 });
    await c.custom.patchNamespacedCustomObject(
      {
        ...workflowEngineVs,
        body: [
          { op: 'replace', path: '/spec/http/0/route/0/weight', value: 90 },
          { op: 'replace', path: '/spec/http/0/route/1/weight', value: 10 },
        ],
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    await new Promise((r) => setTimeout(r, 150));
    const split = await shares('workflow-engine', prod);
    expect(split['v1.25.0']).toBeCloseTo(0.1, 2);
    expect(split['v1.24.0']).toBeCloseTo(0.9, 2);
  });

  it('routes header-matched requests first (premium users pinned to the canary)', async () => {
    const vs = (await c.custom.getNamespacedCustomObject(workflowEngineVs)) as {
      spec: { http: unknown[] };
    };
    const premium = {
      name: 'premium',
      match: [{ headers: { 'x-user-segment': { exact: 'premium' } } }],
      route: [{ destination: { host: 'workflow-engine', subset: 'canary' } }],
    };
    const rest = {
      name: 'primary',
      route: [{ destination: { host: 'workflow-engine', subset: 'stable' }, weight: 100 }],
    };
    await c.custom.patchNamespacedCustomObject(
      {
        ...workflowEngineVs,
        body: { spec: { http: [premium, rest] } },
      },
      mergePatch,
    );
    expect(vs.spec.http).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 150));
    const split = await shares('workflow-engine', prod);
    // The reference traffic is 20 % premium users.
    expect(split['v1.25.0']).toBeCloseTo(0.2, 2);
  });

  it('follows Gateway API HTTPRoute backendRef weights', async () => {
    for (const track of ['stable', 'canary']) {
      await c.apps.createNamespacedDeployment({
        namespace: 'default',
        body: deployment(
          'default',
          `shop-${track}`,
          { app: 'shop', track },
          `registry.platform.com/shop:${track === 'stable' ? 'v1' : 'v2'}`,
          2,
        ),
      });
      await c.core.createNamespacedService({
        namespace: 'default',
        body: {
          metadata: { name: `shop-${track}` },
          spec: { selector: { app: 'shop', track }, ports: [{ port: 80 }] },
        },
      });
    }
    await c.custom.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace: 'default',
      plural: 'httproutes',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'shop' },
        spec: {
          hostnames: ['shop.example.com'],
          rules: [
            {
              backendRefs: [
                { name: 'shop-stable', port: 80, weight: 70 },
                { name: 'shop-canary', port: 80, weight: 30 },
              ],
            },
          ],
        },
      },
    });
    await available('default', 'shop-stable', 2);
    await available('default', 'shop-canary', 2);
    sb.setTraffic({ namespace: 'default', host: 'shop.example.com', rps: 100 });
    await new Promise((r) => setTimeout(r, 150));
    const split = await shares('shop', 'default');
    expect(split.v1).toBeCloseTo(0.7, 2);
    expect(split.v2).toBeCloseTo(0.3, 2);
  });

  it('splits pro rata to ready replicas when nothing routes', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: 'default',
      body: deployment('default', 'solo-a', { app: 'solo', track: 'a' }, 'registry.platform.com/solo:v1', 3),
    });
    await c.apps.createNamespacedDeployment({
      namespace: 'default',
      body: deployment('default', 'solo-b', { app: 'solo', track: 'b' }, 'registry.platform.com/solo:v2', 1),
    });
    await available('default', 'solo-a', 3);
    await available('default', 'solo-b', 1);
    sb.setTraffic({ namespace: 'default', host: 'solo', rps: 100 });
    await new Promise((r) => setTimeout(r, 150));
    const split = await shares('solo', 'default');
    expect(split.v1).toBeCloseTo(0.75, 2);
    expect(split.v2).toBeCloseTo(0.25, 2);
  });
});

describe('faults and per-version stats', () => {
  it('reports error rate and p95 that follow an injected fault', async () => {
    const baseline = await control<WindowStats>(
      sb,
      `stats?namespace=${prod}&job=agent-manager&version=v1.24.0&windowSeconds=60`,
    );
    expect(baseline.status).toBe(200);
    expect(baseline.body.errorRate).toBeCloseTo(0.002, 3);
    expect(baseline.body.p95Ms).toBeGreaterThan(150);
    expect(baseline.body.p95Ms).toBeLessThan(300);
    const set = await control(sb, 'faults', {
      method: 'POST',
      body: { service: 'agent-manager', version: 'v1.24.0', errorRate: 0.05, p95Ms: 900 },
    });
    expect(set.status).toBe(200);
    // 60 s of sandbox time is one real second at speed 60.
    await new Promise((r) => setTimeout(r, 1300));
    const after = sb.stats({ namespace: prod, job: 'agent-manager', version: 'v1.24.0', windowSeconds: 60 });
    expect(after.errorRate).toBeCloseTo(0.05, 2);
    expect(after.successRate).toBeCloseTo(0.95, 2);
    expect(after.p95Ms).toBeGreaterThan(800);
    expect(after.p95Ms).toBeLessThan(1000);
    expect(after.samples).toBeGreaterThan(5);
  });

  it('answers null figures for a version without traffic', async () => {
    expect(
      sb.stats({ namespace: prod, job: 'agent-manager', version: 'v9.9.9', windowSeconds: 60 }),
    ).toMatchObject({ requests: null, errorRate: null, p95Ms: null });
  });

  it('counts restarts of a crash-looping version', async () => {
    sb.setFault({ service: 'notification-service', version: 'v1.24.0', crashLoop: true });
    const stats = await until(
      () => {
        const s = sb.stats({
          namespace: prod,
          job: 'notification-service',
          version: 'v1.24.0',
          windowSeconds: 300,
        });
        return s.restarts >= 3 ? s : undefined;
      },
      15_000,
      'restarts',
    );
    expect(stats.restarts).toBeGreaterThanOrEqual(3);
  });

  it.each([
    [{ service: 'agent-manager', version: 'v1.24.0', errorRate: 1.5 }, 'errorRate must be a ratio'],
    [{ service: 'agent-manager', version: 'v1.24.0', p95Ms: -1 }, 'p95Ms must be a positive'],
    [{ version: 'v1.24.0' }, 'needs a service and a version'],
  ])('refuses a bad fault %j with 400', async (body, message) => {
    const r = await control<{ code: number; message: string }>(sb, 'faults', { method: 'POST', body });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain(message);
  });

  it('tells the sandbox clock', async () => {
    const r = await control<{ nowMs: number; speed: number }>(sb, 'clock');
    expect(r.body.speed).toBe(60);
    expect(Math.abs(r.body.nowMs - sb.clock.now())).toBeLessThan(5_000);
  });
});
