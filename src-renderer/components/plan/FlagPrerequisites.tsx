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
import { TextField } from './TextField.tsx';

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
        const field = (key: 'flag' | 'variant', label: string) => (
          <TextField
            {...aria}
            id={id(i, key)}
            label={label}
            value={r[key]}
            onChange={(value) => change(i, { [key]: value })}
          />
        );
        return (
          <fieldset key={i} className={own.length > 0 ? 'invalid' : ''}>
            <legend>Prerequisite {i + 1}</legend>
            {field('flag', 'Flag key')}
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
            {r.requires === 'variant' && field('variant', 'Variant')}
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
