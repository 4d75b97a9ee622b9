import { useEffect, useState } from 'react';
import type { ContextSummary } from '../../../src-shared/bridge/contract.ts';
import type {
  PauseInfo,
  ReleaseControls,
  ReleaseRunStatus,
} from '../../../src-shared/release/release.schema.ts';
import { confirmationFor, controlForKey, controlStates, type ControlSpec } from '../../lib/controls.ts';
import { useRelease } from '../../store/release.store.ts';
import { useUi } from '../../store/ui.store.ts';
import { Busy } from '../Busy.tsx';
import { ErrorNote } from '../ErrorNote.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';

export interface ControlBarProps {
  id: string;
  status: ReleaseRunStatus;
  context: Pick<ContextSummary, 'name' | 'isProduction'> | null;
  /** What each control does now, as main computed it; absent when no live run drives the release. */
  controls?: ReleaseControls | undefined;
  /** Why the release is paused; a migration gate's instructions are shown above the controls. */
  pause?: PauseInfo | null;
  /** The release's strategy; a flag ramp's Abort reads "Kill switch". */
  strategy?: string;
}

/**
 * Pause, resume, promote, promote to full, confirm a gate, abort and roll back, by button or key. Main decides
 * what applies now: a control that does not is disabled with main's reason beside it.
 */
export function ControlBar({ id, status, context, controls, pause, strategy }: ControlBarProps) {
  const { send, control } = useRelease();
  const setHelp = useUi((s) => s.setHelp);
  const [confirming, setConfirming] = useState<ControlSpec | null>(null);
  // A refusal speaks of the state it was made in: it is shown only while the release is still there.
  const [refusal, setRefusal] = useState<{ text: string; at: string } | null>(null);
  const at = `${status}|${pause?.message ?? ''}`;
  const refused = refusal?.at === at ? refusal.text : null;
  const setRefused = (text: string | null) => setRefusal(text === null ? null : { text, at });
  const { rows, shared } = controlStates(controls, strategy);
  const gate = status === 'paused' && pause?.cause === 'gate' ? pause.message : null;

  const trigger = (c: ControlSpec) => {
    const state = rows.find((r) => r.spec.event === c.event)?.state;
    if (!state?.enabled) return setRefused(state?.reason ?? null);
    setRefused(null);
    if (c.confirm) setConfirming(c);
    else void send(id, c.event);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || document.querySelector('dialog[open]')) return;
      const t = e.target as HTMLElement | null;
      const typing = !!t && (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable);
      const c = controlForKey(e.key, { ctrl: e.ctrlKey, meta: e.metaKey, alt: e.altKey }, typing);
      if (!c) return;
      e.preventDefault();
      trigger(c);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const { typeName } = confirmationFor(context);
  const sharedId = `control-reason-${id}`;
  return (
    <section className="panel controls" aria-label="Release controls" tabIndex={-1} data-focus-return>
      {gate && (
        <div className="note note-gate" role="note" aria-label="Migration gate">
          <p>{gate}</p>
          <p className="muted">
            Press <strong>Confirm</strong> (<kbd>C</kbd>) when it is done, or abort the release.
          </p>
        </div>
      )}
      <ul className={`control-list${shared !== null ? ' control-list-shared' : ''}`}>
        {rows.map(({ spec: c, state }) => {
          const reasonId = `control-reason-${id}-${c.event}`;
          const reason = state.enabled ? null : shared !== null ? null : (state.reason ?? null);
          return (
            <li key={c.event} className="control-row" data-control={c.event}>
              <button
                type="button"
                className={c.confirm ? 'danger' : ''}
                onClick={() => trigger(c)}
                disabled={!state.enabled || control.busy}
                aria-keyshortcuts={c.key.toUpperCase()}
                aria-describedby={reason ? reasonId : shared !== null ? sharedId : undefined}
                title={`${c.label} (${c.key.toUpperCase()})`}
              >
                {c.label} <kbd aria-hidden="true">{c.key.toUpperCase()}</kbd>
              </button>
              {reason && (
                <span id={reasonId} className="control-reason muted">
                  {reason}
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {shared !== null && (
        <p id={sharedId} className="control-reason muted">
          {shared}
        </p>
      )}
      <button type="button" className="link" onClick={() => setHelp(true)}>
        Shortcuts <kbd aria-hidden="true">?</kbd>
      </button>
      {control.busy && <Busy label="Sending…" />}
      {control.error && <ErrorNote error={control.error} />}
      {refused && (
        <p className="warn-text" role="status">
          Not done: {refused}
        </p>
      )}
      {!refused && control.outcome && (
        <p className={control.outcome.accepted ? 'ok-text' : 'warn-text'} role="status">
          {control.outcome.accepted ? '' : 'Not done: '}
          {control.outcome.message}
        </p>
      )}
      <ConfirmDialog
        control={confirming}
        typeName={typeName}
        message={confirming?.event === 'CONFIRM' ? (gate ?? undefined) : undefined}
        onCancel={() => setConfirming(null)}
        onConfirm={(reason) => {
          const c = confirming;
          setConfirming(null);
          if (c) void send(id, c.event, reason || undefined);
        }}
      />
    </section>
  );
}
