import { useMemo } from 'react';
import { parseFieldPath, problemsAt, readPlanFields, setPlanField } from '../../lib/plan-fields.ts';
import { usePlan } from '../../store/plan.store.ts';
import { FieldProblems } from './FieldProblems.tsx';

const FIELDS = [
  { path: 'name', label: 'Plan name', key: 'name' },
  { path: 'target.namespace', label: 'Target namespace', key: 'targetNamespace' },
  { path: 'target.name', label: 'Target name', key: 'targetName' },
  { path: 'target.image', label: 'Target image', key: 'targetImage' },
] as const;

/** A flag ramp's flag and where it lives (OpenFeature: a FeatureFlag object; Unleash: a server). */
const FLAG_FIELDS = [
  { path: 'strategy.flag', label: 'Flag key', key: 'flag', when: null },
  {
    path: 'strategy.provider.kind',
    label: 'Flag system (openfeature or unleash)',
    key: 'providerKind',
    when: null,
  },
  { path: 'strategy.provider.name', label: 'FeatureFlag object', key: 'providerName', when: 'openfeature' },
  { path: 'strategy.provider.url', label: 'Unleash URL', key: 'providerUrl', when: 'unleash' },
] as const;

/** The plan's key fields as a form; edits go into the YAML, problems show at their field. */
export function PlanForm() {
  const { text, problems, setText } = usePlan();
  const fields = useMemo(() => readPlanFields(text), [text]);
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
      {[
        ...FIELDS,
        ...(fields.strategy === 'flag-rollout'
          ? FLAG_FIELDS.filter((f) => f.when === null || f.when === (fields.providerKind ?? 'openfeature'))
          : []),
      ].map((f) => {
        const own = problemsAt(problems, f.path);
        const id = `problems-${f.path.replace(/\W/g, '-')}`;
        return (
          <div key={f.path} className={`field ${own.length > 0 ? 'invalid' : ''}`}>
            <label htmlFor={`field-${f.path}`}>{f.label}</label>
            <input
              id={`field-${f.path}`}
              value={fields[f.key] ?? ''}
              aria-invalid={own.length > 0}
              aria-describedby={own.length > 0 ? id : undefined}
              onChange={(e) => setText(setPlanField(text, parseFieldPath(f.path), e.target.value))}
            />
            <FieldProblems id={id} problems={own} />
          </div>
        );
      })}
      <div className="field">
        <span className="label">Strategy</span> <code>{fields.strategy ?? 'none'}</code>
      </div>
      {fields.steps.length > 0 && (
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
