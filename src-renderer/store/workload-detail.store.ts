import { create } from 'zustand';
import type { WorkloadDetail, WorkloadSummary } from '../../src-shared/bridge/contract.ts';
import type { BridgeError } from '../../src-shared/bridge/errors.ts';
import { api } from '../bridge/api.ts';
import { useConnections } from './connections.store.ts';

/** How often an open drill-down asks main again, milliseconds. */
const REFRESH_MS = 2_000;

export interface WorkloadDetailState {
  /** The workload whose drill-down is open; null when closed. */
  open: Pick<WorkloadSummary, 'kind' | 'name' | 'namespace'> | null;
  /** The pod whose log is shown; undefined = the first pod. */
  logPod: string | undefined;
  detail: WorkloadDetail | null;
  /** When `detail` was read (ms since the epoch): ages are counted to then. */
  readAt: number;
  error: BridgeError | null;
  show(w: Pick<WorkloadSummary, 'kind' | 'name' | 'namespace'>): void;
  showLog(pod: string): void;
  close(): void;
}

let timer: ReturnType<typeof setTimeout> | undefined;
let generation = 0;

/** The open workload drill-down, refreshed every two seconds while it is open (a short poll through the bridge). */
export const useWorkloadDetail = create<WorkloadDetailState>((set, get) => {
  async function refresh(gen: number) {
    const open = get().open;
    const context = useConnections.getState().selectedContext;
    if (!open || !context || gen !== generation) return;
    const logPod = get().logPod;
    const r = await api.invoke('cluster:workloadDetail', {
      context,
      namespace: open.namespace,
      kind: open.kind,
      name: open.name,
      ...(logPod ? { pod: logPod } : {}),
    });
    if (gen !== generation) return;
    set(r.ok ? { detail: r.value, readAt: Date.now(), error: null } : { error: r.error });
    timer = setTimeout(() => void refresh(gen), REFRESH_MS);
  }
  function restart() {
    clearTimeout(timer);
    void refresh(++generation);
  }
  return {
    open: null,
    logPod: undefined,
    detail: null,
    readAt: 0,
    error: null,
    show(w) {
      set({
        open: { kind: w.kind, name: w.name, namespace: w.namespace },
        logPod: undefined,
        detail: null,
        error: null,
      });
      restart();
    },
    showLog(pod) {
      set({ logPod: pod });
      restart();
    },
    close() {
      clearTimeout(timer);
      generation++;
      set({ open: null, detail: null, error: null, logPod: undefined });
    },
  };
});

// A drill-down belongs to the namespace it was opened in.
useConnections.subscribe((s, prev) => {
  if (s.selectedNamespace !== prev.selectedNamespace || s.selectedContext !== prev.selectedContext)
    useWorkloadDetail.getState().close();
});
