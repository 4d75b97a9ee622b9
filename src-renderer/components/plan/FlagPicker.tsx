import { useMemo, useState } from 'react';
import type { FlagSummaryView } from '../../../src-shared/bridge/contract.ts';
import type { BridgeError } from '../../../src-shared/bridge/errors.ts';
import { api } from '../../bridge/api.ts';
import { parseFieldPath, readRamp, setPlanField, type RampAt } from '../../lib/plan-fields.ts';
import { useConnections } from '../../store/connections.store.ts';
import { usePlan } from '../../store/plan.store.ts';
import { Busy } from '../Busy.tsx';
import { ErrorNote } from '../ErrorNote.tsx';

/**
 * A flag ramp's flag picker: lists the flags the plan's flag system holds on the selected context (with their
 * variants) and puts the one picked into the ramp's flag (`strategy.flag`, or `flagRamp.flag` after a strategy
 * that deploys code). Shown only when the plan has a flag ramp there.
 */
export function FlagPicker({ at = 'strategy' }: { at?: RampAt }) {
  const { text, setText } = usePlan();
  const context = useConnections((s) => s.selectedContext);
  const fields = useMemo(() => readRamp(text, at), [text, at]);
  const [flags, setFlags] = useState<FlagSummaryView[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BridgeError | null>(null);
  if (!fields) return null;
  const heading = `flag-picker-heading-${at}`;
  const list = async (on: string) => {
    setBusy(true);
    setError(null);
    const r = await api.invoke('flags:list', { context: on, text });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setFlags(r.value.flags);
  };
  return (
    <section className="panel" aria-labelledby={heading}>
      <h2 id={heading}>{at === 'strategy' ? 'Flag' : 'Flag of the ramp'}</h2>
      <button type="button" onClick={() => context && void list(context)} disabled={!context || busy}>
        List flags{context ? ` on ${context}` : ''}
      </button>
      {!context && <p className="muted">Pick a context on the Connections screen first.</p>}
      {busy && <Busy label="Asking the flag system for its flags…" />}
      {error && <ErrorNote error={error} />}
      {flags?.length === 0 && <p className="muted">The flag system holds no flags.</p>}
      {flags && flags.length > 0 && (
        <ul className="plain" aria-label="Flags of the flag system">
          {flags.map((f) => (
            <li key={f.key}>
              <label>
                <input
                  type="radio"
                  name={`flag-picker-${at}`}
                  checked={fields.flag === f.key}
                  onChange={() => setText(setPlanField(text, parseFieldPath(`${at}.flag`), f.key))}
                />{' '}
                {f.key}{' '}
                <span className="muted">
                  ({f.variants.join(', ')}
                  {f.enabled ? '' : '; disabled'})
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
