import { useMemo } from 'react';
import { deletePlanField, readPlanFields, readRamp } from '../../lib/plan-fields.ts';
import { usePlan } from '../../store/plan.store.ts';
import { FlagPicker } from './FlagPicker.tsx';
import { FlagPrerequisites } from './FlagPrerequisites.tsx';
import { FlagSchedule } from './FlagSchedule.tsx';
import { FlagSegments } from './FlagSegments.tsx';
import { FlagSteps } from './FlagSteps.tsx';
import { FlagFields } from './PlanField.tsx';

/**
 * A flag with deploy's ramp (`flagRamp`), under the strategy that deploys the code dark: its flag, flag system,
 * steps, segments, prerequisites and schedule, and one action that removes it (the plan then deploys the code only).
 */
export function FlagRampSection() {
  const { text, setText } = usePlan();
  const ramp = useMemo(() => readRamp(text, 'flagRamp'), [text]);
  const strategy = useMemo(() => readPlanFields(text)?.strategy ?? 'strategy', [text]);
  if (!ramp) return null;
  return (
    <>
      <section className="panel form" aria-labelledby="flag-ramp-heading">
        <h2 id="flag-ramp-heading">Flag ramp after the {strategy}</h2>
        <p className="muted small">
          The {strategy} deploys the code with the flag off; then the flag ramps, as one release.
        </p>
        <FlagFields at="flagRamp" />
        <button
          type="button"
          onClick={() => {
            setText(deletePlanField(text, ['flagRamp']));
          }}
        >
          Remove the flag ramp
        </button>
      </section>
      <FlagPicker at="flagRamp" />
      <FlagSteps at="flagRamp" />
      <FlagSegments at="flagRamp" />
      <FlagPrerequisites at="flagRamp" />
      <FlagSchedule at="flagRamp" />
    </>
  );
}
