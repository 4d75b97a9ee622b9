import { useEffect } from 'react';
import { lineOfField, parseFieldPath } from '../../lib/plan-fields.ts';
import { usePlan } from '../../store/plan.store.ts';
import { Busy } from '../Busy.tsx';
import { ErrorNote } from '../ErrorNote.tsx';

/** The plan as YAML; validated by main a moment after each edit, every problem listed with its line. */
export function YamlEditor() {
  const { text, setText, validate, problems, validated, validateStatus, summary } = usePlan();
  useEffect(() => {
    if (text.trim() === '') return;
    const t = setTimeout(() => void validate(), 350);
    return () => clearTimeout(t);
  }, [text, validate]);
  return (
    <section className="panel grow" aria-labelledby="yaml-heading">
      <div className="panel-head">
        <h2 id="yaml-heading">Plan YAML</h2>
        {validateStatus.busy ? (
          <span className="muted small">validating…</span>
        ) : validated ? (
          problems.length === 0 ? (
            <span className="ok-text small" role="status">
              valid plan
            </span>
          ) : (
            <span className="error-text small" role="status">
              {problems.length} problem{problems.length === 1 ? '' : 's'}
            </span>
          )
        ) : null}
      </div>
      <textarea
        className="yaml"
        aria-label="Plan YAML"
        spellCheck={false}
        value={text}
        placeholder="Pick a strategy above, open a saved plan, or paste a plan here."
        onChange={(e) => setText(e.target.value)}
        rows={24}
      />
      {validateStatus.error && <ErrorNote error={validateStatus.error} />}
      {problems.length > 0 && (
        <ul className="yaml-problems" aria-label="Plan problems">
          {problems.map((p) => {
            const line = lineOfField(text, parseFieldPath(p.path));
            return (
              <li key={`${p.path}:${p.message}`}>
                {line !== null && <span className="muted">line {line} · </span>}
                <code>{p.path || 'plan'}</code> {p.message}
              </li>
            );
          })}
        </ul>
      )}
      {validated && summary && problems.length === 0 && (
        <div className="summary">
          <strong>
            {summary.name}: {summary.strategy} via {summary.router}
          </strong>
          <ol>
            {summary.steps.map((s, i) => (
              <li key={i}>{s}</li>
            ))}
          </ol>
        </div>
      )}
      {validateStatus.busy && !validated && <Busy label="Validating the plan…" />}
    </section>
  );
}
