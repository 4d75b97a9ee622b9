import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AppsV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src-main/app/engine.ts';
import { createSandboxProvider } from '../../../src-main/app/sandbox-provider.ts';
import { feedProblem } from '../../../src-main/app/workload-feed.ts';
import type { SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import type { WatchState } from '../../../src-main/ports/cluster.port.ts';
import type { EventPayload } from '../../../src-shared/bridge/contract.ts';
import { scaleDeployment } from '../../support/sandbox-workloads.ts';
import { startGateProxy, type GateProxy } from '../adapters/kube/gate-proxy.ts';

const NS = 'platform-production';
type Feed = EventPayload<'cluster:workloads'>;

let engine: Engine;
let sb: SandboxHandle;
let proxy: GateProxy;
const feeds: Feed[] = [];

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'sy-feed-'));
  const sandbox = createSandboxProvider({ speed: 20 });
  sb = await sandbox.handle();
  // A second context reaches the same sandbox through a gate that forbids watching Deployments.
  proxy = await startGateProxy(sb.url, [
    { match: (r) => r.watch && r.path.endsWith('/deployments'), status: 403 },
    // …and is an older cluster that does not serve SelfSubjectReview.
    { match: (r) => r.path.endsWith('/selfsubjectreviews'), status: 404 },
  ]);
  const gated = join(home, 'gated.yaml');
  writeFileSync(gated, proxy.kubeconfig(sb.kubeconfigYaml('no-watch')));
  const gone = join(home, 'gone.yaml');
  writeFileSync(gone, sb.kubeconfigYaml('gone').replace(/server: \S+/, 'server: http://127.0.0.1:1'));
  engine = createEngine({
    shell: 'web',
    version: 'test',
    env: { KUBECONFIG: [gated, gone].join(delimiter) },
    home,
    sandbox,
  });
  engine.hub.attach((event, payload) => {
    if (event === 'cluster:workloads') feeds.push(payload as Feed);
  });
});
afterAll(async () => {
  await engine?.dispose();
  await proxy?.close();
});

/** Adds annotations to a Deployment of the sandbox through its API, as `kubectl annotate` would. */
async function annotateDeployment(sandbox: SandboxHandle, name: string, annotations: Record<string, string>) {
  const kc = new KubeConfig();
  kc.loadFromString(sandbox.kubeconfigYaml());
  await kc
    .makeApiClient(AppsV1Api)
    .patchNamespacedDeployment(
      { name, namespace: NS, body: { metadata: { annotations } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}

async function nextFeed(ok: (f: Feed) => boolean, timeoutMs: number): Promise<Feed> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const hit = feeds.find(ok);
    if (hit) return hit;
    if (performance.now() > end) throw new Error(`no matching cluster:workloads event in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the live workload feed through the engine', () => {
  it('sends the namespace once, then a scale through the API within a second', async () => {
    feeds.length = 0;
    await engine.handlers['cluster:watchWorkloads']({ context: 'sandbox', namespace: NS });
    const first = await nextFeed(() => true, 15_000);
    expect(first).toMatchObject({ context: 'sandbox', namespace: NS });
    expect(first.error).toBeUndefined();
    expect(first.workloads.find((w) => w.name === 'agent-manager')?.replicas).toBe(3);

    const sent = performance.now();
    await scaleDeployment(sb, 'agent-manager', 6);
    await nextFeed((f) => f.workloads.find((w) => w.name === 'agent-manager')?.replicas === 6, 1_000);
    expect(performance.now() - sent).toBeLessThan(1_000);
  });

  it('sends nothing for a change the table does not show, then the next real change with its counts', async () => {
    feeds.length = 0;
    await engine.handlers['cluster:watchWorkloads']({ context: 'sandbox', namespace: NS });
    const before = await nextFeed((f) => f.context === 'sandbox' && !f.error, 10_000);
    const replicas = before.workloads.find((w) => w.name === 'agent-manager')!.replicas;
    feeds.length = 0;
    // A new annotation is a MODIFIED watch event with a new resourceVersion, and nothing in the table.
    await annotateDeployment(sb, 'agent-manager', { 'example.com/touched': String(Date.now()) });
    // The feed batches for 100 ms: five times that without an event is no event at all.
    await new Promise((r) => setTimeout(r, 500));
    expect(feeds).toEqual([]);
    await scaleDeployment(sb, 'agent-manager', replicas + 1);
    const after = await nextFeed(() => true, 5_000);
    expect(after.workloads.find((w) => w.name === 'agent-manager')?.replicas).toBe(replicas + 1);
    expect(after.workloads.map((w) => w.name)).toEqual(before.workloads.map((w) => w.name));
  });

  it('says in plain words that live updates stopped on a 403, keeping the listed workloads', async () => {
    feeds.length = 0;
    await engine.handlers['cluster:listContexts']({});
    await engine.handlers['cluster:watchWorkloads']({ context: 'no-watch', namespace: NS });
    const stopped = await nextFeed((f) => f.error !== undefined && f.workloads.length > 0, 10_000);
    expect(stopped.context).toBe('no-watch');
    expect(stopped.error).toBe(
      'Live updates stopped: you may not watch Deployments in "platform-production" (403)',
    );
    expect(stopped.workloads.map((w) => w.name)).toContain('workflow-engine');
  });

  it('stops sending after unwatch', async () => {
    await engine.handlers['cluster:watchWorkloads']({ context: 'sandbox', namespace: NS });
    await nextFeed((f) => f.context === 'sandbox', 10_000);
    await engine.handlers['cluster:unwatchWorkloads']({});
    feeds.length = 0;
    await scaleDeployment(sb, 'agent-manager', 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(feeds).toEqual([]);
  });

  it.each([
    [
      'sandbox',
      {
        reachable: true,
        identity: { username: 'sandbox-admin', groups: ['system:masters', 'system:authenticated'] },
      },
    ],
    ['no-watch', { reachable: true, note: 'Identity not reported by this cluster.' }],
    ['gone', { reachable: false, note: expect.stringMatching(/^Cannot reach the API server of "gone"/) }],
  ])('probes context %s: reachability and identity', async (context, expected) => {
    expect(await engine.handlers['cluster:probeContext']({ context })).toEqual({ context, ...expected });
  });
});

describe('feed messages', () => {
  it.each<[WatchState, string | undefined]>([
    [{ state: 'listing' }, undefined],
    [{ state: 'watching' }, undefined],
    [
      { state: 'reconnecting', attempt: 2, inMs: 1_800, reason: 'connection reset' },
      'Live updates lost: reconnecting in 2 s (connection reset)',
    ],
    [
      { state: 'reconnecting', attempt: 0, inMs: 0, reason: 'the computer slept' },
      'Live updates lost: reconnecting now (the computer slept)',
    ],
    [
      { state: 'stopped', reason: 'you may not watch Deployments in "x" (403)' },
      'Live updates stopped: you may not watch Deployments in "x" (403)',
    ],
  ])('%j → %s', (state, message) => {
    expect(feedProblem(state)).toBe(message);
  });
});
