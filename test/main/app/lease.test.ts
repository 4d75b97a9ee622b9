import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { V1MicroTime } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { createSandboxProvider, type EmbeddedSandbox } from '../../../src-main/app/sandbox-provider.ts';
import { testConsole } from '../../support/console.ts';
import { createDispatcher } from '../../../src-main/bridge/dispatch.ts';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import { leaseApi, leaseOfAnotherLaptop } from '../../support/laptop.ts';

const NS = 'platform-production';
const LEASE = 'switchyard-deployment-workflow-engine';
const sandbox = createSandboxProvider({ speed: 60 });
// The second test's cluster: a fresh one, as its canary is the first release of workflow-engine there.
const laterSandbox = createSandboxProvider({ speed: 60 });
const dataDir = mkdtempSync(join(tmpdir(), 'sy-lease-'));
/** A console on a shared sandbox and journal (closing one must not take the cluster with it). */
const console_ = (on: EmbeddedSandbox) => testConsole({ sandbox: { ...on, close: async () => {} }, dataDir });
const engine = console_(sandbox);
const bridge = createDispatcher(engine.handlers);
afterAll(async () => {
  await engine.dispose();
  await sandbox.close();
  await laterSandbox.close();
});

const plan = stringify({
  ...defaultPlan('canary', {
    namespace: NS,
    name: 'workflow-engine',
    image: 'registry.platform.com/workflow-engine:v1.25.0',
  }),
  strategy: { kind: 'canary', steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 100 }] },
});
const start = (takeOver?: boolean, on = bridge) =>
  on.dispatch('release:start', {
    mode: 'run',
    context: 'sandbox',
    text: plan,
    ...(takeOver ? { takeOver } : {}),
  });

describe('the console and a workload held by another laptop', () => {
  it('refuses the start with the holder sentence, offers the takeover once the lease is stale, and audits it', async () => {
    const leases = leaseApi(await sandbox.handle());
    const renewedAt = Date.now();
    await leaseOfAnotherLaptop(leases, {
      releaseId: 'canary-dave',
      user: 'dave',
      host: 'laptop-d',
      renewedAtMs: renewedAt,
    });
    const live = await start(true);
    expect(live).toEqual({
      ok: false,
      error: {
        kind: 'conflict',
        message: expect.stringMatching(
          /^deployment platform-production\/workflow-engine is held by release canary-dave of dave on laptop-d \(since .*\); a second release of it is refused until that one ends\.$/,
        ) as unknown,
      },
    });

    // dave's laptop went away 2 minutes ago: the start names that and offers the takeover.
    const current = await leases.readNamespacedLease({ name: LEASE, namespace: NS });
    await leases.replaceNamespacedLease({
      name: LEASE,
      namespace: NS,
      body: { ...current, spec: { ...current.spec, renewTime: new V1MicroTime(renewedAt - 120_000) } },
    });
    const stale = await start();
    expect(stale).toMatchObject({
      ok: false,
      error: {
        kind: 'conflict',
        canTakeOver: true,
        message: expect.stringContaining('it stopped renewing') as unknown,
      },
    });

    const taken = await start(true);
    expect(taken.ok, JSON.stringify(taken)).toBe(true);
    const id = (taken as { value: { id: string } }).value.id;
    expect((await leases.readNamespacedLease({ name: LEASE, namespace: NS })).spec?.holderIdentity).toBe(id);
    const { audit } = await engine.handlers['release:get']({ id });
    expect(audit.find((e) => e.what === 'start')?.why).toMatch(
      /confirmed taking over the lease of deployment platform-production\/workflow-engine from release canary-dave of dave on laptop-d/,
    );
    await expect
      .poll(async () => (await engine.handlers['release:get']({ id })).snapshot?.status, { timeout: 20_000 })
      .toBe('paused');
    expect(
      await engine.handlers['release:control']({ id, event: { type: 'ABORT', reason: 'test over' } }),
    ).toMatchObject({ accepted: true });
    // Once aborted, the release gives the workload back.
    await expect
      .poll(() => leases.readNamespacedLease({ name: LEASE, namespace: NS }).catch(() => null), {
        timeout: 20_000,
      })
      .toBeNull();
  }, 60_000);

  it('a resume in another console is refused while the workload is held, and takes a stale lease over when asked', async () => {
    const leases = leaseApi(await laterSandbox.handle());
    const first = console_(laterSandbox);
    const started = await start(false, createDispatcher(first.handlers));
    const { id } = (started as { value: { id: string } }).value;
    const status = async () => (await first.handlers['release:get']({ id })).snapshot?.status;
    await expect.poll(status, { timeout: 20_000 }).toBe('paused');
    await first.dispose();
    // The closed console's release keeps its lease; frank's console took the stale lease over meanwhile.
    const held = await leases.readNamespacedLease({ name: LEASE, namespace: NS });
    expect(held.spec?.holderIdentity).toBe(id);
    await leases.replaceNamespacedLease({
      name: LEASE,
      namespace: NS,
      body: {
        ...held,
        metadata: {
          ...held.metadata,
          annotations: { 'switchyard.dev/user': 'frank', 'switchyard.dev/host': 'laptop-f' },
        },
        spec: {
          ...held.spec,
          holderIdentity: 'canary-frank',
          renewTime: new V1MicroTime(Date.now() - 60_000),
        },
      },
    });

    const later = console_(laterSandbox);
    const second = createDispatcher(later.handlers);
    const refused = await second.dispatch('release:resume', { id });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        kind: 'conflict',
        canTakeOver: true,
        message: expect.stringMatching(
          /^deployment platform-production\/workflow-engine is held by release canary-frank of frank on laptop-f /,
        ) as unknown,
      },
    });
    expect(await second.dispatch('release:resume', { id, takeOver: true })).toEqual({
      ok: true,
      value: { id },
    });
    expect((await leases.readNamespacedLease({ name: LEASE, namespace: NS })).spec?.holderIdentity).toBe(id);
    const { audit } = await later.handlers['release:get']({ id });
    expect(audit.find((e) => e.what === 'resume')?.why).toMatch(
      /confirmed taking over the lease .* from release canary-frank of frank on laptop-f/,
    );
    await second.dispatch('release:control', { id, event: { type: 'ABORT', reason: 'test over' } });
    await later.dispose();
  }, 60_000);
});
