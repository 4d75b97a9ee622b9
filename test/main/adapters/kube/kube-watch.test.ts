import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  watchPods,
  type PodProjection,
  type WatchState,
} from '../../../../src-main/adapters/kube/kube-watch.ts';
import type { WatchHandle, WatchOptions } from '../../../../src-main/adapters/kube/watch-loop.ts';
import { createKubeReleaseOps } from '../../../../src-main/adapters/kube/release-ops.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { defaultPlan } from '../../../../src-shared/plan/plan.defaults.ts';
import { closeSoon, startFastSandbox, until } from './sandbox-fixture.ts';

const NS = 'platform-production';

const handles: WatchHandle<PodProjection>[] = [];
afterEach(() => handles.splice(0).forEach((h) => h.stop()));

describe('pod watch against the sandbox', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await startFastSandbox(40);
  });
  afterAll(() => closeSoon(sb));

  it('lists in pages into a keyed store of trimmed projections, then follows changes in batches', async () => {
    const batches: { resync: boolean; upserts: number; deletes: number }[] = [];
    const h = watchPods(sb.kubeconfigYaml(), {
      namespace: NS,
      labelSelector: 'app=agent-manager',
      pageSize: 2,
      onChange: (b) =>
        batches.push({ resync: b.resync, upserts: b.upserts.length, deletes: b.deletes.length }),
    });
    handles.push(h);
    await until('first list', () => batches.length > 0);
    expect(batches[0]).toEqual({ resync: true, upserts: 3, deletes: 0 });
    expect(Object.keys(h.items()[0]!).sort()).toEqual([
      'image',
      'key',
      'name',
      'phase',
      'ready',
      'restarts',
      'terminating',
      'version',
    ]);
    const plan = defaultPlan(
      'rolling',
      {
        namespace: NS,
        name: 'agent-manager',
        image: 'registry.platform.com/agent-manager:v1.25.2-crashloop',
      },
      { router: 'service-selector' },
    );
    await createKubeReleaseOps(sb.kubeconfigYaml(), plan).setImage(plan.target.image);
    await until('crash-looping pods in the store', () =>
      h.items().some((p) => p.image.endsWith('v1.25.2-crashloop') && p.restarts > 0),
    );
    expect(batches.slice(1).every((b) => !b.resync)).toBe(true);
    expect(batches.length).toBeLessThan(200);
  }, 20_000);
});

/** A minimal API server for the failure paths the sandbox does not produce on demand. */
function fakeApi(
  onWatch: (n: number, res: ServerResponse) => void,
): Promise<{ server: Server; kubeconfig: string; watches: () => number; lists: () => number }> {
  let watches = 0;
  let lists = 0;
  const pod = (name: string, rv: string) => ({
    metadata: { name, namespace: 'ns', resourceVersion: rv, labels: { version: 'v1' } },
    spec: { containers: [{ name: 'c', image: 'img:v1' }] },
    status: { phase: 'Running' },
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') === 'true') return onWatch(++watches, res);
    lists++;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(10 + lists) },
        items: [pod('a', '5'), pod('b', '6')],
      }),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{ name: fake, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: fake, user: { token: t } }]
contexts: [{ name: fake, context: { cluster: fake, user: fake } }]
current-context: fake
`;
      resolve({ server, kubeconfig, watches: () => watches, lists: () => lists });
    }),
  );
}

describe('pod watch failure paths', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.closeAllConnections?.() ?? s.close()));

  /** A pod watch in namespace "ns" of a fake API server that answers each watch with `onWatch`, and the states it reports. */
  async function watchFake(
    onWatch: Parameters<typeof fakeApi>[0],
    options: Partial<WatchOptions<PodProjection>> = {},
  ) {
    const api = await fakeApi(onWatch);
    servers.push(api.server);
    const states: WatchState[] = [];
    const h = watchPods(api.kubeconfig, {
      namespace: 'ns',
      onChange: () => undefined,
      onState: (s) => states.push(s),
      ...options,
    });
    handles.push(h);
    return { api, h, states };
  }

  it('lists again after 410 Gone', async () => {
    const { api, h } = await watchFake((n, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (n === 1)
        res.end(
          `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } })}\n`,
        );
      else
        res.write(
          `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'c', namespace: 'ns', resourceVersion: '20' }, spec: { containers: [{ image: 'img:v2' }] }, status: { phase: 'Pending' } } })}\n`,
        );
    });
    await until('relist and new pod', () => h.items().length === 3);
    expect(api.lists()).toBe(2);
  });

  it('stops a forbidden watch and says so instead of retrying', async () => {
    const { api, states } = await watchFake((_n, res) => {
      res.writeHead(403);
      res.end();
    });
    await until('stopped', () => states.some((s) => s.state === 'stopped'));
    await new Promise((r) => setTimeout(r, 300));
    expect(api.watches()).toBe(1);
    expect(states.at(-1)).toEqual({
      state: 'stopped',
      reason: expect.stringMatching(/you may not watch pods in "ns" \(403\)/),
    });
  });

  it('restarts a stalled watch that sends neither events nor bookmarks', async () => {
    const { api, states } = await watchFake(
      (_n, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
      },
      { stallMs: 400 },
    );
    await until('second watch', () => api.watches() >= 2, 5_000);
    expect(states).toContainEqual(
      expect.objectContaining({
        state: 'reconnecting',
        reason: expect.stringMatching(/no event or bookmark/),
      }),
    );
  });

  it('reconnects with backoff when the server goes away', async () => {
    const { api, states } = await watchFake(
      (n, res) => {
        if (n < 3) res.socket?.destroy();
        else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.flushHeaders();
        }
      },
      { backoffMs: 20 },
    );
    await until('third watch', () => api.watches() >= 3, 5_000);
    const delays = states.filter(
      (s): s is Extract<WatchState, { state: 'reconnecting' }> => s.state === 'reconnecting',
    );
    expect(delays.map((d) => d.attempt)).toEqual([1, 2]);
    expect(delays[1]!.inMs).toBeLessThanOrEqual(40);
  });
});
