import { get } from 'node:http';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../src-main/sandbox/fault-injector/fault-proxy.ts';
import { startSandbox, type SandboxHandle } from '../../src-main/sandbox/sandbox.ts';

let sb: SandboxHandle;
let proxy: FaultProxy;
const NS = 'platform-production';
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;

beforeAll(async () => {
  sb = await startSandbox({ speed: 10 });
  proxy = await startFaultProxy({ upstream: sb.url, seed: 7 });
});
afterAll(async () => {
  await proxy?.close();
  await sb?.close();
});

const auth = () => ({ authorization: `Bearer ${sb.token}` });

/** A kubeconfig whose server is the proxy, as the engine would use. */
function client(): AppsV1Api {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml().replace(/server: \S+/, `server: ${proxy.url}`));
  return kc.makeApiClient(AppsV1Api);
}

function scaleWrites(name: string): number {
  return sb.audit().filter((w) => w.name === name && w.verb === 'patch' && w.code < 300).length;
}

describe('fault proxy in front of the sandbox', () => {
  it('forwards untouched with no faults configured: the real client lists through it', async () => {
    proxy.setRates({});
    const list = await client().listNamespacedDeployment({ namespace: NS });
    expect(list.items.map((d) => d.metadata?.name)).toContain('workflow-engine');
    expect(proxy.injected()).toBe(0);
  });

  it.each([
    ['serverError', { serverError: 1 }, (s: number) => [500, 503, 504].includes(s)],
    ['conflict', { conflict: { probability: 1, burst: 1 } }, (s: number) => s === 409],
  ] as const)('%s answers a write with a Status and never forwards it', async (kind, rates, okStatus) => {
    proxy.setRates(rates);
    const before = sb.audit().length;
    const res = await fetch(`${proxy.url}${DEPLOYMENTS}/workflow-engine`, {
      method: 'PATCH',
      headers: { ...auth(), 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { touched: 'yes' } } }),
    });
    expect(okStatus(res.status)).toBe(true);
    expect(((await res.json()) as { kind: string }).kind).toBe('Status');
    expect(sb.audit().length).toBe(before);
    expect(proxy.counters()[kind]).toBeGreaterThan(0);
    proxy.setRates({});
  });

  it('a 409 storm keeps answering 409 for its whole burst, then writes go through again', async () => {
    const patch = () =>
      fetch(`${proxy.url}${DEPLOYMENTS}/workflow-engine`, {
        method: 'PATCH',
        headers: { ...auth(), 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { annotations: { storm: String(Date.now()) } } }),
      });
    proxy.setRates({ conflict: { probability: 1, burst: 3 } });
    const first = (await patch()).status;
    proxy.setRates({});
    const rest = [(await patch()).status, (await patch()).status, (await patch()).status];
    expect([first, ...rest]).toEqual([409, 409, 409, 200]);
  });

  it('dropAfterUpstream applies the write but the client sees a broken connection', async () => {
    proxy.setRates({ dropAfterUpstream: 1 });
    const before = scaleWrites('workflow-engine');
    await expect(
      fetch(`${proxy.url}${DEPLOYMENTS}/workflow-engine`, {
        method: 'PATCH',
        headers: { ...auth(), 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { annotations: { probe: String(Date.now()) } } }),
      }),
    ).rejects.toThrow();
    proxy.setRates({});
    expect(scaleWrites('workflow-engine')).toBe(before + 1);
    expect(proxy.counters().dropAfterUpstream).toBe(1);
  });

  it('dropBeforeUpstream breaks the connection and the write never happens', async () => {
    proxy.setRates({ dropBeforeUpstream: 1 });
    const before = sb.audit().length;
    await expect(
      fetch(`${proxy.url}${DEPLOYMENTS}/workflow-engine`, { method: 'PATCH', headers: auth() }),
    ).rejects.toThrow();
    proxy.setRates({});
    expect(sb.audit().length).toBe(before);
  });

  it('latency delays the answer by at least its minimum', async () => {
    proxy.setRates({ latency: { probability: 1, minMs: 300, maxMs: 350 } });
    const t0 = Date.now();
    const res = await fetch(`${proxy.url}${DEPLOYMENTS}`, { headers: auth() });
    proxy.setRates({});
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('watchCut ends a watch stream in the middle of an event line', async () => {
    proxy.setRates({ watchCut: 1 });
    const text = await new Promise<string>((resolve) => {
      const req = get(`${proxy.url}${DEPLOYMENTS}?watch=true`, { headers: auth() }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('error', () => resolve(body));
        res.on('close', () => resolve(body));
      });
      req.on('error', () => resolve(''));
    });
    proxy.setRates({});
    expect(text.length).toBeGreaterThan(0);
    expect(text.endsWith('\n')).toBe(false);
    expect(() => JSON.parse(text.split('\n').at(-1) ?? '')).toThrow();
    expect(proxy.counters().watchCut).toBe(1);
  });

  it.each([0, 1])(
    'goneOnResume answers a watch resuming from a resourceVersion with 410 (try %i)',
    async () => {
      proxy.setRates({ goneOnResume: 1 });
      const res = await fetch(`${proxy.url}${DEPLOYMENTS}?watch=true&resourceVersion=5`, { headers: auth() });
      const body = await res.text();
      proxy.setRates({});
      if (res.status === 200)
        expect(JSON.parse(body)).toMatchObject({ type: 'ERROR', object: { code: 410 } });
      else expect(res.status).toBe(410);
    },
  );
});
