import { useMemo } from 'react';
import { addFlagRamp, problemsAt, readPlanFields } from '../../lib/plan-fields.ts';
import { usePlan } from '../../store/plan.store.ts';
import { FieldProblems } from './FieldProblems.tsx';
import { FlagFields, PlanField } from './PlanField.tsx';

const FIELDS = [
  { path: 'name', label: 'Plan name', key: 'name' },
  { path: 'target.namespace', label: 'Target namespace', key: 'targetNamespace' },
  { path: 'target.name', label: 'Target name', key: 'targetName' },
  { path: 'target.image', label: 'Target image', key: 'targetImage' },
] as const;

/** The plan's key fields as a form; edits go into the YAML, problems show at their field. */
export function PlanForm() {
  const { text, problems, setText } = usePlan();
  const fields = useMemo(() => readPlanFields(text), [text]);
  // A strategy that deploys code may be followed by a flag ramp (a flag with deploy), one per plan.
  const canAddRamp = useMemo(() => addFlagRamp(text) !== text, [text]);
  if (!fields) {
    return (
      <section className="panel" aria-labelledby="form-heading">
        <h2 id="form-heading">Plan form</h2>
        <p className="muted">The form shows once the YAML reads as a mapping.</p>
      </section>
    );
  }
  const stepProblems = problemsAt(problems, 'strategy.steps');
  return (
    <section className="panel form" aria-labelledby="form-heading">
      <h2 id="form-heading">Plan form</h2>
      {FIELDS.map((f) => (
        <PlanField key={f.path} path={f.path} label={f.label} value={fields[f.key]} />
      ))}
      {fields.strategy === 'flag-rollout' && <FlagFields at="strategy" />}
      <div className="field">
        <span className="label">Strategy</span> <code>{fields.strategy ?? 'none'}</code>
      </div>
      {canAddRamp && (
        <button type="button" onClick={() => setText(addFlagRamp(text))}>
          Add a flag ramp after the {fields.strategy}
        </button>
      )}
      {/* A flag ramp's steps have their own editor (FlagSteps). */}
      {fields.steps.length > 0 && fields.strategy !== 'flag-rollout' && (
        <div className={`field ${stepProblems.length > 0 ? 'invalid' : ''}`}>
          <span className="label">Steps</span>
          <ol className="steps-preview" aria-label="Plan steps">
            {fields.steps.map((s, i) => {
              const own = problemsAt(problems, `strategy.steps[${i}]`);
              return (
                <li key={i} className={own.length > 0 ? 'invalid' : ''}>
                  {s}
                  <FieldProblems id={`problems-step-${i}`} problems={own} />
                </li>
              );
            })}
          </ol>
          <FieldProblems id="problems-steps" problems={problems.filter((p) => p.path === 'strategy.steps')} />
        </div>
      )}
    </section>
  );
}
