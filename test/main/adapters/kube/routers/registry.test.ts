import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient } from '../../../../../src-main/adapters/kube/kube-client.ts';
import { ClusterError } from '../../../../../src-main/adapters/kube/kube-errors.ts';
import { KubeObjects } from '../../../../../src-main/adapters/kube/kube-objects.ts';
import { createKubeReleaseOps } from '../../../../../src-main/adapters/kube/release-ops.ts';
import { createRouter } from '../../../../../src-main/adapters/kube/routers/registry.ts';
import type { SandboxHandle } from '../../../../../src-main/sandbox/sandbox.ts';
import { defaultPlan } from '../../../../../src-shared/plan/plan.defaults.ts';
import { ROUTER_KINDS, type ReleasePlan } from '../../../../../src-shared/plan/plan.schema.ts';
import { addHttpRoute, closeSoon, startFastSandbox } from '../sandbox-fixture.ts';

const NS = 'platform-production';
const APPS = {
  istio: 'workflow-engine',
  'gateway-api': 'agent-manager',
  'service-selector': 'notification-service',
  'replica-ratio': 'notification-service',
} as const;
/** What each router says it moves traffic with. */
const OBJECTS = {
  istio: `VirtualService ${NS}/workflow-engine route primary`,
  'gateway-api': `HTTPRoute ${NS}/agent-manager`,
  'service-selector': `Service ${NS}/notification-service selector`,
  'replica-ratio': `replicas of Deployments ${NS}/notification-service and notification-service-canary`,
} as const;
const plan = (
  strategy: 'canary' | 'rolling' | 'blue-green' | 'ab-test',
  router: ReleasePlan['router']['kind'],
) =>
  defaultPlan(
    strategy,
    { namespace: NS, name: APPS[router], image: `registry.platform.com/${APPS[router]}:v1.25.0` },
    { router },
  );
const routerOf = (p: ReleasePlan) =>
  createRouter(new KubeObjects(createKubeClient(sb.kubeconfigYaml()), p, { pollMs: 50 }));

let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startFastSandbox(40);
  await addHttpRoute(sb, 'agent-manager');
});
afterAll(() => closeSoon(sb));

describe.each(ROUTER_KINDS.map((kind) => ({ kind })))('the $kind router', ({ kind }) => {
  it('is the one the plan names, and reads where traffic goes from the object it names', async () => {
    const router = routerOf(plan(kind === 'service-selector' ? 'rolling' : 'canary', kind));
    expect(router.kind).toBe(kind);
    expect(router.describe()).toBe(OBJECTS[kind]);
    const split = await router.readSplit();
    expect(Object.values(split.weights).reduce((a, b) => a + b, 0)).toBeCloseTo(100, 5);
  });
});

it('a blue-green switch under a router that cannot switch colours is refused in a sentence, nothing written', async () => {
  const p = plan('blue-green', 'replica-ratio');
  expect(routerOf(p).canSwitchColours).toBe(false);
  const writes = sb.audit().length;
  const error = await createKubeReleaseOps(sb.kubeconfigYaml(), p)
    .switchTo('green')
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ClusterError);
  expect(error).toMatchObject({ clusterKind: 'invalidConfig' });
  expect((error as Error).message).toMatch(/blue-green switch .* not replica-ratio/);
  expect(sb.audit()).toHaveLength(writes);
});

it('an A/B test under a router that cannot route by header is refused, naming the router', async () => {
  // The plan schema refuses this already; the adapter refuses it too, whoever builds the plan.
  const p = plan('ab-test', 'istio');
  p.router = { kind: 'service-selector', service: 'workflow-engine', versionLabel: 'version' };
  expect(routerOf(p).routeExperiment).toBeUndefined();
  const ops = createKubeReleaseOps(sb.kubeconfigYaml(), p);
  await expect(
    ops.routeExperiment!({
      variants: [{ name: 'treatment', version: 'v1.25.0', weight: 100 }],
      cohort: { header: 'x-cohort', exact: 'beta' },
      pins: [],
      defaultVariant: 'control',
    }),
  ).rejects.toThrow(/A\/B test routes by header, which a service-selector router cannot do/);
});

describe('warnings before an A/B test with a sticky header', () => {
  const sticky = (router: 'istio' | 'gateway-api', stickyHeader?: string) => {
    const p = plan('ab-test', router);
    if (p.strategy.kind !== 'ab-test') throw new Error('not an A/B plan');
    if (stickyHeader) p.strategy.stickyHeader = stickyHeader;
    else delete p.strategy.stickyHeader;
    return routerOf(p).warnings();
  };

  it.each([
    ['gateway-api', /x-user-id is not enforced by a gateway-api router/],
    ['istio', /x-user-id keeps a user on one pod of a variant .* per request/],
  ] as const)('%s says how far it keeps a user on one variant', (router, warning) => {
    expect(sticky(router, 'x-user-id')).toEqual([expect.stringMatching(warning)]);
  });

  it('says nothing without a sticky header', () => {
    expect(sticky('gateway-api')).toEqual([]);
    expect(sticky('istio')).toEqual([]);
  });
});
