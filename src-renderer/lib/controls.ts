import type { ContextSummary } from '../../src-shared/bridge/contract.ts';
import type { OperatorEventType } from '../../src-shared/release/release.schema.ts';

/** One operator control of the run screens, its key and whether it must be confirmed. */
export interface ControlSpec {
  event: OperatorEventType;
  label: string;
  /** The key that sends it (without modifiers). */
  key: string;
  /** Destructive controls confirm in one step. */
  confirm: boolean;
}

/** The controls in the order the control bar shows them. */
export const CONTROLS: readonly ControlSpec[] = [
  { event: 'PAUSE', label: 'Pause', key: 'p', confirm: false },
  { event: 'RESUME', label: 'Resume', key: 'r', confirm: false },
  { event: 'PROMOTE', label: 'Promote', key: 'n', confirm: false },
  { event: 'PROMOTE_FULL', label: 'Promote to full', key: 'f', confirm: false },
  { event: 'ABORT', label: 'Abort', key: 'a', confirm: true },
  { event: 'ROLLBACK', label: 'Roll back', key: 'b', confirm: true },
];

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
