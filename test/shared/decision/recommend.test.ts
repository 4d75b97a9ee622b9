import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANGE_KINDS, STRATEGY_PROFILES } from '../../../src-shared/decision/decision.rules.ts';
import {
  DecisionEnvironmentSchema,
  DecisionInputSchema,
  RecommendationSchema,
  recommend,
  type DecisionEnvironment,
} from '../../../src-shared/decision/recommend.ts';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';

const full: DecisionEnvironment = { mesh: 'istio', argoRollouts: false, spareCapacity: true };
const bare: DecisionEnvironment = { mesh: 'none', argoRollouts: false, spareCapacity: false };
const top = (r: ReturnType<typeof recommend>) => r.map((x) => [x.strategy, ...x.companions].join(' + '));

describe('the runbook scenario table, with a mesh and spare capacity', () => {
  it.each([
    ['hotfix', 'blue-green'],
    ['new-service', 'rolling'],
    ['api-breaking', 'blue-green + flag-rollout'],
    ['ui-redesign', 'ab-test'],
    ['performance', 'canary'],
    ['schema-change', 'rolling + expand-contract'],
    ['algorithm', 'ab-test + flag-rollout'],
    ['security-patch', 'blue-green'],
    ['infrastructure', 'blue-green'],
    ['minor-fix', 'rolling'],
  ] as const)('%s → %s', (change, expected) => {
    expect(top(recommend({ change }, full))[0]).toBe(expected);
  });

  it('offers blue-green or canary for a security patch, in that order', () => {
    expect(top(recommend({ change: 'security-patch' }, full)).slice(0, 2)).toEqual(['blue-green', 'canary']);
  });
});

describe('the selection-criteria table', () => {
  it.each([
    ['blue-green', 'low', 'medium', 'high (2× resources)', 'instant'],
    ['canary', 'low', 'high', 'medium', 'fast (1–5 min)'],
    ['rolling', 'medium', 'low', 'low', 'medium (5–15 min)'],
    ['ab-test', 'low', 'high', 'medium', 'instant'],
    ['flag-rollout', 'very low', 'medium', 'low', 'instant'],
  ] as const)(
    '%s: risk %s, complexity %s, cost %s, rollback %s',
    (strategy, risk, complexity, cost, rollbackSpeed) => {
      expect(STRATEGY_PROFILES[strategy]).toMatchObject({ risk, complexity, cost, rollbackSpeed });
      const rec = CHANGE_KINDS.flatMap((change) => recommend({ change }, full)).find(
        (r) => r.strategy === strategy,
      );
      expect(rec).toMatchObject({ risk, complexity, cost, rollbackSpeed });
    },
  );
});

