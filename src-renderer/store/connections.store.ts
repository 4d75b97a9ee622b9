import { create } from 'zustand';
import type {
  ContextStatus,
  ContextSummary,
  KubeconfigProblem,
  WorkloadSummary,
} from '../../src-shared/bridge/contract.ts';
import type { BridgeError } from '../../src-shared/bridge/errors.ts';
import { keepUnchangedRows } from '../../src-shared/bridge/workload-rows.ts';
import { api } from '../bridge/api.ts';
import { chooseNamespace, rememberNamespace, rememberedNamespace } from '../lib/namespace-choice.ts';

export type Loadable = 'idle' | 'loading' | 'ready' | 'error';

export interface ConnectionsState {
  contexts: ContextSummary[];
  problems: KubeconfigProblem[];
  contextsStatus: Loadable;
  selectedContext: string | null;
  namespaces: string[];
  namespacesStatus: Loadable;
  selectedNamespace: string | null;
  workloads: WorkloadSummary[];
  workloadsStatus: Loadable;
  /** The last failure, shown where the user acted. */
  error: BridgeError | null;
  /** Set while the live feed's updates are lost or stopped (main's words); the list is then the last good one. */
  feedError: string | null;
  /** Reachability and signed-in identity of each context picked so far; 'probing' while main asks. */
  statuses: Record<string, ContextStatus | 'probing'>;
  loadContexts(): Promise<void>;
  selectContext(name: string): Promise<void>;
  selectNamespace(name: string): Promise<void>;
  /**
   * Reads the picked context's namespaces again (on window focus and when the namespace picker is focused), for
   * clusters that do not let us watch them; where they may be watched, main sends every change.
   */
  refreshNamespaces(): Promise<void>;
}

let refreshing = false;

/** Mirrors what main reports about contexts, namespaces and workloads; decides nothing. */
export const useConnections = create<ConnectionsState>((set, get) => ({
  contexts: [],
  problems: [],
  contextsStatus: 'idle',
  selectedContext: null,
  namespaces: [],
  namespacesStatus: 'idle',
  selectedNamespace: null,
  workloads: [],
  workloadsStatus: 'idle',
  error: null,
  feedError: null,
  statuses: {},

  async loadContexts() {
    set({ contextsStatus: 'loading', error: null });
    const r = await api.invoke('cluster:listContexts', {});
    if (!r.ok) return set({ contextsStatus: 'error', error: r.error });
    set({ contexts: r.value.contexts, problems: r.value.problems, contextsStatus: 'ready' });
    if (r.value.selected && get().selectedContext === null) await get().selectContext(r.value.selected);
  },

  async selectContext(name) {
    set({
      selectedContext: name,
      namespaces: [],
      namespacesStatus: 'loading',
      selectedNamespace: null,
      workloads: [],
      workloadsStatus: 'idle',
      error: null,
      feedError: null,
      statuses: { ...get().statuses, [name]: 'probing' },
    });
    void api.invoke('cluster:probeContext', { context: name }).then((p) =>
      set({
        statuses: {
          ...get().statuses,
          [name]: p.ok ? p.value : { context: name, reachable: false, note: p.error.message },
        },
      }),
    );
    const r = await api.invoke('cluster:listNamespaces', { context: name });
    if (get().selectedContext !== name) return;
    if (!r.ok) return set({ namespacesStatus: 'error', error: r.error });
    set({ namespaces: r.value.namespaces, namespacesStatus: 'ready' });
    const ctx = get().contexts.find((c) => c.name === name);
    const preferred = chooseNamespace(r.value.namespaces, {
      remembered: rememberedNamespace(name),
      ...(ctx?.namespace ? { contextNamespace: ctx.namespace } : {}),
      ...(r.value.withWorkloads ? { withWorkloads: r.value.withWorkloads } : {}),
    });
    if (preferred) await get().selectNamespace(preferred);
  },

  async selectNamespace(namespace) {
    const context = get().selectedContext;
    if (!context) return;
    rememberNamespace(context, namespace);
    set({
      selectedNamespace: namespace,
      workloads: [],
      workloadsStatus: 'loading',
      error: null,
      feedError: null,
    });
    const r = await api.invoke('cluster:watchWorkloads', { context, namespace });
    if (!r.ok) set({ workloadsStatus: 'error', error: r.error });
  },

  async refreshNamespaces() {
    const context = get().selectedContext;
    if (!context || get().namespacesStatus !== 'ready' || refreshing) return;
    refreshing = true;
    try {
      const r = await api.invoke('cluster:listNamespaces', { context });
      // A failed refresh leaves the list as it was: the feed and the probe say what is wrong.
      if (!r.ok || get().selectedContext !== context) return;
      showNamespaces(r.value.namespaces);
    } finally {
      refreshing = false;
    }
  },
}));

/** Shows a context's namespaces as read again, the picked one kept even when it went away. */
function showNamespaces(read: string[]): void {
  const { selectedNamespace: selected, namespaces: shown } = useConnections.getState();
  const namespaces = selected && !read.includes(selected) ? [...read, selected].sort() : read;
  if (namespaces.join('\n') !== shown.join('\n')) useConnections.setState({ namespaces });
}

// Main follows the namespaces of the context whose workloads are watched.
api.on('cluster:namespaces', (event) => {
  const { selectedContext, namespacesStatus } = useConnections.getState();
  if (event.context === selectedContext && namespacesStatus === 'ready') showNamespaces(event.namespaces);
});

// Where namespaces may not be watched, one created while the console was in the background appears when the
// window comes back.
if (typeof window !== 'undefined')
  window.addEventListener('focus', () => void useConnections.getState().refreshNamespaces());

api.on('cluster:workloads', (event) => {
  const state = useConnections.getState();
  if (event.context !== state.selectedContext || event.namespace !== state.selectedNamespace) return;
  // Rows that did not change keep their objects, so the table redraws only the rows an event changed.
  const workloads = keepUnchangedRows(state.workloads, event.workloads);
  const workloadsStatus = event.error && workloads.length === 0 ? 'error' : 'ready';
  const feedError = event.error ?? null;
  if (
    workloads === state.workloads &&
    workloadsStatus === state.workloadsStatus &&
    feedError === state.feedError
  )
    return;
  useConnections.setState({ workloads, workloadsStatus, feedError });
});
