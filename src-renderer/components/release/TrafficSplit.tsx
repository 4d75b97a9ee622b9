import type { TrafficView } from '../../../src-shared/release/release.schema.ts';
import { trafficRows } from '../../lib/release-view.ts';

/** Traffic per track as the router reports it, beside what the engine asked for; a difference is flagged. */
export function TrafficSplit({ traffic }: { traffic: TrafficView }) {
  const rows = trafficRows(traffic);
  return (
    <section className="panel" aria-labelledby="traffic-heading">
      <h2 id="traffic-heading">Traffic split</h2>
      {traffic.mismatch && (
        <div className="note note-error" role="alert">
          The router does not hold the split the engine asked for.
        </div>
      )}
      <div
        className="split-bar"
        role="img"
        aria-label={`Actual split: ${rows.map((r) => `${r.track} ${r.actual ?? 'unknown'} %`).join(', ')}`}
      >
        {rows.map(
          (r, i) =>
            // A track at 0 % draws nothing (its padding would otherwise show as a sliver).
            (r.actual ?? 0) > 0 && (
              <div key={r.track} className={`split-seg seg-${i % 4}`} style={{ width: `${r.actual ?? 0}%` }}>
                {(r.actual ?? 0) >= 8 ? `${r.track} ${r.actual} %` : ''}
              </div>
            ),
        )}
      </div>
      <table aria-label="Traffic per track">
        <thead>
          <tr>
            <th scope="col">Track</th>
            <th scope="col" className="num">
              Router (actual)
            </th>
            <th scope="col" className="num">
              Intended
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.track} className={r.differs ? 'mismatch' : ''}>
              <th scope="row">{r.track}</th>
              <td className="num">{r.actual === null ? 'not read yet' : `${r.actual} %`}</td>
              <td className="num">
                {r.intended} %{r.differs && <span className="error-text"> ≠</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">Read from {traffic.source ?? 'the router (not read yet)'}</p>
    </section>
  );
}
