import { useMemo, useState } from 'react';
import {
  instantToLocal,
  localToInstant,
  scheduleProblems,
  zoneLabel,
} from '../../../src-shared/plan/flag-schedule.ts';
import {
  deletePlanField,
  parseFieldPath,
  problemsAt,
  readRamp,
  setPlanField,
  type RampAt,
} from '../../lib/plan-fields.ts';
import { usePlan } from '../../store/plan.store.ts';
import { useNow } from '../use-now.ts';
import { FieldProblems } from './FieldProblems.tsx';

/** The zone this computer's clock shows, e.g. `Europe/Berlin`. */
function ownZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * A flag ramp's schedule: when each step may start, edited on this computer's clock with its zone named and
 * written to the plan as an instant with its offset (`at`); a start in the past, or before a step ahead of it,
 * is named at its field.
 */
export function FlagSchedule({ at = 'strategy' }: { at?: RampAt }) {
  const { text, problems, setText } = usePlan();
  const ramp = useMemo(() => readRamp(text, at), [text, at]);
  // A time typed that the zone skips (the clocks go forward) is not written; its sentence stays until changed.
  const [skipped, setSkipped] = useState<Record<number, string>>({});
  // A time that passes while the screen is open turns into a problem within a minute.
  const now = useNow(ramp !== null, 30_000);
  if (!ramp || ramp.steps.length === 0) return null;
  const zone = ownZone();
  const timing = scheduleProblems(ramp.steps, now, zone);
  const heading = `flag-schedule-heading-${at}`;
  const edit = (i: number, local: string) => {
    const path = parseFieldPath(`${at}.steps[${i}].at`);
    const { [i]: _, ...others } = skipped;
    if (local === '') {
      setSkipped(others);
      return setText(deletePlanField(text, path));
    }
    const instant = localToInstant(local, zone);
    if (!instant)
      return setSkipped({
        ...skipped,
        [i]: `${local.replace('T', ' ')} does not exist in ${zone} (the clocks skip it): pick another time`,
      });
    setSkipped(others);
    setText(setPlanField(text, path, instant));
  };
  return (
    <section className="panel form" aria-labelledby={heading}>
      <h2 id={heading}>{at === 'strategy' ? 'Schedule' : 'Schedule of the ramp'}</h2>
      <p className="muted small">
        Times are on your clock, {zoneLabel(zone, now)}. The plan keeps each as an instant with its offset, so
        a colleague elsewhere reads the same moment. A step without a time starts when the one before it ends.
      </p>
      <ol className="plain schedule">
        {ramp.steps.map((step, i) => {
          const path = `${at}.steps[${i}].at`;
          const id = `schedule-${at}-${i}`;
          const own = [
            ...problemsAt(problems, path),
            ...timing.filter((t) => t.index === i).map((t) => ({ path: '', message: t.message })),
            ...(skipped[i] ? [{ path: '', message: skipped[i] }] : []),
          ];
          const set = typeof step.at === 'string';
          return (
            <li key={i} className={`field ${own.length > 0 ? 'invalid' : ''}`}>
              <label htmlFor={id}>
                Step {i + 1}, {step.line}: starts ({zone})
              </label>
              <div className="row">
                <input
                  id={id}
                  type="datetime-local"
                  value={set ? (instantToLocal(step.at as string, zone) ?? '') : ''}
                  aria-invalid={own.length > 0}
                  aria-describedby={own.length > 0 ? `${id}-problems` : undefined}
                  onChange={(e) => edit(i, e.target.value)}
                />
                {set && (
                  <button
                    type="button"
                    aria-label={`No schedule for step ${i + 1}`}
                    onClick={() => edit(i, '')}
                  >
                    Clear
                  </button>
                )}
              </div>
              {set && <span className="muted small">in the plan: {String(step.at)}</span>}
              <FieldProblems id={`${id}-problems`} problems={own} />
            </li>
          );
        })}
      </ol>
    </section>
  );
}
