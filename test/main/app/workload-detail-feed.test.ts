import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src-main/app/engine.ts';
import { createSandboxProvider } from '../../../src-main/app/sandbox-provider.ts';
import type { SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import type { EventPayload } from '../../../src-shared/bridge/contract.ts';
import { scaleDeployment } from '../../support/sandbox-workloads.ts';
import { startGateProxy, type GateProxy } from '../adapters/kube/gate-proxy.ts';

const NS = 'platform-production';
type DetailEvent = EventPayload<'cluster:workloadDetail'>;

let engine: Engine;
let sb: SandboxHandle;
let proxy: GateProxy;
let failPodWatches = false;
const events: DetailEvent[] = [];

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'sy-detail-'));
  const sandbox = createSandboxProvider({ speed: 20 });
  sb = await sandbox.handle();
  // A second context reaches the same sandbox through a gate that can make the pod watches fail.
  proxy = await startGateProxy(sb.url, [
    { match: (r) => failPodWatches && r.watch && r.path.endsWith('/pods'), status: 503 },
  ]);
  const gated = join(home, 'gated.yaml');
  writeFileSync(gated, proxy.kubeconfig(sb.kubeconfigYaml('flaky')));
  engine = createEngine({ shell: 'web', version: 'test', env: { KUBECONFIG: gated }, home, sandbox });
  engine.hub.attach((event, payload) => {
    if (event === 'cluster:workloadDetail') events.push(payload as DetailEvent);
  });
  await engine.handlers['cluster:listContexts']({});
});
afterAll(async () => {
  await engine?.dispose();
  await proxy?.close();
});

async function next(ok: (e: DetailEvent) => boolean, timeoutMs = 15_000): Promise<DetailEvent> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const hit = events.find(ok);
    if (hit) return hit;
    if (performance.now() > end)
      throw new Error(`no matching cluster:workloadDetail event in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const mine = () => sb.openWatches().filter((u) => /agent-manager/.test(u));
const target = { namespace: NS, kind: 'Deployment' as const, name: 'agent-manager' };

describe('the namespaces of the watched context', () => {
  it('are sent when one is created, while the workloads are watched, and no longer after unwatch', async () => {
    const sent: EventPayload<'cluster:namespaces'>[] = [];
    const detach = engine.hub.attach((event, payload) => {
      if (event === 'cluster:namespaces') sent.push(payload as EventPayload<'cluster:namespaces'>);
    });
    try {
      await engine.handlers['cluster:watchWorkloads']({ context: 'sandbox', namespace: NS });
      const kc = new KubeConfig();
      kc.loadFromString(sb.kubeconfigYaml());
      const core = kc.makeApiClient(CoreV1Api);
      // The first list is sent once the watch is up; the namespace created after it arrives as a change.
      const end = performance.now() + 15_000;
      while (sent.length === 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(sent[0]).toMatchObject({ context: 'sandbox', namespaces: expect.arrayContaining([NS]) });
      await core.createNamespace({ body: { metadata: { name: 'made-later' } } });
      while (!sent.some((e) => e.namespaces.includes('made-later')) && performance.now() < end)
        await new Promise((r) => setTimeout(r, 20));
      expect(sent.at(-1)?.namespaces).toContain('made-later');
      await engine.handlers['cluster:unwatchWorkloads']({});
      sent.length = 0;
      await core.createNamespace({ body: { metadata: { name: 'made-after-unwatch' } } });
      await new Promise((r) => setTimeout(r, 500));
      expect(sent).toEqual([]);
      expect(sb.openWatches().filter((u) => /\/api\/v1\/namespaces\?/.test(u))).toEqual([]);
    } finally {
      detach();
    }
  });
});

describe('the live drill-down through the engine', () => {
  it('sends a scale without being asked again, and closes every watch on unwatch', async () => {
    events.length = 0;
    await engine.handlers['cluster:watchWorkloadDetail']({ context: 'sandbox', ...target });
    const first = await next((e) => (e.detail?.pods.length ?? 0) > 0);
    expect(first.error).toBeUndefined();
    await scaleDeployment(sb, 'agent-manager', first.detail!.pods.length + 2);
    await next((e) => e.detail?.pods.length === first.detail!.pods.length + 2);
    expect(mine().length).toBeGreaterThan(2);

    await engine.handlers['cluster:unwatchWorkloadDetail']({});
    const end = performance.now() + 10_000;
    while (mine().length > 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(mine()).toEqual([]);
    events.length = 0;
    await scaleDeployment(sb, 'agent-manager', 3);
    await new Promise((r) => setTimeout(r, 500));
    expect(events).toEqual([]);
  });

  it('opens again after a close, with every watch', async () => {
    for (let i = 0; i < 5; i++) {
      events.length = 0;
      await engine.handlers['cluster:watchWorkloadDetail']({ context: 'sandbox', ...target });
      await next((e) => (e.detail?.pods.length ?? 0) > 0);
      const end = performance.now() + 10_000;
      while (mine().filter((u) => /involvedObject/.test(u)).length < 2 && performance.now() < end)
        await new Promise((r) => setTimeout(r, 50));
      expect(mine().filter((u) => /involvedObject/.test(u)).length, JSON.stringify(mine())).toBeGreaterThan(
        1,
      );
      await engine.handlers['cluster:unwatchWorkloadDetail']({});
      while (mine().length > 0) await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('moving to another namespace (or a page reload) ends the drill-down and its watches', async () => {
    await engine.handlers['cluster:watchWorkloadDetail']({ context: 'sandbox', ...target });
    await next((e) => e.detail !== undefined);
    await engine.handlers['cluster:watchWorkloads']({ context: 'sandbox', namespace: NS });
    const end = performance.now() + 10_000;
    while (mine().length > 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(mine()).toEqual([]);
    await engine.handlers['cluster:unwatchWorkloads']({});
  });

  it('says it is reconnecting while the pod watch fails, keeps the last detail, and recovers', async () => {
    events.length = 0;
    failPodWatches = true;
    await engine.handlers['cluster:watchWorkloadDetail']({ context: 'flaky', ...target });
    const lost = await next((e) => e.error !== undefined && e.detail !== undefined);
    expect(lost.context).toBe('flaky');
    expect(lost.error).toMatch(/^Live updates lost: reconnecting (now|in \d+ s) \(.*503/);
    failPodWatches = false;
    const at = events.indexOf(lost);
    await next((e) => events.indexOf(e) > at && e.error === undefined && e.detail !== undefined, 40_000);
    await engine.handlers['cluster:unwatchWorkloadDetail']({});
  }, 60_000);
});
