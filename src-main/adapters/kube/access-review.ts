import type { KubeClient } from './kube-client.ts';

/** What one SelfSubjectAccessReview asks: may we `verb` `resource` (of `group`) in `namespace`? */
export interface AccessQuestion {
  verb: string;
  /** API group, '' for core. */
  group: string;
  /** Plural resource, e.g. `deployments`. */
  resource: string;
  subresource?: string;
  namespace: string;
  /** One object by name; absent = any. */
  name?: string;
}

/** Asks the API server whether the context's user may do `q` (a SelfSubjectAccessReview). Throws `ClusterError`. */
export async function accessReview(
  k: KubeClient,
  q: AccessQuestion,
): Promise<{ allowed: boolean; reason?: string }> {
  const review = await k.write(`asking whether we may ${q.verb} ${q.resource}`, () =>
    k.authz.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb: q.verb,
            group: q.group,
            resource: q.resource,
            namespace: q.namespace,
            ...(q.subresource ? { subresource: q.subresource } : {}),
            ...(q.name ? { name: q.name } : {}),
          },
        },
      },
    }),
  );
  return {
    allowed: review.status?.allowed === true,
    ...(review.status?.reason ? { reason: review.status.reason } : {}),
  };
}
