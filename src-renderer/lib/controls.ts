import type { ContextSummary } from '../../src-shared/bridge/contract.ts';
import type { ControlEvent, ControlState, ReleaseControls } from '../../src-shared/release/release.schema.ts';
import { CONTROL_LABELS } from '../../src-shared/release/release-words.ts';

/** One operator control of the run screens, its key and whether it must be confirmed. */
export interface ControlSpec {
  event: ControlEvent;
  label: string;
  /** The key that sends it (without modifiers). */
  key: string;
  /** Destructive controls confirm in one step. */
  confirm: boolean;
  /** The confirmation's question and what happens, when the generic ones do not fit (a flag's kill switch). */
  question?: string;
  consequence?: string;
}

/** The controls in the order the control bar shows them. */
export const CONTROLS: readonly ControlSpec[] = [
  { event: 'PAUSE', label: CONTROL_LABELS.PAUSE, key: 'p', confirm: false },
  { event: 'RESUME', label: CONTROL_LABELS.RESUME, key: 'r', confirm: false },
  { event: 'PROMOTE', label: CONTROL_LABELS.PROMOTE, key: 'n', confirm: false },
  { event: 'PROMOTE_FULL', label: CONTROL_LABELS.PROMOTE_FULL, key: 'f', confirm: false },
  // A gate's confirmation may run a contract Job that drops what the old version used: confirm it too.
  { event: 'CONFIRM', label: CONTROL_LABELS.CONFIRM, key: 'c', confirm: true },
  { event: 'ABORT', label: CONTROL_LABELS.ABORT, key: 'a', confirm: true },
  { event: 'ROLLBACK', label: CONTROL_LABELS.ROLLBACK, key: 'b', confirm: true },
];

/** The label of a flag ramp's Abort: it sends everyone back to the off variant at once. */
export const KILL_SWITCH_LABEL = 'Kill switch';

/** The controls of a release of `strategy`: a flag ramp's Abort reads "Kill switch". */
export function controlsFor(strategy: string | undefined): readonly ControlSpec[] {
  if (strategy !== 'flag-rollout') return CONTROLS;
  return CONTROLS.map((c) =>
    c.event === 'ABORT'
      ? {
          ...c,
          label: KILL_SWITCH_LABEL,
          question: 'Pull the kill switch on this flag ramp?',
          consequence:
            'Everyone gets the off variant at once; the flag is read back from the flag system and the decision recorded.',
        }
      : c,
  );
}

/** What the controls say when no live run in this console drives the release (main sent no controls). */
export const NOT_DRIVEN = 'No run in this console drives this release.';

/**
 * The state of each control as main computed it, in the control bar's order. `shared` is the one reason
 * every control gives when all are disabled for the same reason (a finished release), so it is shown once.
 */
export function controlStates(
  controls: ReleaseControls | undefined,
  strategy?: string,
): {
  rows: { spec: ControlSpec; state: ControlState }[];
  shared: string | null;
} {
  const rows = controlsFor(strategy).map((spec) => ({
    spec,
    state: controls?.[spec.event] ?? { enabled: false, reason: NOT_DRIVEN },
  }));
  const reasons = new Set(rows.map((r) => (r.state.enabled ? null : (r.state.reason ?? ''))));
  const [only] = [...reasons];
  return { rows, shared: reasons.size === 1 && typeof only === 'string' ? only : null };
}

/** The control a key press asks for, or null (modifier keys and typing in a field never count). */
export function controlForKey(
  key: string,
  mods: { ctrl: boolean; meta: boolean; alt: boolean },
  typingInField: boolean,
): ControlSpec | null {
  if (typingInField || mods.ctrl || mods.meta || mods.alt) return null;
  return CONTROLS.find((c) => c.key === key.toLowerCase()) ?? null;
}

/**
 * What a destructive control asks before it is sent: on a production context the context name typed,
 * elsewhere one confirming click.
 */
export function confirmationFor(context: Pick<ContextSummary, 'name' | 'isProduction'> | null): {
  typeName: string | null;
} {
  return { typeName: context?.isProduction ? context.name : null };
}

/** Whether the confirmation may be sent: the typed text must equal the name when one is asked for. */
export function canConfirm(typeName: string | null, typed: string): boolean {
  return typeName === null || typed.trim() === typeName;
}
