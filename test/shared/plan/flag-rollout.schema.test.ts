import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';

const head = `
name: checkout-flag
target: { namespace: shop, name: checkout, image: registry.platform.com/checkout:v2.3.0 }
router: { kind: service-selector, service: checkout }
analysis: { templates: [{ name: health, metrics: [{ name: errors, kind: error-rate, successCondition: { op: '<', threshold: 0.01 } }] }] }
`;

describe('the flag ramp plan', () => {
  it('fills the defaults of a new plan: variants on/off, the variant label, no segments or prerequisites', () => {
    const r = parsePlan(
      `${head}strategy: { kind: flag-rollout, provider: { kind: openfeature, name: checkout-flags }, flag: new-checkout, steps: [{ setPercentage: 10, at: "2026-12-07T09:00:00+01:00" }, { pause: {} }, { analysis: { templates: [health] } }] }`,
    );
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.plan.strategy).toEqual({
      kind: 'flag-rollout',
      provider: { kind: 'openfeature', name: 'checkout-flags' },
      flag: 'new-checkout',
      newVariant: 'on',
      offVariant: 'off',
      variantLabel: 'feature_flag_variant',
      steps: [
        { setPercentage: 10, at: '2026-12-07T09:00:00+01:00' },
        { pause: {} },
        { analysis: { templates: ['health'] } },
      ],
      segments: [],
      prerequisites: [],
      failClosed: true,
    });
  });

  it('converts an old plan (percentages, stepDuration, analysis) to steps', () => {
    const old = parsePlan(
      `${head}strategy: { kind: flag-rollout, flag: new-checkout, percentages: [10, 100], analysis: [health] }`,
    );
    const timed = parsePlan(
      `${head}strategy: { kind: flag-rollout, flag: new-checkout, percentages: [5, 50], stepDuration: 20m }`,
    );
    if (!old.ok || !timed.ok) throw new Error('an old plan no longer parses');
    expect(old.plan.strategy).toMatchObject({
      steps: [
        { setPercentage: 10 },
        { analysis: { templates: ['health'] } },
        { setPercentage: 100 },
        { analysis: { templates: ['health'] } },
      ],
    });
    expect(old.plan.strategy).not.toHaveProperty('provider');
    expect(timed.plan.strategy).toMatchObject({
      steps: [
        { setPercentage: 5 },
        { pause: { duration: '20m' } },
        { setPercentage: 50 },
        { pause: { duration: '20m' } },
      ],
    });
  });

  it('names every problem of a bad flag plan', () => {
    const r = parsePlan(
      `${head}strategy:
  kind: flag-rollout
  provider: { kind: unleash, url: not-a-url, environment: production, tokenEnv: "1BAD" }
  flag: new-checkout
  newVariant: "off"
  variantLabel: feature.flag.variant
  percentages: [10]
  steps: [{ setPercentage: 120, at: tomorrow }, { setPercentage: 10, pause: {} }, { analysis: { templates: [nope] } }]
  segments: [{ name: beta, attribute: email, values: [] }]
  prerequisites: [{ flag: dark-mode, percent: 50 }, { flag: new-checkout }]`,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // Field errors first; the cross-field checks (both forms, equal variants) run once the fields parse.
    expect(r.errors).toEqual([
      'strategy.provider.url: must be a URL such as https://unleash.example.com, got "not-a-url"',
      'strategy.provider.tokenEnv: must be an environment variable name, got "1BAD"',
      'strategy.variantLabel: must be a Prometheus label name such as feature_flag_variant, got "feature.flag.variant"',
      'strategy.steps[0].setPercentage: must be between 0 and 100, got 120',
      'strategy.steps[0].at: must be a date and time with its zone such as 2026-12-07T09:00:00+01:00 or 2026-12-07T08:00:00Z, got "tomorrow"',
      'strategy.steps[1]: a step needs exactly one of setPercentage, pause or analysis, got setPercentage and pause',
      'strategy.segments[0].values: must list at least one value, got 0',
      'strategy.prerequisites[0].percent: must be 100 (the other flag fully on), got 50',
    ]);
  });

  it('refuses both forms at once, equal variants, unknown templates and a flag that is its own prerequisite', () => {
    const both = parsePlan(
      `${head}strategy: { kind: flag-rollout, flag: f, newVariant: same, offVariant: same, percentages: [10], steps: [{ setPercentage: 10 }] }`,
    );
    const refs = parsePlan(
      `${head}strategy: { kind: flag-rollout, flag: f, steps: [{ analysis: { templates: [nope] } }], prerequisites: [{ flag: f }] }`,
    );
    expect(both.ok || both.errors).toEqual([
      'strategy.steps: use steps, or the old percentages/stepDuration/analysis, not both',
      'strategy.offVariant: must differ from newVariant "same"',
    ]);
    expect(refs.ok || refs.errors).toEqual([
      'strategy.steps[0].analysis.templates[0]: no analysis template is named "nope"',
      'strategy.prerequisites[0].flag: a flag cannot be its own prerequisite ("f")',
    ]);
  });
});

describe('a flag with deploy (flagRamp after the strategy)', () => {
  const canary = `strategy: { kind: canary, steps: [{ setWeight: 20 }, { analysis: { templates: [health] } }] }\n`;
  const withRouter = head.replace('service-selector, service: checkout', 'replica-ratio');

  it('parses a ramp without its kind after a canary, with the ramp defaults filled', () => {
    const r = parsePlan(
      `${withRouter}${canary}flagRamp: { provider: { kind: openfeature, name: checkout-flags }, flag: new-checkout, steps: [{ setPercentage: 50 }, { analysis: { templates: [health] } }] }`,
    );
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.plan.strategy.kind).toBe('canary');
    expect(r.plan.flagRamp).toMatchObject({
      kind: 'flag-rollout',
      flag: 'new-checkout',
      offVariant: 'off',
      steps: [{ setPercentage: 50 }, { analysis: { templates: ['health'] } }],
    });
  });

  it('refuses a ramp after a strategy that deploys no code, and a ramp naming an unknown template', () => {
    const r = parsePlan(
      `${head}strategy: { kind: flag-rollout, flag: a, steps: [{ setPercentage: 10 }] }\nflagRamp: { flag: b, steps: [{ analysis: { templates: [nope] } }] }`,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.join('\n')).toMatch(
      /flagRamp.*deploys code \(rolling, canary or blue-green\), got flag-rollout/,
    );
    expect(r.errors.join('\n')).toMatch(
      /flagRamp\.steps\[0\]\.analysis\.templates\[0\]: no analysis template is named "nope"/,
    );
  });
});
