import { useEffect, useState } from 'react';
import { formatDateTime } from '../../../src-shared/format/time.ts';
import { usePlan } from '../../store/plan.store.ts';
import { ErrorNote } from '../ErrorNote.tsx';

/** Save the plan under a name, or open a saved one. */
export function PlanFiles() {
  const { text, saved, fileStatus, listSaved, save, open } = usePlan();
  const [name, setName] = useState('');
  const [pick, setPick] = useState('');
  useEffect(() => {
    void listSaved();
  }, [listSaved]);
  return (
    <section className="panel" aria-labelledby="files-heading">
      <h2 id="files-heading">Plan files</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save(name.trim());
        }}
      >
        <label className="field">
          Save as
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="workflow-engine-canary"
          />
        </label>
        <button type="submit" disabled={name.trim() === '' || text.trim() === '' || fileStatus.busy}>
          Save plan
        </button>
      </form>
      <div className="row">
        <label className="field">
          Saved plans
          <select aria-label="Saved plans" value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">{saved.length === 0 ? 'none yet' : 'choose…'}</option>
            {saved.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} (saved {formatDateTime(p.savedAtMs)})
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void open(pick)} disabled={pick === '' || fileStatus.busy}>
          Open plan
        </button>
      </div>
      {fileStatus.message && (
        <p className="ok-text" role="status">
          {fileStatus.message}
        </p>
      )}
      {fileStatus.error && <ErrorNote error={fileStatus.error} />}
    </section>
  );
}