describe('adapting to the environment', () => {
  it('without spare capacity, a hotfix goes out as a canary and says what blue-green lacks', () => {
    const recs = recommend({ change: 'hotfix' }, { ...full, spareCapacity: false });
    expect(recs[0]?.strategy).toBe('canary');
    expect(recs.find((r) => r.strategy === 'blue-green')?.missing).toEqual([
      'spare capacity for a second full environment (2× resources)',
    ]);
  });

  it('without a mesh, a canary runs by replica ratio and states its precision', () => {
    const [first] = recommend({ change: 'performance' }, { ...bare, replicas: 20 });
    expect(first?.strategy).toBe('canary');
    expect(first?.plan.router).toEqual({ kind: 'replica-ratio', replicas: 20 });
    expect(first?.rationale).toContain('with 20 replicas the smallest step is 1/20 = 5 %');
    expect(first?.missing).toContain('a traffic router (Istio or Gateway API) for exact weights');
  });

  it('with too few replicas for a 10 % step, the canary is demoted', () => {
    const recs = recommend({ change: 'performance' }, { ...bare, spareCapacity: true, replicas: 4 });
    expect(recs[0]?.strategy).toBe('blue-green');
    expect(recs.find((r) => r.strategy === 'canary')?.rationale).toContain(
      '1/4 = 25 %, too coarse for a 10 % first step',
    );
  });

  it('with too little traffic, an A/B test is not first and the days are stated', () => {
    const recs = recommend({ change: 'ui-redesign' }, { ...full, rps: 0.05 });
    expect(recs[0]?.strategy).not.toBe('ab-test');
    const ab = recs.find((r) => r.strategy === 'ab-test');
    expect(ab?.rationale).toMatch(
      /An A\/B test needs 57,\d{3} per variant .*: \d+ days at 0.05 req\/s, longer than the 14 days allowed/,
    );
  });

  it('with enough traffic, an A/B test stays first and says how long it takes', () => {
    const [first] = recommend({ change: 'ui-redesign' }, { ...full, rps: 50 });
    expect(first?.strategy).toBe('ab-test');
    expect(first?.rationale).toContain('about 1 day at 50 req/s');
  });

  it('an A/B test without header routing lists what it needs', () => {
    const ab = recommend({ change: 'ui-redesign' }, bare).find((r) => r.strategy === 'ab-test');
    expect(ab?.missing).toContain('header-based routing (Istio or Gateway API)');
  });

  it('mentions the Argo export when Argo Rollouts is installed', () => {
    expect(recommend({ change: 'performance' }, { ...full, argoRollouts: true })[0]?.rationale).toContain(
      'plan export --to argo',
    );
  });

  it('companions needing a flag service list it as missing unless one exists', () => {
    expect(recommend({ change: 'api-breaking' }, full)[0]?.missing).toContain(
      'a feature-flag service (server-side evaluation that fails closed)',
    );
    expect(recommend({ change: 'api-breaking' }, { ...full, featureFlags: true })[0]?.missing).toEqual([]);
  });

  it('pre-fills a valid plan for every recommendation, with migration gates for expand-contract', () => {
    const env = fc.record({
      mesh: fc.constantFrom('istio', 'gateway-api', 'none'),
      argoRollouts: fc.boolean(),
      spareCapacity: fc.boolean(),
      featureFlags: fc.boolean(),
      rps: fc.option(fc.double({ min: 0.001, max: 10_000, noNaN: true }), { nil: undefined }),
      replicas: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.constantFrom(...CHANGE_KINDS), env, (change, e) => {
        const recs = recommend({ change }, e);
        expect(recs.length).toBeGreaterThan(0);
        for (const r of recs) {
          expect(r.plan.strategy.kind).toBe(r.strategy);
          expect(r.plan.migration !== undefined).toBe(r.companions.includes('expand-contract'));
          expect(parsePlan(r.plan).ok).toBe(true);
        }
        expect(recs.map((r) => r.score)).toEqual([...recs.map((r) => r.score)].sort((a, b) => b - a));
      }),
      { numRuns: 100 },
    );
  });
});

describe('decision-tree answers', () => {
  const no = {
    critical: false,
    realUserValidation: false,
    testsUxOrAlgorithm: false,
    touchesSchema: false,
    breaksApi: false,
  };
  it.each([
    ['critical', { ...no, critical: true }, 'blue-green'],
    ['minor', no, 'rolling'],
    ['real-user validation', { ...no, realUserValidation: true }, 'canary'],
    ['real users and UX', { ...no, realUserValidation: true, testsUxOrAlgorithm: true }, 'ab-test'],
    ['minor with a schema change', { ...no, touchesSchema: true }, 'rolling + expand-contract'],
    ['critical API break', { ...no, critical: true, breaksApi: true }, 'blue-green + flag-rollout'],
  ] as const)('%s → %s', (_label, answers, expected) => {
    expect(top(recommend({ answers }, full))[0]).toBe(expected);
  });

  it('explains itself from the answers', () => {
    expect(recommend({ answers: { ...no, critical: true } }, full)[0]?.rationale).toBe(
      'Chosen because it is critical, and blue-green rolls back instantly.',
    );
  });
});

describe('bridge schemas', () => {
  it('describe what recommend takes and returns', () => {
    const input = DecisionInputSchema.parse({ change: 'hotfix' });
    const env = DecisionEnvironmentSchema.parse(full);
    for (const r of recommend(input, env)) expect(RecommendationSchema.parse(r)).toEqual(r);
    expect(DecisionInputSchema.safeParse({ change: 'big-bang' }).success).toBe(false);
  });
});
