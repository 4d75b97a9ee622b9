import { useState } from 'react';
import type { AnalysisRow } from '../../lib/release-view.ts';
import { formatClock, formatValue, unitOfMetric } from '../../lib/format.ts';

const LATEST = 100;

/** Every sample the release holds: value, condition, verdict and the query that produced it. */
export function AnalysisTable({
  rows,
  simulated = false,
}: {
  rows: readonly AnalysisRow[];
  /** Times are on a sandbox's compressed clock (a rehearsal): labelled `sim`. */
  simulated?: boolean;
}) {
  const [all, setAll] = useState(false);
  // Long rehearsals hold thousands of samples; draw the latest ones unless asked for all.
  const shown = all ? [...rows].reverse() : rows.slice(-LATEST).reverse();
  return (
    <section className="panel" aria-labelledby="analysis-heading">
      <h2 id="analysis-heading">Analysis samples</h2>
      {rows.length === 0 ? (
        <p className="muted">No samples yet.</p>
      ) : (
        <div className="scroll">
          <table aria-label="Analysis samples" className="dense">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Step</th>
                <th scope="col">Metric</th>
                <th scope="col">Version</th>
                <th scope="col" className="num">
                  Value
                </th>
                <th scope="col">Condition</th>
                <th scope="col">Verdict</th>
                <th scope="col">Query</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.key} className={`verdict-${r.outcome}`}>
                  <td>{formatClock(r.atMs, simulated)}</td>
                  <td>{r.stepIndex === null ? '—' : r.stepIndex + 1}</td>
                  <td>
                    {r.group}/{r.metric}
                  </td>
                  <td>{r.version}</td>
                  <td className="num">{formatValue(r.value, unitOfMetric(r.metric))}</td>
                  <td>{r.condition ?? '—'}</td>
                  <td>
                    <span className={`verdict verdict-${r.outcome}`}>{r.outcome}</span>
                    {r.note && <div className="muted small">{r.note}</div>}
                  </td>
                  <td>
                    <code className="query">{r.query}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length > LATEST && (
            <button type="button" className="link" onClick={() => setAll(!all)}>
              {all ? `Show the latest ${LATEST}` : `Show all ${rows.length} samples`}
            </button>
          )}
        </div>
      )}
    </section>
  );
}
