import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { NoPlanNote } from '../components/NoPlanNote.tsx';
import { Busy } from '../components/Busy.tsx';
import { CommandsDialog } from '../components/release/CommandsDialog.tsx';
import { CurrentRelease } from '../components/release/CurrentRelease.tsx';
import { FaultPanel } from '../components/release/FaultPanel.tsx';
import { SleepNotices } from '../components/release/SleepNotices.tsx';
import { useConnections } from '../store/connections.store.ts';
import { usePlan } from '../store/plan.store.ts';
import { askNotificationPermission, useRelease } from '../store/release.store.ts';

/** Runs the current plan on the built-in sandbox at a chosen speed, with faults and step-through. */
export function RehearseScreen() {
  const text = usePlan((s) => s.text);
  const sandbox = useConnections((s) => s.contexts.find((c) => c.isSandbox) ?? null);
  const selected = useConnections((s) => s.selectedContext);
  const { start, starting, startError } = useRelease();
  // Faults go to the rehearsal on screen: its plan survives a page reload (the editor's text does not).
  const rehearsed = useRelease((s) => (s.current.rehearse ? s.meta[s.current.rehearse]?.planText : '') ?? '');
  const [speed, setSpeed] = useState(60);
  const [stepThrough, setStepThrough] = useState(false);
  const noPlan = text.trim() === '';
  return (
    <div className="screen">
      <div className="columns">
        <section className="panel grow" aria-labelledby="rehearse-heading">
          <h2 id="rehearse-heading">Rehearsal on the sandbox</h2>
          {noPlan && <NoPlanNote />}
          <form
            className="row wrap"
            onSubmit={(e) => {
              e.preventDefault();
              askNotificationPermission();
              void start('rehearse', {
                context: sandbox?.name ?? selected ?? 'sandbox',
                text,
                speed,
                stepThrough,
              });
            }}
          >
            <label className="field">
              Speed: {speed}×
              <input
                type="range"
                min={1}
                max={120}
                value={speed}
                onChange={(e) => setSpeed(Number(e.target.value))}
                aria-label="Speed"
                aria-valuetext={`${speed} times real time`}
              />
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={stepThrough}
                onChange={(e) => setStepThrough(e.target.checked)}
              />{' '}
              Step through (pause before each step)
            </label>
            <button type="submit" className="primary" disabled={noPlan || starting.rehearse}>
              Start rehearsal
            </button>
          </form>
          {starting.rehearse && <Busy label="Starting the sandbox and the rehearsal…" />}
          {startError.rehearse && <ErrorNote error={startError.rehearse} />}
        </section>
        <FaultPanel planText={rehearsed || text} />
      </div>
      <SleepNotices mode="rehearse" />
      <CurrentRelease mode="rehearse" />
      <CommandsDialog mode="rehearse" />
    </div>
  );
}
