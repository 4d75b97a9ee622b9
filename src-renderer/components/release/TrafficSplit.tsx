import { useLayoutEffect, useRef, useState } from 'react';
import { formatPercent } from '../../../src-shared/format/number.ts';
import type { TrafficView } from '../../../src-shared/release/release.schema.ts';
import { trafficRows } from '../../lib/release-view.ts';
import { labelFits, trackColourClass } from '../../lib/traffic-colours.ts';

/**
 * Traffic per track as the router reports it, beside what the engine asked for; a difference is flagged. Until
 * the router is read, the bar shows the intended split, marked as such. Labels sit in the bar when they fit,
 * and every track is named in the legend under it, in its track's colour. For a flag ramp (`flag`): the
 * exposure per variant as the flag system reports it, beside what the ramp asked for.
 */
export function TrafficSplit({ traffic, flag = false }: { traffic: TrafficView; flag?: boolean }) {
  const rows = trafficRows(traffic);
  const say = flag
    ? { heading: 'Exposure per variant', track: 'Variant', actual: 'Flag (read back)', holder: 'flag system' }
    : { heading: 'Traffic split', track: 'Track', actual: 'Router (actual)', holder: 'router' };
  const read = traffic.actual !== null;
  const shown = rows.map((r, i) => ({
    ...r,
    share: read ? (r.actual ?? 0) : r.intended,
    colour: trackColourClass(r.track, i),
  }));
  const bar = useRef<HTMLDivElement>(null);
  const [barPx, setBarPx] = useState(0);
  useLayoutEffect(() => {
    const el = bar.current;
    if (!el) return;
    setBarPx(el.clientWidth);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setBarPx(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const words = shown.map((r) => `${r.track} ${formatPercent(r.share)}`).join(', ');
  return (
    <section className="panel" aria-labelledby="traffic-heading">
      <h2 id="traffic-heading">{say.heading}</h2>
      {traffic.mismatch && (
        <div className="note note-error" role="alert">
          The {say.holder} does not hold the split the engine asked for.
        </div>
      )}
      <div
        ref={bar}
        className={`split-bar${read ? '' : ' split-intended'}`}
        role="img"
        aria-label={read ? `Actual split: ${words}` : `Intended split (${say.holder} not read yet): ${words}`}
      >
        {shown.map((r) => {
          const label = `${r.track} ${formatPercent(r.share)}`;
          // A track at 0 % draws nothing (its padding would otherwise show as a sliver).
          return (
            r.share > 0 && (
              <div key={r.track} className={`split-seg ${r.colour}`} style={{ width: `${r.share}%` }}>
                {labelFits(label.length, r.share, barPx) ? label : ''}
              </div>
            )
          );
        })}
      </div>
      <ul className="split-legend" aria-label="Traffic per track in the bar">
        {shown.map((r) => (
          <li key={r.track}>
            <span className={`split-swatch ${r.colour}`} aria-hidden="true" /> {r.track}{' '}
            {formatPercent(r.share)}
          </li>
        ))}
        {!read && <li className="muted">intended: the {say.holder} has not been read yet</li>}
      </ul>
      <table aria-label={flag ? 'Exposure per variant' : 'Traffic per track'}>
        <thead>
          <tr>
            <th scope="col">{say.track}</th>
            <th scope="col" className="num">
              {say.actual}
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
              <td className="num">{r.actual === null ? 'not read yet' : formatPercent(r.actual)}</td>
              <td className="num">
                {formatPercent(r.intended)}
                {r.differs && <span className="error-text"> ≠</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">Read from {traffic.source ?? `the ${say.holder} (not read yet)`}</p>
    </section>
  );
}
