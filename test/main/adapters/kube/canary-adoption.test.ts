import type { V1Deployment } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { ClusterError } from '../../../../src-main/adapters/kube/kube-errors.ts';
import { createKubePreflightCluster } from '../../../../src-main/adapters/kube/preflight-cluster.ts';
import { createKubeReleaseOps } from '../../../../src-main/adapters/kube/release-ops.ts';
import { defaultPlan } from '../../../../src-shared/plan/plan.defaults.ts';
import { useFastSandbox } from './sandbox-fixture.ts';

const NS = 'platform-production';
const APP = 'workflow-engine';
const image = (tag: string) => `registry.platform.com/${APP}:${tag}`;
const plan = (tag: string) =>
  defaultPlan('canary', { namespace: NS, name: APP, image: image(tag) }, { router: 'istio' });

const fixture = useFastSandbox();

const canary = () => fixture.apps.readNamespacedDeployment({ name: `${APP}-canary`, namespace: NS });
const ops = (tag: string, releaseId: string) =>
  createKubeReleaseOps(fixture.sb.kubeconfigYaml(), plan(tag), { releaseId, pollMs: 50 });
const notes = (d: V1Deployment) => ({
  managedBy: d.metadata?.labels?.['app.kubernetes.io/managed-by'],
  release: d.metadata?.annotations?.['switchyard.dev/release'],
  stableImage: d.metadata?.annotations?.['switchyard.dev/stable-image'],
  version: d.spec?.selector?.matchLabels?.version,
  image: d.spec?.template?.spec?.containers?.[0]?.image,
  replicas: d.spec?.replicas,
});

it('a canary Switchyard did not create is refused and left untouched', async () => {
  const stable = await fixture.apps.readNamespacedDeployment({ name: APP, namespace: NS });
  await fixture.apps.createNamespacedDeployment({
    namespace: NS,
    body: { metadata: { name: `${APP}-canary`, namespace: NS }, spec: { ...stable.spec!, replicas: 2 } },
  });
  const error = await ops('v1.25.0', 'r1')
    .ensureCanary(image('v1.25.0'), 'v1.25.0')
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ClusterError);
  expect((error as ClusterError).clusterKind).toBe('conflict');
  expect((error as ClusterError).message).toMatch(
    /Deployment platform-production\/workflow-engine-canary exists .* but Switchyard did not create it/,
  );
  const refused = await createKubePreflightCluster(
    fixture.sb.kubeconfigYaml(),
    plan('v1.25.0'),
  ).dryRunFirstChange();
  expect(refused).toMatchObject({
    ok: false,
    title: `Deployment ${NS}/${APP}-canary exists and is not Switchyard's`,
  });
  const theirs = await canary();
  expect(notes(theirs)).toMatchObject({ managedBy: undefined, replicas: 2, image: image('v1.24.0') });
  await fixture.apps.deleteNamespacedDeployment({ name: `${APP}-canary`, namespace: NS });
});

it('labels the canary as ours; the next release adopts it, a new version replaces its selector', async () => {
  const first = ops('v1.25.0', 'r1');
  await first.ensureCanary(image('v1.25.0'), 'v1.25.0');
  expect(notes(await canary())).toEqual({
    managedBy: 'switchyard',
    release: 'r1',
    stableImage: image('v1.24.0'),
    version: 'v1.25.0',
    image: image('v1.25.0'),
    replicas: 1,
  });
  await first.abortCanary();
  expect((await canary()).spec?.replicas).toBe(0);

  // Preflight of the next release dry-runs what it will do with the canary left behind.
  const dryRun = (tag: string) =>
    createKubePreflightCluster(fixture.sb.kubeconfigYaml(), plan(tag)).dryRunFirstChange();
  expect(await dryRun('v1.25.0')).toEqual({
    ok: true,
    description: `The API server accepted adopting the canary Deployment ${NS}/${APP}-canary left by release r1 with ${image('v1.25.0')} (dry run); was ${image('v1.25.0')}.`,
  });
  expect(await dryRun('v1.26.0')).toEqual({
    ok: true,
    description: `The API server accepted deleting the canary Deployment ${NS}/${APP}-canary left by release r1 (${image('v1.25.0')}) to recreate it with ${image('v1.26.0')} (dry run).`,
  });

  // The fix of the same version (a new release): adopted in place, same object.
  const uid = (await canary()).metadata?.uid;
  await ops('v1.25.0', 'r2').ensureCanary(image('v1.25.0'), 'v1.25.0');
  const adopted = await canary();
  expect(adopted.metadata?.uid).toBe(uid);
  expect(notes(adopted)).toMatchObject({ release: 'r2', replicas: 1, version: 'v1.25.0' });

  // Another version: its selector differs, so the canary is recreated for it.
  await ops('v1.26.0', 'r3').ensureCanary(image('v1.26.0'), 'v1.26.0');
  const replaced = await canary();
  expect(replaced.metadata?.uid).not.toBe(uid);
  expect(notes(replaced)).toMatchObject({ release: 'r3', version: 'v1.26.0', image: image('v1.26.0') });
});
