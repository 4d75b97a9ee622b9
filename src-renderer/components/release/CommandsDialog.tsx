import { useEffect, useRef } from 'react';
import type { PlanCommand } from '../../../src-shared/plan/plan-commands.ts';
import { returnFocus } from '../../lib/focus.ts';
import { useRelease, type Mode } from '../../store/release.store.ts';

function placeOf(c: PlanCommand): string {
  return c.runsOn === 'laptop'
    ? 'Runs on this computer, as you'
    : `Runs in the cluster as a Job (image ${c.image}, namespace ${c.namespace})`;
}

/**
 * Asks before a start whose plan runs commands: each argv exactly as it will run (no shell), where it runs,
 * then "Run these commands" or "Cancel". Shown for the screen's own `mode` only.
 */
export function CommandsDialog({ mode }: { mode: Mode }) {
  const pending = useRelease((s) => (s.pendingCommands?.mode === mode ? s.pendingCommands : null));
  const confirm = useRelease((s) => s.confirmCommands);
  const cancel = useRelease((s) => s.cancelCommands);
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const opener = useRef<Element | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (pending && !d.open) {
      opener.current = document.activeElement;
      d.showModal();
      // Enter on the focused button must never run commands by accident: start on Cancel.
      cancelRef.current?.focus();
    }
    // Closed by a button, by Escape or by main: focus goes back to where it was when the dialog opened.
    if (!pending && opener.current) {
      if (d.open) d.close();
      returnFocus(opener.current);
      opener.current = null;
    }
  }, [pending]);
  const n = pending?.commands.length ?? 0;
  return (
    <dialog
      ref={ref}
      className="dialog"
      style={{ maxWidth: '46rem' }}
      aria-labelledby={`commands-heading-${mode}`}
      aria-describedby={`commands-intro-${mode}`}
      onClose={() => {
        if (useRelease.getState().pendingCommands?.mode === mode) cancel();
      }}
    >
      {pending && (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            void confirm();
          }}
        >
          <h2 id={`commands-heading-${mode}`}>This plan runs {n === 1 ? 'a command' : `${n} commands`}</h2>
          <p id={`commands-intro-${mode}`}>
            Starting the release runs {n === 1 ? 'it' : 'them'} exactly as written below: each word is passed
            to the program as it is, with no shell in between. Nothing starts until you confirm.
          </p>
          <ol className="commands" aria-label="Commands the plan runs">
            {pending.commands.map((c, i) => (
              <li key={i}>
                <div>
                  <strong>{c.where}</strong> <span className="muted small">{placeOf(c)}</span>
                </div>
                <code
                  style={{ display: 'block', whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
                  aria-label={`Command ${i + 1} words`}
                >
                  {JSON.stringify(c.argv)}
                </code>
              </li>
            ))}
          </ol>
          <p className="muted small">Confirmation digest {pending.digest.slice(0, 19)}…</p>
          <div className="row">
            <button type="submit" className="primary">
              Run these commands
            </button>
            <button type="button" onClick={cancel} ref={cancelRef}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
