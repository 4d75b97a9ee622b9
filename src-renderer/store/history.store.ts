import { create } from 'zustand';
import type { ReleaseListItem, RequestOutput } from '../../src-shared/bridge/contract.ts';
import type { BridgeError } from '../../src-shared/bridge/errors.ts';
import { api } from '../bridge/api.ts';
import { download } from '../lib/download.ts';
import type { HistoryFilter } from '../lib/history-filter.ts';
import { appendHealth, NO_HEALTH, type HealthHistory } from '../lib/timeline-series.ts';

export interface HistoryState {
  releases: ReleaseListItem[];
  loading: boolean;
  error: BridgeError | null;
  filter: HistoryFilter;
  selected: string | null;
  /** The opened release, without its health points: those are kept once, in `detailHealth`. */
  detail: Omit<RequestOutput<'release:get'>, 'health'> | null;
  /** The opened release's health, taken in (per-version columns) when it arrived. */
  detailHealth: HealthHistory;
  detailLoading: boolean;
  detailError: BridgeError | null;
  exportStatus: { busy: boolean; error: BridgeError | null; message: string | null };
  /** The rollback of a completed release: in progress, refused (with the sentence), or done (its summary). */
  rollback: { busy: boolean; error: BridgeError | null; message: string | null };
  load(): Promise<void>;
  setFilter(patch: Partial<HistoryFilter>): void;
  open(id: string): Promise<void>;
  exportAs(format: 'markdown' | 'json'): Promise<void>;
  /** Rolls the selected completed release back (after the user confirmed), then reloads the list and the release. */
  rollbackCompleted(reason: string): Promise<void>;
}

/** History: the journal's releases, the filters, and the opened release. */
export const useHistory = create<HistoryState>((set, get) => ({
  releases: [],
  loading: false,
  error: null,
  filter: { status: '', strategy: '', text: '' },
  selected: null,
  detail: null,
  detailHealth: NO_HEALTH,
  detailLoading: false,
  detailError: null,
  exportStatus: { busy: false, error: null, message: null },
  rollback: { busy: false, error: null, message: null },

  async load() {
    set({ loading: true, error: null });
    const r = await api.invoke('release:list', {});
    if (!r.ok) return set({ loading: false, error: r.error });
    set({ loading: false, releases: r.value.releases });
  },

  setFilter: (patch) => set((s) => ({ filter: { ...s.filter, ...patch } })),

  async open(id) {
    set({
      selected: id,
      detail: null,
      detailHealth: NO_HEALTH,
      detailLoading: true,
      detailError: null,
      exportStatus: { busy: false, error: null, message: null },
      rollback: { busy: false, error: null, message: null },
    });
    const r = await api.invoke('release:get', { id });
    if (get().selected !== id) return;
    if (!r.ok) return set({ detailLoading: false, detailError: r.error });
    // The raw points (a day of 1 s samples is ~350,000 objects) are dropped once taken in.
    const { health, ...detail } = r.value;
    set({ detailLoading: false, detail, detailHealth: appendHealth(undefined, health) });
  },

  async rollbackCompleted(reason) {
    const id = get().selected;
    if (!id) return;
    set({ rollback: { busy: true, error: null, message: null } });
    const r = await api.invoke('release:rollbackCompleted', { id, ...(reason ? { reason } : {}) });
    if (!r.ok) return set({ rollback: { busy: false, error: r.error, message: null } });
    await get().load();
    if (get().selected === id) await get().open(id);
    set({ rollback: { busy: false, error: null, message: r.value.summary } });
  },

  async exportAs(format) {
    const id = get().selected;
    if (!id) return;
    set({ exportStatus: { busy: true, error: null, message: null } });
    const r = await api.invoke('release:export', { id, format });
    if (!r.ok) return set({ exportStatus: { busy: false, error: r.error, message: null } });
    download(r.value.filename, r.value.text, format === 'json' ? 'application/json' : 'text/markdown');
    set({ exportStatus: { busy: false, error: null, message: `Downloaded ${r.value.filename}.` } });
  },
}));
