import { useEffect, useRef } from 'react';
import { CONTROLS } from '../lib/controls.ts';
import { useUi } from '../store/ui.store.ts';

/** The keyboard shortcuts, opened with `?` or the Shortcuts button; Escape closes it. */
export function HelpDialog() {
  const { helpOpen, setHelp } = useUi();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.key === '?' && !(t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))
        setHelp(!useUi.getState().helpOpen);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setHelp]);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (helpOpen && !d.open) d.showModal();
    if (!helpOpen && d.open) d.close();
  }, [helpOpen]);
  return (
    <dialog ref={ref} aria-label="Keyboard shortcuts" onClose={() => setHelp(false)} className="dialog">
      <h2>Keyboard shortcuts</h2>
      <p className="muted">On the Rehearse and Run screens, while a release is shown:</p>
      <table>
        <tbody>
          {CONTROLS.map((c) => (
            <tr key={c.event}>
              <td>
                <kbd>{c.key.toUpperCase()}</kbd>
              </td>
              <td>
                {c.label}
                {c.confirm ? ' (asks to confirm)' : ''}
              </td>
            </tr>
          ))}
          <tr>
            <td>
              <kbd>?</kbd>
            </td>
            <td>Show or hide this list</td>
          </tr>
        </tbody>
      </table>
      <button type="button" onClick={() => setHelp(false)}>
        Close
      </button>
    </dialog>
  );
}
