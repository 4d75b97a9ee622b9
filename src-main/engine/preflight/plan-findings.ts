import { durationMs } from '../../../src-shared/plan/duration.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { PreflightFinding, PreflightPass } from '../../../src-shared/preflight/preflight.schema.ts';
import type { RouterObjectFact } from '../../ports/preflight-cluster.port.ts';
import { flagPlanFindings } from './flag-findings.ts';

const seconds = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} m` : `${ms / 1000} s`);

/**
 * What the plan alone says would fail or mislead in the first minutes: a flag ramp's problems
 * (`flagPlanFindings`), canary weights that go down (warning), and rollback triggers whose `for` window is longer
 * than the phase they guard, so they can never fire (warning naming both).
 */
export function planFindings(plan: ReleasePlan): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  const s = plan.strategy;
  if (s.kind === 'flag-rollout') findings.push(...flagPlanFindings(s));
  if (plan.flagRamp) findings.push(...flagPlanFindings(plan.flagRamp, 'flagRamp'));
  if (s.kind === 'canary') {
    let last: { weight: number; index: number } | null = null;
    s.steps.forEach((step, index) => {
      if (!('setWeight' in step)) return;
      if (last && step.setWeight < last.weight)
        findings.push({
          id: `plan:weights-down-${index}`,
          check: 'routing',
          severity: 'warning',
          title: `Step ${index + 1} lowers the canary weight from ${last.weight} % to ${step.setWeight} %`,
          explanation: `Step ${last.index + 1} sends ${last.weight} % of traffic to the canary and step ${index + 1} takes it back to ${step.setWeight} %. A progressive release only moves forward; if this is a typo, fix the order of the weights.`,
          steps: [{ index, label: `step ${index + 1}: setWeight ${step.setWeight}` }],
        });
      last = { weight: step.setWeight, index };
    });
  }
  const guarded = guardedPhase(plan);
  if (guarded)
    plan.rollbackTriggers.forEach((t, i) => {
      const forMs = durationMs(t.for);
      if (forMs <= guarded.ms) return;
      findings.push({
        id: `plan:trigger-window-${i}`,
        check: 'routing',
        severity: 'warning',
        title: `Rollback trigger ${t.metric} (for ${t.for}) can never fire within ${guarded.label} (${seconds(guarded.ms)})`,
        explanation: `The trigger needs its breach to last ${seconds(forMs)}, but ${guarded.label} it guards lasts ${seconds(guarded.ms)}; the release completes before the trigger could fire. Shorten the trigger's for, or lengthen ${guarded.label}.`,
        steps: [{ index: null, label: `rollback trigger ${t.metric}` }],
      });
    });
  return findings;
}

/** How long the new version runs under watch before completion, and what that phase is called. */
function guardedPhase(plan: ReleasePlan): { ms: number; label: string } | null {
  const s = plan.strategy;
  if (s.kind === 'blue-green')
    return {
      ms: durationMs(s.settle) + durationMs(s.validation.duration),
      label: `the ${s.settle} settle and ${s.validation.duration} validation after the switch`,
    };
  if (s.kind === 'rolling')
    return { ms: durationMs(s.validation.duration), label: `the ${s.validation.duration} validation` };
  if (s.kind === 'canary' || s.kind === 'flag-rollout') {
    // Pauses without a duration wait for a person, so the canary can run as long as the trigger needs.
    if (s.steps.some((step) => 'pause' in step && step.pause.duration === undefined)) return null;
    const templates = new Map(plan.analysis.templates.map((t) => [t.name, t]));
    const ms = s.steps.reduce((sum, step) => {
      if ('pause' in step) return sum + durationMs(step.pause.duration ?? '0s');
      if ('analysis' in step)
        return (
          sum +
          Math.max(
            0,
            ...step.analysis.templates.flatMap((n) =>
              (templates.get(n)?.metrics ?? []).map((m) => (m.count - 1) * durationMs(m.interval)),
            ),
          )
        );
      return sum;
    }, 0);
    return { ms, label: s.kind === 'canary' ? 'the canary steps' : 'the flag ramp steps' };
  }
  return null;
}

/** Router objects as findings (blockers) and passes. */
export function routerObjectFindings(
  facts: readonly RouterObjectFact[],
  findings: PreflightFinding[],
  passed: PreflightPass[],
): void {
  for (const f of facts) {
    const id = `routing:object:${f.object}`;
    if (f.problem === null) passed.push({ id, check: 'routing', title: `${f.object} is there` });
    else
      findings.push({
        id,
        check: 'routing',
        severity: 'blocker',
        title: `${f.object} ${f.problem}`,
        explanation: `The plan's router needs ${f.object}, and it ${f.problem}; the first traffic change would fail. Create it (or fix the router names in the plan) before the release.`,
        steps: [{ index: null, label: 'the first traffic change' }],
      });
  }
}
