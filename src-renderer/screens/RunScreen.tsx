import { Busy } from '../components/Busy.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { NoPlanNote } from '../components/NoPlanNote.tsx';
import { CommandsDialog } from '../components/release/CommandsDialog.tsx';
import { CurrentRelease } from '../components/release/CurrentRelease.tsx';
import { SleepNotices } from '../components/release/SleepNotices.tsx';
import { useConnections } from '../store/connections.store.ts';
import { usePlan } from '../store/plan.store.ts';
import { askNotificationPermission, useRelease } from '../store/release.store.ts';

/** Starts the current plan on the selected context and shows the live release. */
export function RunScreen() {
  const text = usePlan((s) => s.text);
  const context = useConnections((s) => s.contexts.find((c) => c.name === s.selectedContext) ?? null);
  const { start, starting, startError } = useRelease();
  const noPlan = text.trim() === '';
  return (
    <div className="screen">
      <section className={`panel ${context?.isProduction ? 'panel-prod' : ''}`} aria-labelledby="run-heading">
        <h2 id="run-heading">Release</h2>
        {context?.isProduction && (
          <p className="note note-error">
            <strong>{context.name}</strong> is a production context.
          </p>
        )}
        {noPlan && <NoPlanNote />}
        {!context && <p className="muted">Pick a context on the Connections screen.</p>}
        <button
          type="button"
          className="primary"
          disabled={noPlan || !context || starting.run}
          onClick={() => {
            askNotificationPermission();
            if (context) void start('run', { context: context.name, text, speed: 1, stepThrough: false });
          }}
        >
          Start release{context ? ` on ${context.name}` : ''}
        </button>
        {starting.run && <Busy label="Connecting and starting the release…" />}
        {startError.run && <ErrorNote error={startError.run} />}
        {startError.run?.canTakeOver && context && (
          <button
            type="button"
            disabled={starting.run}
            onClick={() =>
              void start('run', { context: context.name, text, speed: 1, stepThrough: false, takeOver: true })
            }
          >
            Take over and start the release
          </button>
        )}
      </section>
      <SleepNotices mode="run" />
      <CurrentRelease mode="run" />
      <CommandsDialog mode="run" />
    </div>
  );
}
