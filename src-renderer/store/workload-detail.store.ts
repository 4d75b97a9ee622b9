import { create } from 'zustand';
import type { WorkloadDetail, WorkloadSummary } from '../../src-shared/bridge/contract.ts';
import type { BridgeError } from '../../src-shared/bridge/errors.ts';
import { api } from '../bridge/api.ts';
import { useConnections } from './connections.store.ts';

export interface WorkloadDetailState {
  /** The workload whose drill-down is open; null when closed. */
  open: Pick<WorkloadSummary, 'kind' | 'name' | 'namespace'> | null;
  /** The pod whose log is shown; undefined = the first pod. */
  logPod: string | undefined;
  detail: WorkloadDetail | null;
  /** When `detail` was received (ms since the epoch): ages are counted to then. */
  readAt: number;
  error: BridgeError | null;
  /** Set while live updates are lost or stopped (main's words); the detail is then the last good one. */
  feedError: string | null;
  show(w: Pick<WorkloadSummary, 'kind' | 'name' | 'namespace'>): void;
  showLog(pod: string): void;
  close(): void;
}

/** The open workload drill-down, which main follows through watches and sends on every change. */
export const useWorkloadDetail = create<WorkloadDetailState>((set, get) => {
  async function watch() {
    const open = get().open;
    const context = useConnections.getState().selectedContext;
    if (!open || !context) return;
    const logPod = get().logPod;
    const r = await api.invoke('cluster:watchWorkloadDetail', {
      context,
      namespace: open.namespace,
      kind: open.kind,
      name: open.name,
      ...(logPod ? { pod: logPod } : {}),
    });
    if (!r.ok && get().open === open) set({ error: r.error });
  }
  return {
    open: null,
    logPod: undefined,
    detail: null,
    readAt: 0,
    error: null,
    feedError: null,
    show(w) {
      set({
        open: { kind: w.kind, name: w.name, namespace: w.namespace },
        logPod: undefined,
        detail: null,
        error: null,
        feedError: null,
      });
      void watch();
    },
    showLog(pod) {
      set({ logPod: pod });
      void watch();
    },
    close() {
      if (get().open) void api.invoke('cluster:unwatchWorkloadDetail', {});
      set({ open: null, detail: null, error: null, feedError: null, logPod: undefined });
    },
  };
});

api.on('cluster:workloadDetail', (event) => {
  const { open } = useWorkloadDetail.getState();
  const context = useConnections.getState().selectedContext;
  if (
    !open ||
    event.context !== context ||
    event.namespace !== open.namespace ||
    event.kind !== open.kind ||
    event.name !== open.name
  )
    return;
  useWorkloadDetail.setState({
    ...(event.detail ? { detail: event.detail, readAt: Date.now() } : {}),
    feedError: event.error ?? null,
  });
});

// A drill-down belongs to the namespace it was opened in.
useConnections.subscribe((s, prev) => {
  if (s.selectedNamespace !== prev.selectedNamespace || s.selectedContext !== prev.selectedContext)
    useWorkloadDetail.getState().close();
});
