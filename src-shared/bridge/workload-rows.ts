import type { WorkloadSummary } from './connection-views.ts';

/** True when two workload rows show the same thing (every field the table or the drill-down reads). */
export function sameWorkload(a: WorkloadSummary, b: WorkloadSummary): boolean {
  return (
    a.kind === b.kind &&
    a.name === b.name &&
    a.namespace === b.namespace &&
    a.replicas === b.replicas &&
    a.readyReplicas === b.readyReplicas &&
    a.updatedReplicas === b.updatedReplicas &&
    a.availableReplicas === b.availableReplicas &&
    a.version === b.version &&
    a.images.length === b.images.length &&
    a.images.every((image, i) => image === b.images[i])
  );
}

/**
 * `next` with each row that did not change replaced by the same object of `previous`, so a view can skip the
 * rows a watch event left alone; `previous` itself when nothing changed at all (same rows, same order).
 */
export function keepUnchangedRows(previous: WorkloadSummary[], next: WorkloadSummary[]): WorkloadSummary[] {
  const before = new Map(previous.map((w) => [`${w.kind}/${w.name}`, w]));
  let changed = previous.length !== next.length;
  const rows = next.map((w, i) => {
    const old = before.get(`${w.kind}/${w.name}`);
    if (old && sameWorkload(old, w)) {
      if (previous[i] !== old) changed = true;
      return old;
    }
    changed = true;
    return w;
  });
  return changed ? rows : previous;
}
