import {
  decisionTitle,
  decisionVerdict,
  evidenceWords,
  VERDICT_WORDS,
} from '../../../src-shared/release/decision-verdict.ts';
import type { Decision } from '../../../src-shared/release/release.schema.ts';
import { formatClock } from '../../lib/format.ts';

/**
 * Each decision with its verdict (passed, passed with failures, failed, inconclusive: each its own colour and
 * word), its reason and evidence (the samples' trend, the condition, the arithmetic and the query behind it).
 */
export function DecisionList({
  decisions,
  simulated = false,
}: {
  decisions: readonly Decision[];
  /** Times are on a sandbox's compressed clock (a rehearsal): labelled `sim`. */
  simulated?: boolean;
}) {
  return (
    <section className="panel" aria-labelledby="decisions-heading">
      <h2 id="decisions-heading">Decisions</h2>
      {decisions.length === 0 ? (
        <p className="muted">No decisions yet.</p>
      ) : (
        <ol className="decisions" aria-label="Decisions">
          {[...decisions].reverse().map((d) => {
            const verdict = decisionVerdict(d);
            return (
              <li key={d.seq} className={`decision decision-${d.kind} decision-verdict-${verdict}`}>
                <div>
                  <span className="badge" title={verdict === 'info' ? undefined : VERDICT_WORDS[verdict]}>
                    {decisionTitle(d)}
                  </span>{' '}
                  <strong>{d.summary}</strong>{' '}
                  <span className="muted small">
                    {formatClock(d.atMs, simulated)} · {d.by} · {d.cause}
                  </span>
                </div>
                {d.evidence.length > 0 && (
                  <ul className="evidence">
                    {d.evidence.map((e) => (
                      <li key={`${e.group}/${e.metric}`}>
                        {e.group}/{evidenceWords(e)}: <strong>{e.result}</strong> ·{' '}
                        <code className="query">{e.query}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
