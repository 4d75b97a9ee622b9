import { useMemo } from 'react';
import { problemsAt, type RampAt } from '../../lib/plan-fields.ts';
import {
  addPrerequisite,
  readPrerequisites,
  removePrerequisite,
  setPrerequisite,
  type PrerequisiteRow,
} from '../../lib/ramp-edits.ts';
import { usePlan } from '../../store/plan.store.ts';
import { useFocusAfterEdit } from '../use-focus-after.ts';
import { FieldProblems } from './FieldProblems.tsx';

/**
 * A flag ramp's prerequisites: other flags that must be fully on (100 %) or serve a variant before each move
 * of this one, as rows added, edited and removed in the YAML; the plan's problems show at each.
 */
export function FlagPrerequisites({ at = 'strategy' }: { at?: RampAt }) {
  const { text, problems, setText } = usePlan();
  const rows = useMemo(() => readPrerequisites(text, at), [text, at]);
  const focusAfter = useFocusAfterEdit();
  if (!rows) return null;
  const id = (i: number, what: string) => `prerequisite-${at}-${i}-${what}`;
  const heading = `flag-prerequisites-heading-${at}`;
  const change = (i: number, patch: Partial<PrerequisiteRow>) =>
    setText(setPrerequisite(text, at, i, { ...rows[i]!, ...patch }));
  return (
    <section className="panel form" aria-labelledby={heading}>
      <h2 id={heading}>{at === 'strategy' ? 'Prerequisites' : 'Prerequisites of the ramp'}</h2>
      {rows.length === 0 && <p className="muted">No prerequisites: the ramp waits for no other flag.</p>}
      {rows.map((r, i) => {
        const own = problemsAt(problems, `${at}.prerequisites[${i}]`);
        const problemsId = id(i, 'problems');
        const aria = {
          'aria-invalid': own.length > 0,
          'aria-describedby': own.length > 0 ? problemsId : undefined,
        };
        return (
          <fieldset key={i} className={own.length > 0 ? 'invalid' : ''}>
            <legend>Prerequisite {i + 1}</legend>
            <div className="field">
              <label htmlFor={id(i, 'flag')}>Flag key</label>
              <input
                {...aria}
                id={id(i, 'flag')}
                value={r.flag}
                onChange={(e) => change(i, { flag: e.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor={id(i, 'requires')}>Must be</label>
              <select
                id={id(i, 'requires')}
                value={r.requires}
                onChange={(e) => change(i, { requires: e.target.value as PrerequisiteRow['requires'] })}
              >
                <option value="on">fully on (100 %)</option>
                <option value="variant">serving a variant</option>
              </select>
            </div>
            {r.requires === 'variant' && (
              <div className="field">
                <label htmlFor={id(i, 'variant')}>Variant</label>
                <input
                  {...aria}
                  id={id(i, 'variant')}
                  value={r.variant}
                  onChange={(e) => change(i, { variant: e.target.value })}
                />
              </div>
            )}
            <FieldProblems id={problemsId} problems={own} />
            <button
              type="button"
              id={id(i, 'remove')}
              aria-label={`Remove prerequisite ${i + 1}`}
              onClick={() => {
                const next = Math.min(i, rows.length - 2);
                focusAfter(...(next >= 0 ? [id(next, 'remove')] : []), `add-prerequisite-${at}`);
                setText(removePrerequisite(text, at, i));
              }}
            >
              Remove prerequisite
            </button>
          </fieldset>
        );
      })}
      <button
        type="button"
        id={`add-prerequisite-${at}`}
        onClick={() => {
          focusAfter(id(rows.length, 'flag'));
          setText(addPrerequisite(text, at, { flag: '', requires: 'on', variant: '' }));
        }}
      >
        Add prerequisite
      </button>
    </section>
  );
}
