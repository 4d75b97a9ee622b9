import { describe, expect, it } from 'vitest';
import { flagPlanFindings } from '../../../../src-main/engine/preflight/flag-findings.ts';
import { FlagRolloutStrategySchema } from '../../../../src-shared/plan/flag-rollout.schema.ts';

const strategy = (extra: Record<string, unknown>) =>
  FlagRolloutStrategySchema.parse({ kind: 'flag-rollout', flag: 'new-checkout', ...extra });
const openfeature = { kind: 'openfeature', name: 'checkout-flags' };

describe('preflight findings of a flag ramp plan', () => {
  it.each([
    [
      'no flag system (old form)',
      { percentages: [10, 100] },
      'plan:flag-provider-missing',
      'blocker',
      'The plan names no flag system for flag "new-checkout"',
    ],
    [
      'Unleash without a token source',
      {
        provider: { kind: 'unleash', url: 'https://unleash.example.com', environment: 'production' },
        steps: [{ setPercentage: 10 }],
      },
      'plan:flag-token-missing',
      'blocker',
      'The plan names no admin token for Unleash at https://unleash.example.com',
    ],
    [
      'a percentage going down',
      { provider: openfeature, steps: [{ setPercentage: 50 }, { setPercentage: 10 }] },
      'plan:flag-percent-down-1',
      'warning',
      'Step 2 lowers flag "new-checkout" from 50 % to 10 %',
    ],
    [
      'schedules out of order',
      {
        provider: openfeature,
        steps: [
          { setPercentage: 10, at: '2026-12-08T09:00:00Z' },
          { setPercentage: 50, at: '2026-12-07T09:00:00+01:00' },
        ],
      },
      'plan:flag-schedule-order-1',
      'warning',
      'Step 2 is scheduled before step 1',
    ],
  ])('%s', (_name, extra, id, severity, title) => {
    const findings = flagPlanFindings(strategy(extra));
    expect(findings).toEqual([expect.objectContaining({ id, severity, title })]);
  });

  it('finds nothing in a sound plan', () => {
    expect(
      flagPlanFindings(
        strategy({ provider: openfeature, steps: [{ setPercentage: 10 }, { setPercentage: 100 }] }),
      ),
    ).toEqual([]);
  });
});
