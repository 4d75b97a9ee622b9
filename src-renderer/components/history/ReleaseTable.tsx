import { useMemo } from 'react';
import { formatDateTime } from '../../../src-shared/format/time.ts';
import { distinct, filterReleases, shownStatus } from '../../lib/history-filter.ts';
import { useHistory } from '../../store/history.store.ts';

/** The journal's releases with filters; each row opens its release. */
export function ReleaseTable() {
  const { releases, filter, setFilter, open, selected } = useHistory();
  const shown = useMemo(() => filterReleases(releases, filter), [releases, filter]);
  return (
    <section className="panel" aria-labelledby="releases-heading">
      <h2 id="releases-heading">Releases</h2>
      <div className="row wrap" role="group" aria-label="Filters">
        <label className="field">
          Status
          <select
            aria-label="Status"
            value={filter.status}
            onChange={(e) => setFilter({ status: e.target.value })}
          >
            <option value="">any</option>
            {distinct(releases, 'status').map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="field">
          Strategy
          <select
            aria-label="Strategy"
            value={filter.strategy}
            onChange={(e) => setFilter({ strategy: e.target.value })}
          >
            <option value="">any</option>
            {distinct(releases, 'strategy').map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="field">
          Search
          <input
            type="search"
            value={filter.text}
            onChange={(e) => setFilter({ text: e.target.value })}
            placeholder="plan, id, context"
          />
        </label>
      </div>
      {shown.length === 0 ? (
        <p className="muted">
          {releases.length === 0 ? 'No releases in the journal yet.' : 'No release matches the filters.'}
        </p>
      ) : (
        <table aria-label="Releases">
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Strategy</th>
              <th scope="col">Status</th>
              <th scope="col">Where</th>
              <th scope="col">Started</th>
              <th scope="col">
                <span className="sr-only">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id} className={r.id === selected ? 'chosen' : ''}>
                <th scope="row">{r.planName}</th>
                <td>{r.strategy}</td>
                <td>
                  <span className={`status status-${shownStatus(r)}`}>{shownStatus(r)}</span>
                  {r.driver && (
                    <>
                      {' '}
                      <span className="badge" title={`Driven by ${r.driver.description}`}>
                        {r.driver.here
                          ? 'live here'
                          : r.driver.kind === 'run'
                            ? 'live in switchyard run'
                            : 'live in another console'}
                      </span>
                    </>
                  )}
                  {r.problem && <div className="error-text small">{r.problem}</div>}
                </td>
                <td>
                  {r.rehearsal ? <span className="badge badge-sandbox">rehearsal</span> : r.context} ·{' '}
                  {r.namespace}
                </td>
                <td>{formatDateTime(r.startedAtMs, { simulated: r.rehearsal })}</td>
                <td>
                  <button
                    type="button"
                    onClick={() => void open(r.id)}
                    disabled={r.status === 'unreadable'}
                    aria-label={`Open ${r.planName} ${r.id}`}
                  >
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
