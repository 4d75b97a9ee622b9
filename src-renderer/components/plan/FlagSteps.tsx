import { useMemo, useState } from 'react';
import { problemsAt, type RampAt } from '../../lib/plan-fields.ts';
import {
  addRampStep,
  isOldFormRamp,
  moveRampStep,
  readRampSteps,
  removeRampStep,
  setRampStep,
  templateNames,
  type NewRampStep,
  type RampStepRow,
} from '../../lib/ramp-edits.ts';
import { usePlan } from '../../store/plan.store.ts';
import { useFocusAfterEdit } from '../use-focus-after.ts';
import { FieldProblems } from './FieldProblems.tsx';
import { TextField } from './TextField.tsx';

const KINDS = [
  { kind: 'percentage', label: 'Set percentage' },
  { kind: 'pause', label: 'Pause' },
  { kind: 'analysis', label: 'Analysis' },
] as const;

/** The typed field of a percentage step and of a pause step, in their rows and in the add form. */
const TEXT_STEPS = {
  percentage: { label: 'Set percentage (%)', inputMode: 'decimal' },
  pause: { label: 'Pause for (empty: until promoted)', placeholder: 'until promoted' },
} as const;

/** A percentage or pause step from what was typed in its field. */
function textStep(
  kind: 'percentage' | 'pause',
  typed: string,
): Extract<RampStepRow, { kind: 'percentage' | 'pause' }> {
  return kind === 'percentage' ? { kind, percent: typed } : { kind, duration: typed };
}

/** The one control that edits what a step does: its percentage, its pause or its analysis template. */
function StepValue(p: {
  id: string;
  row: RampStepRow;
  templates: string[];
  invalid: boolean;
  describedBy: string | undefined;
  onChange: (row: RampStepRow) => void;
}) {
  const aria = { id: p.id, 'aria-invalid': p.invalid, 'aria-describedby': p.describedBy };
  const { row } = p;
  if (row.kind === 'unknown')
    return <span className="muted small">Written in the YAML in a way this form does not edit.</span>;
  if (row.kind !== 'analysis')
    return (
      <TextField
        {...aria}
        {...TEXT_STEPS[row.kind]}
        value={row.kind === 'percentage' ? row.percent : row.duration}
        onChange={(typed) => p.onChange(textStep(row.kind, typed))}
      />
    );
  // A template the plan lacks stays listed, so the select shows what the YAML says (validation names it).
  const names = p.templates.includes(row.template) ? p.templates : [row.template, ...p.templates];
  return (
    <div className="field">
      <label htmlFor={p.id}>Analysis template</label>
      <select
        {...aria}
        value={row.template}
        onChange={(e) => p.onChange({ kind: 'analysis', template: e.target.value })}
      >
        {names.map((n) => (
          <option key={n}>{n}</option>
        ))}
      </select>
    </div>
  );
}

