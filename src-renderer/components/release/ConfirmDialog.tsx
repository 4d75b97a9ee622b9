import { useEffect, useRef, useState } from 'react';
import { canConfirm, type ControlSpec } from '../../lib/controls.ts';
import { returnFocus } from '../../lib/focus.ts';

export interface ConfirmDialogProps {
  control: ControlSpec | null;
  /** The context name to type (production), or null for a single confirming click. */
  typeName: string | null;
  /** What the control will do, when it is more than the control's usual sentence (a gate's instructions). */
  message?: string | undefined;
  onConfirm(reason: string): void;
  onCancel(): void;
}

/** One-step confirmation of a destructive control; on production the context name must be typed. */
export function ConfirmDialog({ control, typeName, message, onConfirm, onCancel }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const opener = useRef<Element | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (control && !d.open) {
      opener.current = document.activeElement;
      setTyped('');
      setReason('');
      d.showModal();
    }
    // Closed by a button, by Escape or by main: focus goes back to where it was when the dialog opened.
    if (!control && opener.current) {
      if (d.open) d.close();
      returnFocus(opener.current);
      opener.current = null;
    }
  }, [control]);
  const ok = canConfirm(typeName, typed);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-label={
        control?.event === 'CONFIRM'
          ? 'Confirm the migration gate'
          : control
            ? `Confirm ${control.label.toLowerCase()}`
            : 'Confirm'
      }
      onClose={onCancel}
    >
      {control && (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            if (ok) onConfirm(reason.trim());
          }}
        >
          <h2>
            {control.event === 'CONFIRM'
              ? 'Is the migration step done?'
              : (control.question ?? `${control.label} this release?`)}
          </h2>
          <p>
            {message ??
              control.consequence ??
              (control.event === 'ABORT'
                ? 'All traffic goes back to the stable version at once.'
                : 'The previous version takes all traffic again.')}
          </p>
          {typeName && (
            <label className="field">
              This is the production context. Type <strong>{typeName}</strong> to confirm
              <input
                autoFocus
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
                aria-label="Context name"
              />
            </label>
          )}
          <label className="field">
            Reason (for the audit log, optional)
            <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <div className="row">
            <button type="submit" className="danger" disabled={!ok} autoFocus={!typeName}>
              {control.label} now
            </button>
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
