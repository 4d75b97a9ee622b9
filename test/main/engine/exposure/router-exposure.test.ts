import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKubeClient } from '../../../../src-main/adapters/kube/kube-client.ts';
import { KubeObjects } from '../../../../src-main/adapters/kube/kube-objects.ts';
import { createKubeReleaseOps } from '../../../../src-main/adapters/kube/release-ops.ts';
import { createRouter } from '../../../../src-main/adapters/kube/routers/registry.ts';
import { routerExposure } from '../../../../src-main/engine/exposure/router-exposure.ts';
import type { ExposureProvider } from '../../../../src-main/ports/exposure.port.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { defaultPlan } from '../../../../src-shared/plan/plan.defaults.ts';
import { closeSoon, customApi, startFastSandbox, writesTo } from '../../adapters/kube/sandbox-fixture.ts';

const NS = 'platform-production';
const APP = 'workflow-engine';
const plan = defaultPlan('canary', {
  namespace: NS,
  name: APP,
  image: `registry.platform.com/${APP}:v1.25.0`,
});
const vsKey = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  namespace: NS,
  plural: 'virtualservices',
  name: APP,
};
type Vs = { metadata: { resourceVersion: string }; spec: { http: { route: { weight?: number }[] }[] } };

let sb: SandboxHandle;
let exposure: ExposureProvider;
beforeAll(async () => {
  sb = await startFastSandbox(40);
  const ops = createKubeReleaseOps(sb.kubeconfigYaml(), plan, { pollMs: 50 });
  await ops.ensureCanary(plan.target.image, 'v1.25.0');
  const objects = new KubeObjects(createKubeClient(sb.kubeconfigYaml()), plan, { pollMs: 50 });
  exposure = routerExposure(createRouter(objects));
});
afterAll(() => closeSoon(sb));

it('reads the router split as percent, and sets the canary weight on the VirtualService', async () => {
  expect(exposure.kind).toBe('istio');
  expect(exposure.describe()).toBe(`VirtualService ${NS}/${APP} route primary`);
  const start = await exposure.read();
  expect(start).toMatchObject({ percent: { stable: 100, canary: 0 }, newVariant: 'canary', enabled: true });

  const after = await exposure.setPercent(25, start);
  expect(after.percent).toEqual({ stable: 75, canary: 25 });
  const vs = (await customApi(sb).getNamespacedCustomObject(vsKey)) as Vs;
  expect(vs.spec.http[0]!.route.map((d) => d.weight)).toEqual([75, 25]);
  expect(after.version).toBe(vs.metadata.resourceVersion);

  // A ramp that reads, then decides: a reading older than the last change is refused, whoever changed it.
  const refused = await exposure.setPercent(30, start).catch((e: unknown) => e);
  expect(refused).toMatchObject({ kind: 'conflict' });
  expect((await exposure.read()).percent).toEqual({ stable: 75, canary: 25 });
});

it('refuses to move traffic from a stale reading, and kills to stable even over a colleague’s edit', async () => {
  const seen = await exposure.read();
  const api = customApi(sb);
  const vs = (await api.getNamespacedCustomObject(vsKey)) as Vs;
  vs.spec.http[0]!.route[0]!.weight = 60;
  vs.spec.http[0]!.route[1]!.weight = 40;
  await api.replaceNamespacedCustomObject({ ...vsKey, body: vs });
  const writes = writesTo(sb, 'virtualservices', APP).length;

  const refused = await exposure.setPercent(50, seen).catch((e: unknown) => e);
  expect(refused).toMatchObject({ kind: 'conflict' });
  expect(String((refused as Error).message)).toMatch(/VirtualService platform-production\/workflow-engine/);
  expect(writesTo(sb, 'virtualservices', APP)).toHaveLength(writes);

  const killed = await exposure.kill();
  expect(killed.percent).toEqual({ stable: 100, canary: 0 });
  const canary = await createKubeReleaseOps(sb.kubeconfigYaml(), plan).workloadState('canary');
  expect(canary.desired).toBe(0);
});

it('names a percent out of range instead of clamping it', async () => {
  await expect(exposure.setPercent(150)).rejects.toThrow(/percent from 0 to 100, not 150/);
  await expect(exposure.setPercent(Number.NaN)).rejects.toThrow(/not NaN/);
});