/** The form that adds a step at the end: what it does, and its percentage, pause or template. */
function AddStep(p: { id: string; templates: string[]; onAdd: (step: NewRampStep) => void }) {
  const [kind, setKind] = useState<NewRampStep['kind']>('percentage');
  const [typed, setTyped] = useState({ percentage: '', pause: '' });
  const [template, setTemplate] = useState('');
  const chosen = p.templates.includes(template) ? template : (p.templates[0] ?? '');
  const noTemplate = kind === 'analysis' && chosen === '';
  return (
    <fieldset>
      <legend>Add a step</legend>
      <div className="field">
        <label htmlFor={`${p.id}-kind`}>New step</label>
        <select
          id={`${p.id}-kind`}
          value={kind}
          onChange={(e) => setKind(e.target.value as NewRampStep['kind'])}
        >
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </div>
      {kind !== 'analysis' && (
        <TextField
          {...TEXT_STEPS[kind]}
          id={`${p.id}-value`}
          value={typed[kind]}
          onChange={(value) => setTyped({ ...typed, [kind]: value })}
        />
      )}
      {kind === 'analysis' && (
        <div className="field">
          <label htmlFor={`${p.id}-value`}>Template</label>
          <select id={`${p.id}-value`} value={chosen} onChange={(e) => setTemplate(e.target.value)}>
            {p.templates.length === 0 && <option value="">the plan has no analysis templates</option>}
            {p.templates.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </div>
      )}
      <button
        type="button"
        id={`${p.id}-button`}
        aria-disabled={noTemplate}
        onClick={() => {
          if (noTemplate) return;
          setTyped({ percentage: '', pause: '' });
          p.onAdd(kind === 'analysis' ? { kind, template: chosen } : textStep(kind, typed[kind]));
        }}
      >
        Add step
      </button>
    </fieldset>
  );
}

/**
 * A flag ramp's steps as rows: each edits its percentage, pause or analysis, moves up or down (whole, with its
 * schedule) or goes; a form adds one at the end. Edits go into the YAML; the plan's problems show at each step.
 */
export function FlagSteps({ at = 'strategy' }: { at?: RampAt }) {
  const { text, problems, setText } = usePlan();
  const rows = useMemo(() => readRampSteps(text, at), [text, at]);
  const templates = useMemo(() => templateNames(text), [text]);
  const oldForm = useMemo(() => isOldFormRamp(text, at), [text, at]);
  const focusAfter = useFocusAfterEdit();
  if (!rows) return null;
  const heading = `flag-steps-heading-${at}`;
  if (oldForm)
    return (
      <section className="panel form" aria-labelledby={heading}>
        <h2 id={heading}>{at === 'strategy' ? 'Steps' : 'Steps of the ramp'}</h2>
        <p className="muted">
          This ramp is written in the old form (percentages, stepDuration, analysis): write it as steps in the
          YAML to edit them here.
        </p>
      </section>
    );
  const id = (i: number, what: string) => `ramp-step-${at}-${i}-${what}`;
  const move = (i: number, by: -1 | 1) => {
    const to = i + by;
    focusAfter(id(to, by < 0 ? 'up' : 'down'), id(to, by < 0 ? 'down' : 'up'));
    setText(moveRampStep(text, at, i, by));
  };
  const remove = (i: number) => {
    const next = Math.min(i, rows.length - 2);
    focusAfter(...(next >= 0 ? [id(next, 'remove')] : []), `add-step-${at}-button`);
    setText(removeRampStep(text, at, i));
  };
  return (
    <section className="panel form" aria-labelledby={heading}>
      <h2 id={heading}>{at === 'strategy' ? 'Steps' : 'Steps of the ramp'}</h2>
      {rows.length === 0 && <p className="muted">No steps yet: add the first below.</p>}
      <ol className="plain ramp-steps">
        {rows.map((row, i) => {
          const own = problemsAt(problems, `${at}.steps[${i}]`);
          const problemsId = id(i, 'problems');
          return (
            <li key={i} className={`field ${own.length > 0 ? 'invalid' : ''}`}>
              <fieldset>
                <legend>Step {i + 1}</legend>
                <StepValue
                  id={id(i, 'value')}
                  row={row}
                  templates={templates}
                  invalid={own.length > 0}
                  describedBy={own.length > 0 ? problemsId : undefined}
                  onChange={(r) => setText(setRampStep(text, at, i, r))}
                />
                <div className="row">
                  <button
                    type="button"
                    id={id(i, 'up')}
                    aria-label={`Move step ${i + 1} up`}
                    disabled={i === 0}
                    onClick={() => move(i, -1)}
                  >
                    Up
                  </button>
                  <button
                    type="button"
                    id={id(i, 'down')}
                    aria-label={`Move step ${i + 1} down`}
                    disabled={i === rows.length - 1}
                    onClick={() => move(i, 1)}
                  >
                    Down
                  </button>
                  <button
                    type="button"
                    id={id(i, 'remove')}
                    aria-label={`Remove step ${i + 1}`}
                    onClick={() => remove(i)}
                  >
                    Remove
                  </button>
                </div>
                <FieldProblems id={problemsId} problems={own} />
              </fieldset>
            </li>
          );
        })}
      </ol>
      <FieldProblems
        id={`ramp-steps-${at}-problems`}
        problems={problems.filter((p) => p.path === `${at}.steps`)}
      />
      <AddStep
        id={`add-step-${at}`}
        templates={templates}
        onAdd={(step) => {
          focusAfter(id(rows.length, 'value'), id(rows.length, 'remove'));
          setText(addRampStep(text, at, step));
        }}
      />
    </section>
  );
}
