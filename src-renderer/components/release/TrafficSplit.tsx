import type { TrafficView } from '../../../src-shared/release/release.schema.ts';
import { trafficRows } from '../../lib/release-view.ts';

/**
 * Traffic per track as the router reports it, beside what the engine asked for; a difference is flagged. For a
 * flag ramp (`flag`): the exposure per variant as the flag system reports it, beside what the ramp asked for.
 */
export function TrafficSplit({ traffic, flag = false }: { traffic: TrafficView; flag?: boolean }) {
  const rows = trafficRows(traffic);
  const words = flag
    ? { heading: 'Exposure per variant', track: 'Variant', actual: 'Flag (read back)', holder: 'flag system' }
    : { heading: 'Traffic split', track: 'Track', actual: 'Router (actual)', holder: 'router' };
  return (
    <section className="panel" aria-labelledby="traffic-heading">
      <h2 id="traffic-heading">{words.heading}</h2>
      {traffic.mismatch && (
        <div className="note note-error" role="alert">
          The {words.holder} does not hold the split the engine asked for.
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
      <table aria-label={flag ? 'Exposure per variant' : 'Traffic per track'}>
        <thead>
          <tr>
            <th scope="col">{words.track}</th>
            <th scope="col" className="num">
              {words.actual}
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
      <p className="muted small">Read from {traffic.source ?? `the ${words.holder} (not read yet)`}</p>
    </section>
  );
}
