import { useEffect, useMemo, useRef } from 'react';
import { readRamp } from '../../lib/plan-fields.ts';
import { usePlan } from '../../store/plan.store.ts';

/** Strategies ranked side by side; choosing one loads its pre-filled plan into the editor. */
export function StrategyTable() {
  const { recommendations, chosen, choose, recommended } = usePlan();
  const heading = useRef<HTMLHeadingElement>(null);
  // Focus moves to the results only for an answer that came while the screen was open, not on returning to it.
  const seenOnOpen = useRef(recommended);
  // A companion flag ramp drafted into the plan itself (a flag with deploy), per strategy.
  const combined = useMemo(
    () => new Set(recommendations.filter((r) => readRamp(r.planText, 'flagRamp')).map((r) => r.strategy)),
    [recommendations],
  );
  useEffect(() => {
    if (recommended !== seenOnOpen.current) heading.current?.focus();
  }, [recommended]);
  if (recommendations.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="ranked-heading">
      <h2 id="ranked-heading" ref={heading} tabIndex={-1}>
        Strategies, best first
      </h2>
      <table aria-label="Ranked strategies" className="ranked">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Strategy</th>
            <th scope="col">Risk</th>
            <th scope="col">Complexity</th>
            <th scope="col">Cost</th>
            <th scope="col">Rollback</th>
            <th scope="col">Environment lacks</th>
            <th scope="col">Why</th>
            <th scope="col">
              <span className="sr-only">Choose</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {recommendations.map((r, i) => (
            <tr key={r.strategy} className={r.strategy === chosen ? 'chosen' : ''}>
              <td>{i + 1}</td>
              <th scope="row">
                {r.strategy}
                {r.companions.length > 0 && <div className="muted small">with {r.companions.join(', ')}</div>}
                {combined.has(r.strategy) && (
                  <div className="muted small">one plan: deploys dark, then ramps the flag</div>
                )}
              </th>
              <td>{r.risk}</td>
              <td>{r.complexity}</td>
              <td>{r.cost}</td>
              <td>{r.rollbackSpeed}</td>
              <td>
                {r.missing.length === 0 ? (
                  <span className="muted">nothing</span>
                ) : (
                  <ul className="plain">
                    {r.missing.map((m) => (
                      <li key={m} className="warn-text">
                        {m}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td className="rationale">{r.rationale}</td>
              <td>
                <button type="button" onClick={() => choose(r)} aria-pressed={r.strategy === chosen}>
                  Use {r.strategy}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
