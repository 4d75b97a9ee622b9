import { sleep } from '../abortable-sleep.ts';
import { createKubeClient, type KubeClientOptions } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import { RELEASE_ANNOTATION } from './managed.ts';
import { containerImage, isManaged, notOurCanary } from './deployment-spec.ts';

/** What `removeLeftCanary` removed. */
export interface RemovedCanary {
  /** `namespace/name-canary`. */
  readonly deployment: string;
  /** The image it ran. */
  readonly image: string;
  /** The release that created or last adopted it, when noted. */
  readonly release?: string;
}

/**
 * Deletes the canary Deployment (`<name>-canary`) Switchyard's releases of `namespace/name` left behind, scaled
 * to 0, and waits until it is gone. Throws `ClusterError` `notFound` when there is none, `conflict` when it is
 * not Switchyard's (no managed-by label) or still has replicas (a release may be using it: end that release
 * first), and the client's errors otherwise.
 */
export async function removeLeftCanary(
  kubeconfigYaml: string,
  namespace: string,
  name: string,
  options: KubeClientOptions & { pollMs?: number; timeoutMs?: number } = {},
): Promise<RemovedCanary> {
  const k = createKubeClient(kubeconfigYaml, options);
  const canaryName = `${name}-canary`;
  const ref = `${namespace}/${canaryName}`;
  const read = () =>
    k
      .read(`reading Deployment ${ref}`, () =>
        k.apps.readNamespacedDeployment({ name: canaryName, namespace }),
      )
      .catch((error: unknown) => {
        if (error instanceof ClusterError && error.clusterKind === 'notFound') return undefined;
        throw error;
      });
  const canary = await read();
  if (!canary)
    throw new ClusterError(
      'notFound',
      `There is no canary Deployment ${ref} on context "${k.context}"; nothing to remove.`,
      404,
    );
  if (!isManaged(canary)) throw notOurCanary(namespace, canaryName, k.context);
  const replicas = canary.spec?.replicas ?? 1;
  if (replicas > 0)
    throw new ClusterError(
      'conflict',
      `Deployment ${ref} still has ${replicas} replica(s): a release may be using it. End that release (it scales the canary to 0), then remove it.`,
    );
  await k.write(`deleting Deployment ${ref}`, () =>
    k.apps.deleteNamespacedDeployment({
      name: canaryName,
      namespace,
      propagationPolicy: 'Foreground',
      // Only the object read above: a canary a new release re-created meanwhile is not deleted.
      body: { preconditions: { resourceVersion: canary.metadata?.resourceVersion } },
    }),
  );
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (await read()) {
    if (Date.now() > deadline)
      throw new ClusterError('timeout', `Deployment ${ref} was not deleted within 60 s.`);
    await sleep(options.pollMs ?? 200);
  }
  const release = canary.metadata?.annotations?.[RELEASE_ANNOTATION];
  return {
    deployment: ref,
    image: containerImage(canary),
    ...(release ? { release } : {}),
  };
}
