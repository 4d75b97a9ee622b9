import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import { flagStepLabel } from '../../../src-shared/plan/flag-rollout.schema.ts';
import type { PlanStepRef } from '../../../src-shared/preflight/preflight.schema.ts';

export function stepRef(plan: ReleasePlan, i: number): PlanStepRef {
  const s = plan.strategy;
  if (s.kind === 'flag-rollout') {
    const step = s.steps[i];
    return { index: i, label: `step ${i + 1}: ${step ? flagStepLabel(step) : ''}` };
  }
  if (s.kind !== 'canary') return { index: null, label: s.kind };
  const step = s.steps[i];
  const what =
    step === undefined
      ? ''
      : 'setWeight' in step
        ? `setWeight ${step.setWeight}`
        : 'pause' in step
          ? `pause ${step.pause.duration ?? 'until promoted'}`
          : `analysis ${step.analysis.templates.join(', ')}`;
  return { index: i, label: `step ${i + 1}: ${what}` };
}

export function firstChangeStep(plan: ReleasePlan): PlanStepRef {
  switch (plan.strategy.kind) {
    case 'canary':
      return { index: null, label: 'creating the canary workload' };
    case 'blue-green':
      return { index: null, label: 'deploying the idle colour' };
    case 'rolling':
      return { index: null, label: 'setting the new image' };
    default:
      return { index: null, label: 'the first change' };
  }
}

/** Steps that move traffic or replace pods: where an unsafe workload hurts users. */
export function trafficSteps(plan: ReleasePlan): PlanStepRef[] {
  const s = plan.strategy;
  if (s.kind === 'canary') {
    const refs = s.steps.flatMap((step, i) => ('setWeight' in step ? [stepRef(plan, i)] : []));
    return [...refs, { index: null, label: 'promotion (stable gets the new image)' }];
  }
  if (s.kind === 'blue-green')
    return [
      { index: null, label: 'switch to the new colour' },
      { index: null, label: 'draining the old colour' },
    ];
  if (s.kind === 'rolling') return [{ index: null, label: 'the rolling update' }];
  return [{ index: null, label: s.kind }];
}
