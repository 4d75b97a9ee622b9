import type { ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import { elapsedMs, formatDuration, remainingMs } from '../../lib/format.ts';
import { stepRows } from '../../lib/release-view.ts';
import { useNow } from '../use-now.ts';

/** The plan's steps with the current one, elapsed and remaining time, and what comes next. */
export function StepList({ snapshot }: { snapshot: ReleaseSnapshot }) {
  const live = snapshot.status === 'running' || snapshot.status === 'paused';
  // Re-renders every second while the release is live (for elapsed and remaining time).
  const now = useNow(live);
  // The release clock may run faster than the wall clock (rehearsals); updatedAtMs is its latest reading.
  const clockNow = live ? Math.max(now, snapshot.updatedAtMs ?? 0) : (snapshot.finishedAtMs ?? now);
  const elapsed = elapsedMs(snapshot.startedAtMs, snapshot.finishedAtMs, clockNow);
  const remaining = remainingMs(snapshot.waitUntilMs, snapshot.updatedAtMs ?? clockNow);
  const { rows, next } = stepRows(snapshot);
  return (
    <section className="panel" aria-labelledby="steps-heading">
      <h2 id="steps-heading">Steps</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status status-${snapshot.status}`}>{snapshot.status}</span>
        </dd>
        <dt>Elapsed</dt>
        <dd>{elapsed === null ? 'not started' : formatDuration(elapsed)}</dd>
        <dt>Remaining in this wait</dt>
        <dd>{remaining === null ? '—' : formatDuration(remaining)}</dd>
        <dt>Next</dt>
        <dd>{next}</dd>
      </dl>
      {snapshot.pause && (
        <div className="note note-warn" role="status">
          Paused: {snapshot.pause.message}
        </div>
      )}
      <ol className="step-list" aria-label="Release steps">
        {rows.map((s) => (
          <li key={s.index} className={s.className} aria-current={s.current ? 'step' : undefined}>
            <span className="step-state">{s.state}</span> {s.label}
          </li>
        ))}
      </ol>
    </section>
  );
}
