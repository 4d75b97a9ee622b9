import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeReleaseOps } from '../../src-main/adapters/kube/release-ops.ts';
import { startFaultProxy, type FaultProxy } from '../../src-main/sandbox/fault-injector/fault-proxy.ts';
import { startSandbox, type SandboxHandle } from '../../src-main/sandbox/sandbox.ts';
import { parsePlan } from '../../src-shared/plan/plan.parse.ts';

// A write whose answer is lost (the connection drops after the API server applied it) must not be taken
// for someone else's change when the step is retried: the object now holds exactly what Switchyard wrote.

const ROOT = join(import.meta.dirname, '../..');
const parsed = parsePlan(readFileSync(join(ROOT, 'test/fixtures/plans/canary-sandbox-fast.yaml'), 'utf8'));
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const plan = parsed.plan;

let sb: SandboxHandle;
let proxy: FaultProxy;
beforeAll(async () => {
  sb = await startSandbox({ speed: 50 });
  proxy = await startFaultProxy({ upstream: sb.url, exempt: /^\/_sandbox\// });
});
afterAll(async () => {
  await proxy?.close();
  await sb?.close();
});

/** Successful writes by object and body: the same body applied twice to one object is a double mutation. */
const repeatedWrites = () => {
  const seen = new Map<string, number>();
  for (const w of sb.audit())
    if (w.code < 300 && w.verb !== 'create') {
      const key = `${w.verb} ${w.resource} ${w.name} ${w.digest}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
};
const writes = () => sb.audit().filter((w) => w.code < 300).length;

describe('a write whose answer was lost', () => {
  // DriftGuard remembers a write whose answer was lost; the next read showing exactly it is our own change.
  it('is recognised as Switchyard’s own on retry: no drift pause, no second write', async () => {
    const ops = createKubeReleaseOps(
      sb.kubeconfigYaml('sandbox').replace(/server: \S+/, `server: ${proxy.url}`),
      plan,
      { releaseId: 'lost-answer', pollMs: 50, retryBaseMs: 10 },
    );
    await ops.ensureCanary(plan.target.image, 'v1.25.0');
    // Scale the canary for 20 % now: the step under test then writes only the VirtualService. Otherwise its
    // first write is a scale of the new Deployment, which the sandbox's controllers may still be updating:
    // a 409 the client never sees, nothing applied, and nothing for the retry to recognise.
    await ops.setCanaryWeight(40);
    await ops.setCanaryWeight(0);
    const before = writes();
    proxy.setRates({ dropAfterUpstream: 1, writesOnly: true });
    await expect(ops.setCanaryWeight(20)).rejects.toMatchObject({ clusterKind: 'unreachable' });
    proxy.setRates({});
    // The server did apply the write (its audit entry lands before its answer is sent).
    expect(writes()).toBe(before + 1);
    const split = await ops.setCanaryWeight(20);
    expect(split.weights).toMatchObject({ canary: 20 });
    expect(repeatedWrites()).toEqual([]);
  });

  it('while a real edit by someone else is still drift', async () => {
    const ops = createKubeReleaseOps(
      sb.kubeconfigYaml('sandbox').replace(/server: \S+/, `server: ${proxy.url}`),
      plan,
      { releaseId: 'lost-answer-2', pollMs: 50, retryBaseMs: 10 },
    );
    await ops.readSplit();
    proxy.setRates({ dropAfterUpstream: 1, writesOnly: true });
    await expect(ops.setCanaryWeight(40)).rejects.toMatchObject({ clusterKind: 'unreachable' });
    proxy.setRates({});
    // someone else moves the weights before the retry
    const path = `/apis/networking.istio.io/v1beta1/namespaces/platform-production/virtualservices/workflow-engine`;
    const vs = (await (
      await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${sb.token}` } })
    ).json()) as {
      spec: { http: { route: { weight?: number }[] }[] };
    };
    for (const h of vs.spec.http) h.route.forEach((r, i) => (r.weight = i === 0 ? 30 : 70));
    const put = await fetch(`${sb.url}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(vs),
    });
    expect(put.ok).toBe(true);
    await expect(ops.setCanaryWeight(40)).rejects.toMatchObject({ clusterKind: 'conflict' });
  });
});
