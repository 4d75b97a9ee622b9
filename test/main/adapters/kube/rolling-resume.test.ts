import { expect, it } from 'vitest';
import { ClusterError } from '../../../../src-main/adapters/kube/kube-errors.ts';
import { createKubeReleaseOps } from '../../../../src-main/adapters/kube/release-ops.ts';
import { defaultPlan } from '../../../../src-shared/plan/plan.defaults.ts';
import { useFastSandbox, writesTo } from './sandbox-fixture.ts';

const NS = 'platform-production';
const APP = 'agent-manager';
const image = (tag: string) => `registry.platform.com/${APP}:${tag}`;
const plan = defaultPlan(
  'rolling',
  { namespace: NS, name: APP, image: image('v1.25.0') },
  { router: 'service-selector' },
);

const fixture = useFastSandbox();

const imageNow = async () =>
  (await fixture.apps.readNamespacedDeployment({ name: APP, namespace: NS })).spec?.template?.spec
    ?.containers?.[0]?.image;

it('a rolling release resumed after another release set its image pauses as drift; undo leaves theirs', async () => {
  // The release sets its image, then its process stops before the journal records it.
  await createKubeReleaseOps(fixture.sb.kubeconfigYaml(), plan, { releaseId: 'r1', pollMs: 50 }).setImage(
    image('v1.25.0'),
  );
  expect(await imageNow()).toBe(image('v1.25.0'));

  // Meanwhile a colleague releases v1.26.0.
  const d = await fixture.apps.readNamespacedDeployment({ name: APP, namespace: NS });
  d.spec!.template.spec!.containers[0]!.image = image('v1.26.0');
  await fixture.apps.replaceNamespacedDeployment({ name: APP, namespace: NS, body: d });
  const writes = writesTo(fixture.sb, 'deployments', APP).length;

  // The resumed release (a new process: no memory of what it read) calls setImage again.
  const resumed = createKubeReleaseOps(fixture.sb.kubeconfigYaml(), plan, { releaseId: 'r1', pollMs: 50 });
  const error = await resumed.setImage(image('v1.25.0')).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ClusterError);
  expect((error as ClusterError).clusterKind).toBe('conflict');
  expect((error as ClusterError).message).toBe(
    `Deployment ${NS}/${APP} was changed by someone else since this release began: image is ${image('v1.26.0')} (the release expected ${image('v1.25.0')}). The release pauses and nothing was overwritten; abort it, then release again from what runs now.`,
  );
  // Rolling it back to the revision before it (1, v1.24.0) does not put v1.24.0 over v1.26.0 either.
  await resumed.undo(1);
  expect(await imageNow()).toBe(image('v1.26.0'));
  expect(writesTo(fixture.sb, 'deployments', APP)).toHaveLength(writes);

  // Another release of the Deployment is not held back by the first one's note.
  await createKubeReleaseOps(
    fixture.sb.kubeconfigYaml(),
    { ...plan, target: { ...plan.target, image: image('v1.27.0') } },
    { releaseId: 'r2', pollMs: 50 },
  ).setImage(image('v1.27.0'));
  expect(await imageNow()).toBe(image('v1.27.0'));
});
