import type { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeWorkloadLease } from '../../../../src-main/adapters/kube/workload-lease.ts';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { leaseApi } from '../../../support/laptop.ts';

const namespace = 'platform-production';
let sb: SandboxHandle;
let api: CoordinationV1Api;

beforeAll(async () => {
  sb = await startSandbox();
  api = leaseApi(sb);
});
afterAll(() => sb.close());

/** A lease adapter whose real-time clock the test moves (`clock.ms`). */
function laptop(name: string, clock: { ms: number }) {
  return createKubeWorkloadLease(
    sb.kubeconfigYaml(),
    { namespace, kind: 'Deployment', name },
    { now: () => clock.ms },
  );
}

describe('the workload lease on the sandbox', () => {
  it('is taken, renewed, refused to another release while live, taken over only when stale and asked, and released', async () => {
    const clock = { ms: Date.parse('2026-12-06T04:00:00Z') };
    const lease = laptop('workflow-engine', clock);
    const alice = { releaseId: 'canary-a', user: 'alice', host: 'laptop-a' };
    const bob = { releaseId: 'canary-b', user: 'bob', host: 'laptop-b' };

    expect(await lease.acquire(alice)).toEqual({ kind: 'acquired' });
    const stored = await api.readNamespacedLease({
      name: 'switchyard-deployment-workflow-engine',
      namespace,
    });
    expect(stored.spec).toMatchObject({ holderIdentity: 'canary-a', leaseDurationSeconds: 30 });
    expect(stored.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'switchyard' });
    expect(stored.metadata?.annotations).toMatchObject({
      'switchyard.dev/release': 'canary-a',
      'switchyard.dev/user': 'alice',
      'switchyard.dev/host': 'laptop-a',
      'switchyard.dev/acquired': '2026-12-06T04:00:00.000Z',
    });

    clock.ms += 10_000;
    expect(await lease.renew('canary-a')).toEqual({ kind: 'renewed' });
    // A resume takes its own lease back; it keeps the time it was first taken.
    expect(await lease.acquire(alice)).toEqual({ kind: 'acquired' });
    const held = await lease.acquire(bob, { takeOver: true });
    expect(held).toEqual({
      kind: 'held',
      holder: {
        releaseId: 'canary-a',
        user: 'alice',
        host: 'laptop-a',
        acquiredAtMs: Date.parse('2026-12-06T04:00:00Z'),
        renewedAtMs: Date.parse('2026-12-06T04:00:10Z'),
        durationSeconds: 30,
        stale: false,
      },
    });

    // Alice's process dies: 31 s after her last renewal the lease is stale.
    clock.ms += 31_000;
    const stale = await lease.acquire(bob);
    expect(stale).toMatchObject({ kind: 'held', holder: { releaseId: 'canary-a', stale: true } });
    const taken = await lease.acquire(bob, { takeOver: true });
    expect(taken).toMatchObject({ kind: 'acquired', from: { releaseId: 'canary-a', user: 'alice' } });
    expect(await lease.read()).toMatchObject({ releaseId: 'canary-b', user: 'bob', stale: false });

    // Alice's laptop wakes up: her renewal finds Bob holding it, and her release does not delete his lease.
    expect(await lease.renew('canary-a')).toMatchObject({ kind: 'lost', holder: { releaseId: 'canary-b' } });
    await lease.release('canary-a');
    expect(await lease.read()).toMatchObject({ releaseId: 'canary-b' });
    await lease.release('canary-b');
    expect(await lease.read()).toBeNull();
    expect(await lease.renew('canary-b')).toEqual({ kind: 'lost', holder: null });
  });

  it('lets exactly one of two releases racing for a free workload take it', async () => {
    const clock = { ms: Date.now() };
    const [one, two] = await Promise.all(
      ['one', 'two'].map((id) =>
        laptop('payments-api', clock).acquire({ releaseId: id, user: id, host: `host-${id}` }),
      ),
    );
    const outcomes = [one, two].map((o) => o?.kind).sort();
    expect(outcomes).toEqual(['acquired', 'held']);
    const winner = one?.kind === 'acquired' ? 'one' : 'two';
    expect(await laptop('payments-api', clock).read()).toMatchObject({ releaseId: winner });
  });
});
