import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOpenFeatureProvider } from '../../../src-main/adapters/kube/flags/openfeature-provider.ts';
import type { Engine } from '../../../src-main/app/engine.ts';
import { createSandboxProvider } from '../../../src-main/app/sandbox-provider.ts';
import { createDispatcher } from '../../../src-main/bridge/dispatch.ts';
import { testConsole, untilStatus } from '../../support/console.ts';
import { ageLease, leaseApi } from '../../support/laptop.ts';

// Two consoles, each with its own data directory (two laptops), on one cluster holding a FeatureFlag: the
// console's own start, refusal and takeover of a flag ramp, as `switchyard run` has them.
const NS = 'shop';
const LEASE = 'switchyard-deployment-checkout';
const sandbox = createSandboxProvider({ scenario: 'flags', speed: 100 });
const laptops: Engine[] = [];
afterAll(async () => {
  for (const e of laptops) await e.dispose();
  await sandbox.close();
});

/** A console on its own laptop (data directory), on the shared sandbox (closing it leaves the cluster up). */
function laptop(): Engine {
  const e = testConsole({
    sandbox: { ...sandbox, close: async () => {} },
    dataDir: mkdtempSync(join(tmpdir(), 'sy-flag-lease-')),
  });
  laptops.push(e);
  return e;
}

const plan = readFileSync(
  join(import.meta.dirname, '../../fixtures/plans/flag-rollout-sandbox-fast.yaml'),
  'utf8',
).replace(
  / {2}steps:\n( {4}- .*\n)+/,
  '  steps:\n    - setPercentage: 20\n    - pause: {}\n    - setPercentage: 100\n',
);

const start = (on: Engine, takeOver = false) =>
  createDispatcher(on.handlers).dispatch('release:start', {
    mode: 'run',
    context: 'sandbox',
    text: plan,
    ...(takeOver ? { takeOver } : {}),
  });

const exposure = async () =>
  (
    await createOpenFeatureProvider(await sandbox.kubeconfig(), {
      namespace: NS,
      name: 'checkout-flags',
      flag: 'new-checkout',
    }).read()
  ).percent;

describe('a flag ramp held by another laptop’s console', () => {
  it('is refused naming the holder, taken over once that console is closed and stale, and the takeover audited', async () => {
    const leases = leaseApi(await sandbox.handle());
    const first = laptop();
    const started = await start(first);
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const { id } = (started as { value: { id: string } }).value;
    await untilStatus(first, id, 'paused');
    expect(await exposure()).toEqual({ on: 20, off: 80 });

    // The other laptop's console: refused while the first drives the ramp, in one sentence naming it.
    const second = laptop();
    const live = await start(second);
    const refusal = live.ok ? '' : `${live.error.kind}: ${live.error.message}`;
    expect(refusal).toMatch(
      new RegExp(
        `^conflict: deployment shop/checkout is held by release ${id} of .+ on .+ \\(since .*\\); a second release of it is refused until that one ends\\.$`,
      ),
    );

    // The first laptop is closed; a minute later its lease is stale, and the second takes over when asked.
    await first.dispose();
    expect(await ageLease(leases, NS, LEASE)).toBe(id);
    expect(await start(second)).toMatchObject({
      ok: false,
      error: {
        kind: 'conflict',
        canTakeOver: true,
        message: expect.stringContaining('it stopped renewing') as unknown,
      },
    });
    const taken = await start(second, true);
    expect(taken.ok, JSON.stringify(taken)).toBe(true);
    const next = (taken as { value: { id: string } }).value.id;
    const { audit } = await second.handlers['release:get']({ id: next });
    expect(audit.find((e) => e.what === 'start')?.why).toContain(
      `confirmed taking over the lease of deployment shop/checkout from release ${id}`,
    );
    // Its ramp goes on from the flag as the first left it (20 %): to its own pause, then promoted to 100 %.
    await untilStatus(second, next, 'paused');
    expect(await exposure()).toEqual({ on: 20, off: 80 });
    expect(await second.handlers['release:control']({ id: next, event: { type: 'PROMOTE' } })).toMatchObject({
      accepted: true,
    });
    await untilStatus(second, next, 'completed');
    expect(await exposure()).toEqual({ on: 100, off: 0 });
    // Completed, it gives the workload back.
    await expect
      .poll(() =>
        leases.readNamespacedLease({ name: LEASE, namespace: NS }).then(
          (l) => l.spec?.holderIdentity,
          () => 'none',
        ),
      )
      .toBe('none');
  }, 90_000);
});
