import type { ReleaseListItem } from '../../src-shared/bridge/contract.ts';

/** History's filters; empty strings match everything. */
export interface HistoryFilter {
  status: string;
  strategy: string;
  text: string;
}

/** The releases that pass every filter; `text` matches plan name, id, context or namespace, any case. */
export function filterReleases(list: readonly ReleaseListItem[], f: HistoryFilter): ReleaseListItem[] {
  const text = f.text.trim().toLowerCase();
  return list.filter(
    (r) =>
      (f.status === '' || r.status === f.status) &&
      (f.strategy === '' || r.strategy === f.strategy) &&
      (text === '' || [r.planName, r.id, r.context, r.namespace].some((v) => v.toLowerCase().includes(text))),
  );
}

/** The distinct values of a field, sorted, for a filter's choices. */
export function distinct(list: readonly ReleaseListItem[], field: 'status' | 'strategy'): string[] {
  return [...new Set(list.map((r) => r[field]))].sort();
}
