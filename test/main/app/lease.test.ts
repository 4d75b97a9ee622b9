import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { V1MicroTime } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../src-main/app/engine.ts';
import { createSandboxProvider } from '../../../src-main/app/sandbox-provider.ts';
import { createDispatcher } from '../../../src-main/bridge/dispatch.ts';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import { leaseApi } from '../../support/laptop.ts';

const NS = 'platform-production';
const LEASE = 'switchyard-deployment-workflow-engine';
const sandbox = createSandboxProvider({ speed: 60 });
const engine = createEngine({
  shell: 'web',
  version: 'test',
  env: { KUBECONFIG: '/nonexistent' },
  sandbox,
  dataDir: mkdtempSync(join(tmpdir(), 'sy-lease-')),
});
const bridge = createDispatcher(engine.handlers);
afterAll(async () => {
  await engine.dispose();
  await sandbox.close();
});

const plan = stringify({
  ...defaultPlan('canary', {
    namespace: NS,
    name: 'workflow-engine',
    image: 'registry.platform.com/workflow-engine:v1.25.0',
  }),
  strategy: { kind: 'canary', steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 100 }] },
});
const start = (takeOver?: boolean) =>
  bridge.dispatch('release:start', {
    mode: 'run',
    context: 'sandbox',
    text: plan,
    ...(takeOver ? { takeOver } : {}),
  });

describe('the console and a workload held by another laptop', () => {
  it('refuses the start with the holder sentence, offers the takeover once the lease is stale, and audits it', async () => {
    const leases = leaseApi(await sandbox.handle());
    const renewedAt = Date.now();
    await leases.createNamespacedLease({
      namespace: NS,
      body: {
        metadata: {
          name: LEASE,
          namespace: NS,
          annotations: { 'switchyard.dev/user': 'dave', 'switchyard.dev/host': 'laptop-d' },
        },
        spec: {
          holderIdentity: 'canary-dave',
          leaseDurationSeconds: 30,
          renewTime: new V1MicroTime(renewedAt),
        },
      },
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
    await engine.handlers['release:control']({ id, event: { type: 'ABORT', reason: 'test over' } });
  }, 60_000);
});
