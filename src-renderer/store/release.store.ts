import { create } from 'zustand';
import type {
  EventPayload,
  HealthPoint,
  ReleaseListItem,
  SandboxFault,
} from '../../src-shared/bridge/contract.ts';
import type { BridgeError } from '../../src-shared/bridge/errors.ts';
import { parsePlan } from '../../src-shared/plan/plan.parse.ts';
import { planCommands, type PlanCommand } from '../../src-shared/plan/plan-commands.ts';
import type { OperatorEventType, ReleaseSnapshot } from '../../src-shared/release/release.schema.ts';
import { api } from '../bridge/api.ts';
import { appendHealth, type HealthHistory } from '../lib/timeline-series.ts';
import { useUi, type Toast } from './ui.store.ts';

export type Mode = 'rehearse' | 'run';

/** What the release screens know about one release besides main's projection. */
export interface ReleaseMeta {
  mode: Mode;
  context: string;
  /** The plan text it was started with (threshold lines, analysis conditions). */
  planText: string;
}

export type StartInput = {
  context: string;
  text: string;
  speed: number;
  stepThrough: boolean;
  /** The user confirmed taking the workload over from a release that stopped renewing its lease. */
  takeOver?: boolean;
};

/** A start held back until the user confirms the commands the plan runs. */
export interface PendingCommands {
  mode: Mode;
  input: StartInput;
  commands: PlanCommand[];
  digest: string;
}

/** A notice main sent about one release (e.g. what happened while the computer slept). */
export type ReleaseNotice = EventPayload<'release:notice'> & { receivedAtMs: number };

/** The answer to the last operator control, shown beside the controls. */
export interface ControlOutcome {
  event: OperatorEventType;
  accepted: boolean;
  message: string;
}

export interface ReleaseState {
  snapshots: Record<string, ReleaseSnapshot>;
  /** Each release's health, taken in as the points arrive. */
  health: Record<string, HealthHistory>;
  meta: Record<string, ReleaseMeta>;
  /** The release each screen shows. */
  current: Record<Mode, string | null>;
  starting: Record<Mode, boolean>;
  startError: Record<Mode, BridgeError | null>;
  control: { busy: boolean; error: BridgeError | null; outcome: ControlOutcome | null };
  fault: { busy: boolean; error: BridgeError | null; message: string | null };
  /** A start waiting for the user to confirm the plan's commands; null when none is. */
  pendingCommands: PendingCommands | null;
  /** Digests of command lists the user confirmed in this session (never stored). */
  confirmedDigests: string[];
  /** Notices per release id, oldest first. */
  notices: Record<string, ReleaseNotice[]>;

  /**
   * Starts a release. When the plan runs commands the user has not confirmed in this session, nothing is
   * sent: `pendingCommands` is set and the screen asks first.
   */
  start(mode: Mode, input: StartInput): Promise<void>;
  /** The user confirmed the pending commands: remembers their digest for the session and starts. */
  confirmCommands(): Promise<void>;
  /** The user declined the pending commands: nothing starts. */
  cancelCommands(): void;
  send(id: string, event: OperatorEventType, reason?: string): Promise<void>;
  injectFault(fault: SandboxFault): Promise<void>;
  /**
   * Picks up an unfinished release from the journal and shows it on Run; `abort` rolls it back instead.
   * `takeOver`: the user confirmed taking the workload over from a release that stopped renewing its lease.
   */
  resume(
    id: string,
    then: 'continue' | 'abort',
    context: string,
    takeOver?: boolean,
  ): Promise<BridgeError | null>;
  /**
   * Shows the releases this console's main side still drives (after a reload) on Run, or Rehearse for a
   * rehearsal, caught up: projection, plan and the health since the start. Returns the modes it attached to.
   */
  attachLive(): Promise<Mode[]>;
  /** Shows one live release driven by this console on its screen; returns that screen's mode, or the error. */
  attach(item: ReleaseListItem): Promise<Mode | BridgeError>;
}

/** Asks for OS notifications; call only from a user gesture (browsers ignore it otherwise). */
export function askNotificationPermission(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
    void Notification.requestPermission();
  }
}

