import type { Decision } from '../../../src-shared/release/release.schema.ts';
import { formatClock } from '../../lib/format.ts';

/** Each decision with its reason and evidence (the arithmetic and the query behind it). */
export function DecisionList({ decisions }: { decisions: readonly Decision[] }) {
  return (
    <section className="panel" aria-labelledby="decisions-heading">
      <h2 id="decisions-heading">Decisions</h2>
      {decisions.length === 0 ? (
        <p className="muted">No decisions yet.</p>
      ) : (
        <ol className="decisions" aria-label="Decisions">
          {[...decisions].reverse().map((d) => (
            <li
              key={d.seq}
              className={`decision decision-${d.cause === 'validation-warning' ? 'warning' : d.kind}`}
            >
              <div>
                <span className="badge">
                  {d.cause === 'validation-warning' ? 'passed with warnings' : d.kind}
                </span>{' '}
                <strong>{d.summary}</strong>{' '}
                <span className="muted small">
                  {formatClock(d.atMs)} · {d.by} · {d.cause}
                </span>
              </div>
              {d.evidence.length > 0 && (
                <ul className="evidence">
                  {d.evidence.map((e) => (
                    <li key={`${e.group}/${e.metric}`}>
                      {e.group}/{e.metric} {e.op} {e.threshold}: <strong>{e.result}</strong> ({e.arithmetic})
                      · <code className="query">{e.query}</code>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
