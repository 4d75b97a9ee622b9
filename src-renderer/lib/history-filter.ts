import type { ReleaseListItem } from '../../src-shared/bridge/contract.ts';

/** History's filters; empty strings match everything. */
export interface HistoryFilter {
  status: string;
  strategy: string;
  text: string;
}

/**
 * The status History shows: a rehearsal the journal calls running or paused that no live process drives is
 * `stopped` (the console that ran it was closed; the sandbox it ran on is gone with it), any other its own.
 */
export function shownStatus(r: Pick<ReleaseListItem, 'status' | 'rehearsal' | 'driver'>): string {
  const live = r.status === 'running' || r.status === 'paused';
  return live && r.rehearsal && !r.driver ? 'stopped' : r.status;
}

/** The releases that pass every filter; `text` matches plan name, id, context or namespace, any case. */
export function filterReleases(list: readonly ReleaseListItem[], f: HistoryFilter): ReleaseListItem[] {
  const text = f.text.trim().toLowerCase();
  return list.filter(
    (r) =>
      (f.status === '' || shownStatus(r) === f.status) &&
      (f.strategy === '' || r.strategy === f.strategy) &&
      (text === '' || [r.planName, r.id, r.context, r.namespace].some((v) => v.toLowerCase().includes(text))),
  );
}

/** The distinct values of a field, sorted, for a filter's choices. */
export function distinct(list: readonly ReleaseListItem[], field: 'status' | 'strategy'): string[] {
  return [...new Set(list.map((r) => (field === 'status' ? shownStatus(r) : r[field])))].sort();
}