/** Mirrors release projections and health points from main; sends operator events back. */
export const useRelease = create<ReleaseState>((set, get) => ({
  snapshots: {},
  health: {},
  meta: {},
  current: { rehearse: null, run: null },
  starting: { rehearse: false, run: false },
  startError: { rehearse: null, run: null },
  control: { busy: false, error: null, outcome: null },
  fault: { busy: false, error: null, message: null },
  pendingCommands: null,
  confirmedDigests: [],
  notices: {},

  async start(mode, input) {
    const parsed = parsePlan(input.text);
    // An invalid plan goes to main as it is, which names its problems.
    const { commands, digest } = parsed.ok ? planCommands(parsed.plan) : { commands: [], digest: '' };
    if (commands.length > 0 && !get().confirmedDigests.includes(digest)) {
      set({ pendingCommands: { mode, input, commands, digest } });
      return;
    }
    set((s) => ({
      starting: { ...s.starting, [mode]: true },
      startError: { ...s.startError, [mode]: null },
    }));
    const r = await api.invoke('release:start', {
      mode,
      ...input,
      ...(digest ? { confirmedCommands: digest } : {}),
    });
    if (!r.ok) {
      set((s) => ({
        starting: { ...s.starting, [mode]: false },
        startError: { ...s.startError, [mode]: r.error },
      }));
      return;
    }
    const id = r.value.id;
    set((s) => ({
      starting: { ...s.starting, [mode]: false },
      current: { ...s.current, [mode]: id },
      meta: { ...s.meta, [id]: { mode, context: input.context, planText: input.text } },
      control: { busy: false, error: null, outcome: null },
      // A new rehearsal runs on a fresh sandbox: earlier faults are gone.
      ...(mode === 'rehearse' ? { fault: { busy: false, error: null, message: null } } : {}),
    }));
  },

  async confirmCommands() {
    const pending = get().pendingCommands;
    if (!pending) return;
    set((s) => ({
      pendingCommands: null,
      confirmedDigests: [...s.confirmedDigests, pending.digest],
    }));
    await get().start(pending.mode, pending.input);
  },

  cancelCommands() {
    set({ pendingCommands: null });
  },

  async send(id, event, reason) {
    set({ control: { busy: true, error: null, outcome: null } });
    const r = await api.invoke('release:control', {
      id,
      event: reason ? { type: event, reason } : { type: event },
    });
    if (!r.ok) return set({ control: { busy: false, error: r.error, outcome: null } });
    set({ control: { busy: false, error: null, outcome: { event, ...r.value } } });
  },

  async injectFault(fault) {
    set({ fault: { busy: true, error: null, message: null } });
    const r = await api.invoke('sandbox:fault', fault);
    if (!r.ok) return set({ fault: { busy: false, error: r.error, message: null } });
    set({
      fault: {
        busy: false,
        error: null,
        message:
          fault.version === undefined
            ? `Fault applied to ${fault.service}, requests served variant ${fault.variant ?? ''}.`
            : `Fault applied to ${fault.service} ${fault.version}.`,
      },
    });
  },

  async resume(id, then, context, takeOver) {
    const r = await api.invoke('release:resume', { id, then, ...(takeOver ? { takeOver } : {}) });
    if (!r.ok) return r.error;
    set((s) => ({
      current: { ...s.current, run: id },
      meta: { ...s.meta, [id]: { mode: 'run', context, planText: '' } },
      control: { busy: false, error: null, outcome: null },
    }));
    return null;
  },

  async attachLive() {
    const r = await api.invoke('release:list', {});
    if (!r.ok) return [];
    const live = r.value.releases.filter(
      (item) => item.driver?.here && (item.status === 'running' || item.status === 'paused'),
    );
    const modes: Mode[] = [];
    // Newest first: the newest live release of each mode is the one its screen shows.
    for (const item of [...live].reverse()) {
      const mode = await get().attach(item);
      if (typeof mode === 'string') modes.push(mode);
    }
    return [...new Set(modes)];
  },

  async attach(item) {
    const r = await api.invoke('release:get', { id: item.id });
    if (!r.ok) return r.error;
    const { snapshot, health, planText } = r.value;
    const mode: Mode = item.rehearsal ? 'rehearse' : 'run';
    // Points that arrived while the answer was on its way are already in it; later ones are appended.
    const lastAtMs = health.reduce((m, p) => Math.max(m, p.atMs), -Infinity);
    const pending = pendingHealth.get(item.id);
    if (pending)
      pendingHealth.set(
        item.id,
        pending.filter((p) => p.atMs > lastAtMs),
      );
    set((s) => ({
      current: { ...s.current, [mode]: item.id },
      meta: { ...s.meta, [item.id]: { mode, context: item.context, planText: planText ?? '' } },
      snapshots: snapshot && !s.snapshots[item.id] ? { ...s.snapshots, [item.id]: snapshot } : s.snapshots,
      health: { ...s.health, [item.id]: appendHealth(undefined, health) },
      control: { busy: false, error: null, outcome: null },
    }));
    return mode;
  },
}));

const TONE: Record<EventPayload<'release:notice'>['kind'], Toast['tone']> = {
  promoted: 'ok',
  promotedWithFailures: 'warn',
  completed: 'ok',
  waiting: 'warn',
  aborted: 'error',
  rolledBack: 'error',
  failed: 'error',
  slept: 'warn',
};

// Rehearsals at 120× send many updates a second; apply them at most every FLUSH_MS so the window stays responsive.
const FLUSH_MS = 400;
const pendingSnapshots = new Map<string, ReleaseSnapshot>();
const pendingHealth = new Map<string, HealthPoint[]>();
let flushTimer: ReturnType<typeof setTimeout> | null = null;

function flush(): void {
  flushTimer = null;
  const snaps = [...pendingSnapshots.values()];
  const health = [...pendingHealth.entries()];
  pendingSnapshots.clear();
  pendingHealth.clear();
  useRelease.setState((s) => {
    const snapshots = { ...s.snapshots };
    for (const snap of snaps) snapshots[snap.id] = snap;
    const all = { ...s.health };
    for (const [id, points] of health) all[id] = appendHealth(all[id], points);
    return { snapshots, health: all };
  });
}

function schedule(): void {
  flushTimer ??= setTimeout(flush, FLUSH_MS);
}

api.on('release:update', (snapshot) => {
  pendingSnapshots.set(snapshot.id, snapshot);
  schedule();
});

api.on('release:health', ({ id, points }) => {
  pendingHealth.set(id, [...(pendingHealth.get(id) ?? []), ...points]);
  schedule();
});

api.on('release:notice', (notice) => {
  useRelease.setState((s) => ({
    notices: {
      ...s.notices,
      [notice.id]: [...(s.notices[notice.id] ?? []), { ...notice, receivedAtMs: Date.now() }].slice(-50),
    },
  }));
  useUi.getState().toast({ title: notice.title, body: notice.body, tone: TONE[notice.kind] });
  if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    new Notification(notice.title, { body: notice.body, tag: `${notice.id}:${notice.kind}` });
  }
});
