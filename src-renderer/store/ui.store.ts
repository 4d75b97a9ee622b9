import { create } from 'zustand';

/** The console's screens, in navigation order. */
export const SCREENS = ['Connections', 'Plan', 'Rehearse', 'Run', 'History'] as const;
export type Screen = (typeof SCREENS)[number];

/** An in-app notice; `tone` picks its colour. */
export interface Toast {
  id: number;
  title: string;
  body: string;
  tone: 'info' | 'ok' | 'warn' | 'error';
}

export interface UiState {
  screen: Screen;
  toasts: Toast[];
  helpOpen: boolean;
  go(screen: Screen): void;
  toast(t: Omit<Toast, 'id'>): void;
  dismiss(id: number): void;
  setHelp(open: boolean): void;
}

let nextToast = 1;

/** Which screen is shown, the in-app notices and the shortcut help. */
export const useUi = create<UiState>((set) => ({
  screen: 'Connections',
  toasts: [],
  helpOpen: false,
  go: (screen) => set({ screen }),
  toast: (t) => {
    const id = nextToast++;
    set((s) => ({ toasts: [...s.toasts.slice(-4), { ...t, id }] }));
    setTimeout(() => useUi.getState().dismiss(id), 12_000);
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  setHelp: (helpOpen) => set({ helpOpen }),
}));
