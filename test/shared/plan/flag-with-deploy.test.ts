import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  flagRampOf,
  rampPlanOf,
  rampsFlagNow,
  strategyWords,
} from '../../../src-shared/plan/flag-with-deploy.ts';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';

const parsed = parsePlan(
  readFileSync(join(import.meta.dirname, '../../fixtures/plans/flag-with-deploy-sandbox-fast.yaml'), 'utf8'),
);
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const plan = parsed.plan;

describe('flag with deploy in a plan', () => {
  it("the ramp's plan is the same plan with flagRamp as its strategy", () => {
    const ramp = rampPlanOf(plan);
    expect(ramp.strategy).toEqual({ ...plan.flagRamp, kind: 'flag-rollout' });
    expect(ramp.flagRamp).toBeUndefined();
    expect(ramp.target).toEqual(plan.target);
    expect(flagRampOf(plan)?.flag).toBe('new-checkout');
    expect(flagRampOf(ramp)?.flag).toBe('new-checkout');
    expect(flagRampOf({ ...plan, flagRamp: undefined })).toBeUndefined();
  });

  it('reads the machine name for people, and knows when the Abort is the kill switch', () => {
    expect(strategyWords('flag-after:canary')).toBe('canary + flag ramp');
    expect(strategyWords('migration:flag-after:blue-green')).toBe('migration:blue-green + flag ramp');
    expect(strategyWords('migration:canary')).toBe('migration:canary');
    expect(rampsFlagNow({ strategy: 'flag-after:canary', phase: 'deploy.running.steps.analysis' })).toBe(
      false,
    );
    expect(rampsFlagNow({ strategy: 'flag-after:canary', phase: 'ramp.running.steps.moving' })).toBe(true);
    expect(rampsFlagNow({ strategy: 'migration:flag-after:rolling', phase: 'strategy.ramp.starting' })).toBe(
      true,
    );
    expect(rampsFlagNow({ strategy: 'flag-rollout', phase: 'starting' })).toBe(true);
    expect(rampsFlagNow({ strategy: 'canary', phase: 'running.steps.weight' })).toBe(false);
  });
});
