import { useLayoutEffect, useRef, useState } from 'react';
import { formatPercent } from '../../../src-shared/format/number.ts';
import type { TrafficView } from '../../../src-shared/release/release.schema.ts';
import type { CohortRoutingView, RolloutView } from '../../../src-shared/release/traffic-detail.schema.ts';
import { trafficRows } from '../../lib/release-view.ts';
import { labelFits, trackColourClass } from '../../lib/traffic-colours.ts';
import { CohortRules } from './CohortRules.tsx';
import { RolloutPods } from './RolloutPods.tsx';

export interface TrafficSplitProps {
  traffic: TrafficView;
  /** A flag ramp: exposure per variant instead of traffic per track. */
  flag?: boolean;
  /** A rolling release: its pods (shown instead of an empty split, which a rolling update has none of). */
  rollout?: RolloutView | undefined;
  /** An A/B test: its routing rules, beside the weighted split of the cohort. */
  cohorts?: CohortRoutingView | undefined;
  /** The release has ended (the A/B rules are then those it ran with). */
  ended?: boolean;
  /** A rehearsal: read times are on the sandbox's clock. */
  simulated?: boolean;
}

/**
 * Traffic per track as the router reports it, beside what the engine asked for; a difference is flagged. Until
 * the router is read, the bar shows the intended split, marked as such. Labels sit in the bar when they fit,
 * and every track is named in the legend under it, in its track's colour. For a flag ramp (`flag`): the
 * exposure per variant as the flag system reports it, beside what the ramp asked for.
 */
export function TrafficSplit({
  traffic,
  flag = false,
  rollout,
  cohorts,
  ended = false,
  simulated = false,
}: TrafficSplitProps) {
  const rows = trafficRows(traffic);
  const say = flag
    ? { heading: 'Exposure per variant', track: 'Variant', actual: 'Flag (read back)', holder: 'flag system' }
    : cohorts && !ended
      ? {
          heading: 'Traffic split of the cohort',
          track: 'Variant',
          actual: 'Router (actual)',
          holder: 'router',
        }
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
  // A rolling update moves pods, not weights: the router holds no split to show.
  if (rollout && rows.length === 0)
    return (
      <section className="panel" aria-labelledby="traffic-heading">
        <h2 id="traffic-heading">Rolling update</h2>
        <RolloutPods rollout={rollout} simulated={simulated} />
      </section>
    );
  return (
    <section className={`panel${cohorts ? ' traffic-wide' : ''}`} aria-labelledby="traffic-heading">
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
        {traffic.onResume === 'read' && <li className="muted">read back when the release was resumed</li>}
        {traffic.onResume === 'journaled' && (
          <li className="muted">
            as journaled: the {say.holder} could not be read when the release was resumed
          </li>
        )}
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
      {cohorts && <CohortRules cohorts={cohorts} ended={ended} />}
      {rollout && <RolloutPods rollout={rollout} simulated={simulated} />}
    </section>
  );
}
