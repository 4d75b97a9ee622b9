import { useState } from 'react';
import type { ReleaseListItem } from '../../../src-shared/bridge/contract.ts';
import type { BridgeError } from '../../../src-shared/bridge/errors.ts';
import { useRelease } from '../../store/release.store.ts';
import { useUi } from '../../store/ui.store.ts';
import { ErrorNote } from '../ErrorNote.tsx';

type Driven = ReleaseListItem & { driver: NonNullable<ReleaseListItem['driver']> };

/**
 * An unfinished release a live process drives: this console's opens its live view; another console's or
 * `switchyard run`'s can be aborted through the local control channel.
 */
export function LiveDriverNote({ item }: { item: Driven }) {
  const attach = useRelease((s) => s.attach);
  const send = useRelease((s) => s.send);
  const control = useRelease((s) => s.control);
  const go = useUi((s) => s.go);
  const [error, setError] = useState<BridgeError | null>(null);
  const [asked, setAsked] = useState(false);
  const open = async () => {
    const mode = await attach(item);
    if (typeof mode === 'string') go(mode === 'run' ? 'Run' : 'Rehearse');
    else setError(mode);
  };
  return (
    <section className="panel" aria-labelledby="live-driver-heading">
      <h2 id="live-driver-heading">Live release</h2>
      {item.driver.here ? (
        <>
          <p>This release is {item.status}, driven by this console. Its controls are on its live view.</p>
          <div className="row">
            <button type="button" className="primary" onClick={() => void open()}>
              Open live view
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            This release is {item.status}, driven by {item.driver.description}. Control it there, or abort it
            from here (switchyard abort {item.id} does the same).
          </p>
          <div className="row">
            <button
              type="button"
              className="danger"
              disabled={control.busy}
              onClick={() => {
                setAsked(true);
                void send(item.id, 'ABORT', 'Aborted from another console.');
              }}
            >
              Abort release
            </button>
          </div>
          {asked && control.outcome && (
            <p className={control.outcome.accepted ? 'ok-text' : 'warn-text'} role="status">
              {control.outcome.accepted ? '' : 'Not done: '}
              {control.outcome.message}
            </p>
          )}
          {asked && control.error && <ErrorNote error={control.error} />}
        </>
      )}
      {error && <ErrorNote error={error} />}
    </section>
  );
}
