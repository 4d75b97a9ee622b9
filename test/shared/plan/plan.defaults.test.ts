import { describe, expect, it } from 'vitest';
import { recommend, type DecisionEnvironment } from '../../../src-shared/decision/recommend.ts';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import { stringify } from 'yaml';

const target = { namespace: 'shop', name: 'checkout', image: 'registry.example.com/checkout:v2' };
const percentages = (p: ReleasePlan) =>
  (p.flagRamp?.steps ?? []).flatMap((s) => ('setPercentage' in s ? [s.setPercentage] : []));

describe('a flag with deploy drafted by defaultPlan', () => {
  it.each([
    ['rolling', 'service-selector'],
    ['canary', 'istio'],
    ['blue-green', 'istio'],
  ] as const)(
    '%s: the strategy as drafted alone, then a flag ramp 5/25/50/100 %% each judged',
    (kind, router) => {
      const alone = defaultPlan(kind, target);
      const plan = defaultPlan(kind, target, { flagRamp: { provider: 'openfeature', key: 'new-checkout' } });
      expect(plan.strategy).toEqual(alone.strategy);
      expect(plan.router.kind).toBe(router);
      expect(plan.name).toBe(`checkout-${kind}-flag-ramp`);
      expect(plan.flagRamp).toMatchObject({
        kind: 'flag-rollout',
        provider: { kind: 'openfeature', name: 'checkout-flags' },
        flag: 'new-checkout',
        newVariant: 'on',
        offVariant: 'off',
        segments: [],
      });
      expect(percentages(plan)).toEqual([5, 25, 50, 100]);
      expect(plan.flagRamp?.steps.filter((s) => 'analysis' in s)).toHaveLength(4);
      expect(plan.analysis.templates.map((t) => t.name)).toEqual([
        'initial-canary',
        'extended-canary',
        'full-rollout',
      ]);
      expect(plan.rollbackTriggers.map((t) => t.metric)).toContain('error-rate');
      // What is drafted is what a plan file reads back as.
      const reread = parsePlan(stringify(plan, { aliasDuplicateObjects: false }));
      expect(reread.ok && reread.plan).toEqual(plan);
    },
  );

  it.each([
    [
      { provider: 'openfeature' } as const,
      { kind: 'openfeature', name: 'checkout-flags' },
      'checkout-release',
    ],
    [
      { provider: 'openfeature', flagObject: 'shop-flags', key: 'k' } as const,
      { kind: 'openfeature', name: 'shop-flags' },
      'k',
    ],
    [
      { provider: 'unleash', providerUrl: 'https://unleash.example.com', key: 'k' } as const,
      {
        kind: 'unleash',
        url: 'https://unleash.example.com',
        project: 'default',
        environment: 'production',
        tokenEnv: 'UNLEASH_ADMIN_TOKEN',
      },
      'k',
    ],
  ])('the same provider defaults as a flag-rollout draft: %j', (flag, provider, key) => {
    const ramp = defaultPlan('canary', target, { flagRamp: flag }).flagRamp;
    const rollout = defaultPlan('flag-rollout', target, { flag }).strategy;
    expect(ramp?.provider).toEqual(provider);
    expect(ramp?.flag).toBe(key);
    expect({ ...ramp, kind: 'flag-rollout' }).toEqual(rollout);
  });

  it('puts beta testers first when asked', () => {
    const plan = defaultPlan('canary', target, {
      flagRamp: { provider: 'openfeature', segmentsFirst: true },
    });
    expect(plan.flagRamp?.segments).toEqual([
      { name: 'beta testers', attribute: 'email', operator: 'ends_with', values: ['@beta.example.com'] },
    ]);
  });

  it.each(['flag-rollout', 'ab-test'] as const)('refuses a flag ramp after %s, naming why', (kind) => {
    const draft = () => defaultPlan(kind, target, { flagRamp: { provider: 'openfeature' } });
    expect(draft).toThrow(DomainError);
    expect(draft).toThrow(
      new RegExp(`follows a strategy that deploys code \\(rolling, canary, blue-green\\), not ${kind}`),
    );
  });

  it('a rolling update drafted alone keeps no rollback triggers, with a ramp it watches the runbook’s', () => {
    expect(defaultPlan('rolling', target).rollbackTriggers).toEqual([]);
    expect(
      defaultPlan('rolling', target, { flagRamp: { provider: 'openfeature' } }).rollbackTriggers,
    ).toHaveLength(3);
  });
});

describe('companion recommendations draft combined plans', () => {
  const full: DecisionEnvironment = { mesh: 'istio', argoRollouts: false, spareCapacity: true };
  const bare: DecisionEnvironment = { mesh: 'none', argoRollouts: false, spareCapacity: false };
  it.each([
    ['api-breaking', full, 'blue-green', true],
    ['api-breaking', bare, 'canary', true],
    ['algorithm', full, 'ab-test', false],
    ['algorithm', full, 'canary', true],
    ['hotfix', full, 'blue-green', false],
    ['ui-redesign', full, 'flag-rollout', false],
  ] as const)('%s (%#): %s drafts a flag ramp: %s', (change, env, strategy, combined) => {
    const rec = recommend({ change }, env).find((r) => r.strategy === strategy);
    expect(rec).toBeDefined();
    expect(rec?.plan.flagRamp !== undefined).toBe(combined);
    if (combined) expect(percentages(rec!.plan)).toEqual([5, 25, 50, 100]);
  });

  it.each([
    [true, 1],
    [false, 0],
  ])('decision-tree answers with real-user validation %s put %i segment first', (realUserValidation, n) => {
    const recs = recommend(
      {
        answers: {
          critical: true,
          breaksApi: true,
          realUserValidation,
          testsUxOrAlgorithm: false,
          touchesSchema: false,
        },
      },
      full,
    );
    const combined = recs.filter((r) => r.plan.flagRamp);
    expect(combined.map((r) => r.strategy).sort()).toEqual(['blue-green', 'canary', 'rolling']);
    for (const r of combined) expect(r.plan.flagRamp?.segments).toHaveLength(n);
  });
});
