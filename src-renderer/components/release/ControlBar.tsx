import { useEffect, useState } from 'react';
import type { ContextSummary } from '../../../src-shared/bridge/contract.ts';
import type { ReleaseRunStatus } from '../../../src-shared/release/release.schema.ts';
import { confirmationFor, controlForKey, CONTROLS, type ControlSpec } from '../../lib/controls.ts';
import { useRelease } from '../../store/release.store.ts';
import { useUi } from '../../store/ui.store.ts';
import { Busy } from '../Busy.tsx';
import { ErrorNote } from '../ErrorNote.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';

export interface ControlBarProps {
  id: string;
  status: ReleaseRunStatus;
  context: Pick<ContextSummary, 'name' | 'isProduction'> | null;
}

const FINISHED: ReadonlySet<ReleaseRunStatus> = new Set(['aborted', 'rolledBack', 'failed']);

/** Pause, resume, promote, promote to full, abort and roll back, by button or key; main decides what is allowed. */
export function ControlBar({ id, status, context }: ControlBarProps) {
  const { send, control } = useRelease();
  const setHelp = useUi((s) => s.setHelp);
  const [confirming, setConfirming] = useState<ControlSpec | null>(null);
  const live = !FINISHED.has(status);

  const trigger = (c: ControlSpec) => {
    if (!live) return;
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
      if (!live) return;
      if (c.confirm) setConfirming(c);
      else void send(id, c.event);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [id, live, send]);

  const { typeName } = confirmationFor(context);
  return (
    <section className="panel controls" aria-label="Release controls">
      <div className="row wrap">
        {CONTROLS.map((c) => (
          <button
            key={c.event}
            type="button"
            className={c.confirm ? 'danger' : ''}
            onClick={() => trigger(c)}
            disabled={!live || control.busy}
            aria-keyshortcuts={c.key.toUpperCase()}
            title={`${c.label} (${c.key.toUpperCase()})`}
          >
            {c.label} <kbd aria-hidden="true">{c.key.toUpperCase()}</kbd>
          </button>
        ))}
        <button type="button" className="link" onClick={() => setHelp(true)}>
          Shortcuts <kbd aria-hidden="true">?</kbd>
        </button>
      </div>
      {control.busy && <Busy label="Sending…" />}
      {control.error && <ErrorNote error={control.error} />}
      {control.outcome && (
        <p className={control.outcome.accepted ? 'ok-text' : 'warn-text'} role="status">
          {control.outcome.accepted ? '' : 'Not done: '}
          {control.outcome.message}
        </p>
      )}
      <ConfirmDialog
        control={confirming}
        typeName={typeName}
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
