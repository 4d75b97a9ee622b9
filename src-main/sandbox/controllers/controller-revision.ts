import type { KubeObject } from '../selectors.ts';
import { ownerRef, type ControllerContext } from './context.ts';

const key = 'controllerrevisions.apps';

/**
 * Keeps the ControllerRevision of a StatefulSet's or DaemonSet's current pod template, as their controllers
 * do: named `<owner>-<hash>`, holding the template as a strategic merge patch (`kubectl rollout undo`
 * applies it), numbered after the newest (a template seen before is renumbered, as after a rollback),
 * carrying the owner's annotations when it is first written (CHANGE-CAUSE). Keeps at most
 * `revisionHistoryLimit` + 1 revisions.
 */
export function syncControllerRevision(ctx: ControllerContext, owner: KubeObject, hash: string): void {
  const ns = owner.metadata.namespace;
  const name = `${owner.metadata.name}-${hash}`;
  const owned = ctx.store
    .list(key, ns)
    .filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === owner.metadata.uid && o.controller))
    .sort((a, b) => Number(a.revision) - Number(b.revision));
  const newest = owned.at(-1);
  const maxRevision = Number(newest?.revision ?? 0);
  const annotations = { ...owner.metadata.annotations };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  const current = owned.find((r) => r.metadata.name === name);
  if (!current) {
    ctx.store.create(key, {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: ns,
        labels: { ...owner.spec.template.metadata?.labels, 'controller-revision-hash': hash },
        annotations,
        ownerReferences: [ownerRef(owner)],
      },
      data: { spec: { template: { ...owner.spec.template, $patch: 'replace' } } },
      revision: maxRevision + 1,
    });
  } else if (current !== newest) {
    // A template seen before (a rollback) gets the next number; its annotations stay as first written.
    ctx.store.replace(key, { ...current, revision: maxRevision + 1 });
  }
  const limit = (owner.spec.revisionHistoryLimit ?? 10) + 1;
  const all = ctx.store
    .list(key, ns)
    .filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === owner.metadata.uid && o.controller))
    .sort((a, b) => Number(a.revision) - Number(b.revision));
  for (const r of all.slice(0, Math.max(0, all.length - limit)))
    if (r.metadata.name !== name) ctx.store.delete(key, ns, r.metadata.name);
}
