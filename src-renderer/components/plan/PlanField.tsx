import type { PlanProblem } from '../../../src-shared/bridge/contract.ts';
import { parseFieldPath, problemsAt, readRamp, setPlanField, type RampAt } from '../../lib/plan-fields.ts';
import { usePlan } from '../../store/plan.store.ts';
import { FieldProblems } from './FieldProblems.tsx';

/** One labelled text field of the plan at `path` (`target.image`): edits go into the YAML, problems show under it. */
export function PlanField(p: { path: string; label: string; value: string | null }) {
  const { text, problems, setText } = usePlan();
  const own: PlanProblem[] = problemsAt(problems, p.path);
  const id = `problems-${p.path.replace(/\W/g, '-')}`;
  return (
    <div className={`field ${own.length > 0 ? 'invalid' : ''}`}>
      <label htmlFor={`field-${p.path}`}>{p.label}</label>
      <input
        id={`field-${p.path}`}
        value={p.value ?? ''}
        aria-invalid={own.length > 0}
        aria-describedby={own.length > 0 ? id : undefined}
        onChange={(e) => setText(setPlanField(text, parseFieldPath(p.path), e.target.value))}
      />
      <FieldProblems id={id} problems={own} />
    </div>
  );
}

/** A flag ramp's flag and where it lives (OpenFeature: a FeatureFlag object; Unleash: a server), at `at`. */
export function FlagFields({ at }: { at: RampAt }) {
  const { text } = usePlan();
  const ramp = readRamp(text, at);
  if (!ramp) return null;
  const kind = ramp.providerKind ?? 'openfeature';
  return (
    <>
      <PlanField path={`${at}.flag`} label="Flag key" value={ramp.flag} />
      <PlanField
        path={`${at}.provider.kind`}
        label="Flag system (openfeature or unleash)"
        value={ramp.providerKind}
      />
      {kind === 'openfeature' && (
        <PlanField path={`${at}.provider.name`} label="FeatureFlag object" value={ramp.providerName} />
      )}
      {kind === 'unleash' && (
        <PlanField path={`${at}.provider.url`} label="Unleash URL" value={ramp.providerUrl} />
      )}
    </>
  );
}
