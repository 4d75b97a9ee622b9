import type * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { appDeployment, clientsFor, control, until } from './clients.ts';
import { useSandboxFolder } from './sandbox-folder.ts';

/*
 * Failures a rehearsal must be able to show, read back through @kubernetes/client-node as the console
 * reads them: image tags the registry does not have, OOM kills, slow starts, pods that never turn ready.
 */

const box = useSandboxFolder('sandbox-failures-', {
  scenarioYaml: ['name: registry', 'registry:', '  checkout: [v1.0.0, v1.1.0]', 'objects: []'].join('\n'),
});
let c: ReturnType<typeof clientsFor>;
const ns = 'default';

async function podsOf(app: string): Promise<k8s.V1Pod[]> {
  return (await c.core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items;
}

/** Creates the Deployment `app` of one pod running registry.platform.com/`image`:`version` (`image` is `app` unless given). */
async function deploy(app: string, version: string, image = app): Promise<void> {
  await c.apps.createNamespacedDeployment({
    namespace: ns,
    body: appDeployment(app, `registry.platform.com/${image}:${version}`),
  });
}

/** Sets (or lifts) a fault on `version` of `service` through the sandbox's control endpoint. */
const fault = <T = unknown>(service: string, version: string, what: Record<string, unknown>) =>
  control<T>(box.sb, 'faults', { method: 'POST', body: { service, version, ...what } });

/** GET the log of pod `name` in the default namespace, with `query` (such as "?previous=true"). */
const podLog = (name: string, query = '') =>
  fetch(`${box.sb.url}/api/v1/namespaces/${ns}/pods/${name}/log${query}`, {
    headers: { authorization: `Bearer ${box.sb.token}` },
  });

beforeAll(() => {
  c = clientsFor(box.sb);
});

describe('failures a rehearsal shows', () => {
  it('fails to pull a tag the registry does not have: ErrImagePull, then ImagePullBackOff, with events', async () => {
    await deploy('checkout', 'v1.0.0');
    await until(
      async () => ((await podsOf('checkout')).some((p) => p.status?.phase === 'Running') ? true : undefined),
      20_000,
      'v1.0.0 running',
    );
    await deploy('checkout-typo', 'v1.1.9', 'checkout');
    const reasons = new Set<string>();
    await until(
      async () => {
        for (const p of await podsOf('checkout-typo')) {
          const r = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
          if (r) reasons.add(r);
        }
        return reasons.has('ImagePullBackOff') ? true : undefined;
      },
      20_000,
      'ImagePullBackOff',
    );
    const [pod] = await podsOf('checkout-typo');
    expect(pod!.status?.phase).toBe('Pending');
    expect(pod!.status?.containerStatuses?.[0]?.ready).toBe(false);
    const events = (
      await c.core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: `involvedObject.name=${pod!.metadata!.name}`,
      })
    ).items;
    expect(events.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Failed to pull image "registry.platform.com/checkout:v1.1.9"'),
        'Error: ErrImagePull',
        'Error: ImagePullBackOff',
      ]),
    );
    const logs = await podLog(pod!.metadata!.name!);
    expect(logs.status).toBe(400);
    expect(((await logs.json()) as { message: string }).message).toContain(
      'is waiting to start: trying and failing to pull image',
    );
  });

  it('pulls again once the image-pull fault is lifted, and fails while it is set', async () => {
    await deploy('pull-fault', 'v2');
    await fault('pull-fault', 'v2', { imagePullFails: true });
    await until(
      async () =>
        (await podsOf('pull-fault'))[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason ===
        'ImagePullBackOff'
          ? true
          : undefined,
      20_000,
      'back-off',
    );
    await fault('pull-fault', 'v2', { imagePullFails: false });
    await until(
      async () => ((await podsOf('pull-fault'))[0]?.status?.containerStatuses?.[0]?.ready ? true : undefined),
      20_000,
      'ready after the fault',
    );
  });

  it('OOM-kills containers: OOMKilled with exit 137 as last state, restarts, and the last words in --previous', async () => {
    await deploy('leaky', 'v3');
    await fault('leaky', 'v3', { oomKill: true });
    const status = await until(
      async () => {
        const s = (await podsOf('leaky'))[0]?.status?.containerStatuses?.[0];
        return s?.lastState?.terminated?.reason === 'OOMKilled' ? s : undefined;
      },
      20_000,
      'an OOM kill',
    );
    expect(status.lastState?.terminated?.exitCode).toBe(137);
    expect(status.restartCount).toBeGreaterThan(0);
    const name = (await podsOf('leaky'))[0]!.metadata!.name!;
    const previous = await podLog(name, '?previous=true');
    expect(await previous.text()).toContain('heap usage at 98% of the container memory limit');
  });

  it('writes failing requests to the container log from the fault on, leaving earlier lines as they were', async () => {
    await deploy('flaky', 'v1');
    const name = await until(
      async () => {
        const p = (await podsOf('flaky'))[0];
        return p?.status?.containerStatuses?.[0]?.ready ? p.metadata!.name! : undefined;
      },
      20_000,
      'flaky ready',
    );
    const log = async () => (await (await podLog(name)).text()).trim().split('\n');
    const before = await log();
    await fault('flaky', 'v1', { errorRate: 0.5 });
    const after = await until(
      async () => {
        const l = await log();
        return l.length >= before.length + 80 ? l : undefined;
      },
      20_000,
      '80 more lines',
    );
    expect(after.slice(0, before.length)).toEqual(before);
    const fresh = after.slice(before.length).filter((l) => l.includes(' GET /api/v1/flakys '));
    const failed = fresh.filter((l) => / ERROR GET \/api\/v1\/flakys status=503 /.test(l)).length;
    expect(failed / fresh.length).toBeGreaterThan(0.25);
    expect(failed / fresh.length).toBeLessThan(0.75);
  });

  it('starts slowly when told to, and refuses a bad slow start', async () => {
    const bad = await fault<{ message: string }>('slow', 'v1', { startupSeconds: -1 });
    expect([bad.status, bad.body.message]).toEqual([
      400,
      'startupSeconds must be zero or more seconds, got -1.',
    ]);
    await fault('slow', 'v1', { startupSeconds: 600 });
    await deploy('slow', 'v1');
    await until(
      async () => ((await podsOf('slow'))[0]?.spec?.nodeName ? true : undefined),
      10_000,
      'scheduled',
    );
    expect((await podsOf('slow'))[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe(
      'ContainerCreating',
    );
    const pod = await until(
      async () => {
        const p = (await podsOf('slow'))[0];
        return p?.status?.containerStatuses?.[0]?.ready ? p : undefined;
      },
      30_000,
      'slow start done',
    );
    // The container started no sooner than 600 s of sandbox time after the pod was created.
    const startedAt = pod.status!.containerStatuses![0]!.state!.running!.startedAt!;
    expect(new Date(startedAt).getTime() - pod.metadata!.creationTimestamp!.getTime()).toBeGreaterThanOrEqual(
      600_000,
    );
  });
});
