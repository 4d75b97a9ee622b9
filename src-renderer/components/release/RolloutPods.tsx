import type { RolloutView } from '../../../src-shared/release/traffic-detail.schema.ts';
import { formatTime } from '../../../src-shared/format/time.ts';
import { rolloutProgress } from '../../lib/rollout-view.ts';

/**
 * A rolling release as pods: updated / ready / total of the new version with a progress bar (updated pods in
 * the version's colour over the ready ones), and the surge and unavailable pods in flight against what the
 * plan allows. Before the workload is read the bar shows the intended end state, hatched and marked.
 */
export function RolloutPods({ rollout, simulated }: { rollout: RolloutView; simulated: boolean }) {
  const p = rolloutProgress(rollout);
  return (
    <div className="rollout-pods">
      <p className="rollout-heading">
        {p.heading}
        {p.done && <span className="muted"> · done</span>}
      </p>
      <div
        className={`split-bar rollout-bar${p.read ? '' : ' split-intended'}`}
        role="progressbar"
        aria-label="Pods updated"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(p.updatedPercent)}
        aria-valuetext={p.words}
        title={p.words}
      >
        <div className="rollout-ready" style={{ width: `${p.readyPercent}%` }} />
        <div className={`rollout-updated split-seg ${p.colour}`} style={{ width: `${p.updatedPercent}%` }} />
      </div>
      <ul className="split-legend" aria-label="Bar legend">
        <li>
          <span className={`split-swatch ${p.colour}`} aria-hidden="true" /> updated
        </li>
        <li>
          <span className="split-swatch rollout-ready-swatch" aria-hidden="true" /> ready, any version
        </li>
      </ul>
      <p className="rollout-counts" aria-label="Pod counts">
        {p.counts}
        {!p.read && <span className="muted"> (intended: the workload has not been read yet)</span>}
        {p.stale && <span className="muted"> ({p.stale})</span>}
      </p>
      <p className="muted small">{p.inFlight}</p>
      <p className="muted small">
        {rollout.source
          ? `Read from ${rollout.source}${rollout.readAtMs !== null ? ` at ${formatTime(rollout.readAtMs, { simulated })}` : ''}`
          : 'Read from the workload (not read yet)'}
        . Traffic goes to every ready pod, old and new.
      </p>
    </div>
  );
}
