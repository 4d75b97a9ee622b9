import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STRATEGY_KINDS, ROUTER_KINDS } from '../../../src-shared/plan/plan.schema.ts';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import { durationMs, formatDuration } from '../../../src-shared/plan/duration.ts';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import { planFixture as fixture, WORKFLOW_ENGINE as target } from '../../support/plan-fixtures.ts';

describe('durationMs', () => {
  it.each([
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['30s', 30_000],
    ['250ms', 250],
    ['14d', 1_209_600_000],
    ['0.5s', 500],
  ])('%s is %d ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each(['10', '10 minutes', '', 'm', '-5m'])('rejects %j with a sentence', (text) => {
    expect(() => durationMs(text)).toThrow(/is not a duration/);
  });

  it.each([600_000, 90_000, 5_400_000, 250, 86_400_000])('formatDuration(%d) parses back', (ms) => {
    expect(durationMs(formatDuration(ms))).toBe(ms);
  });
});

describe('parsePlan', () => {
  it('reads the Istio canary fixture with defaults applied', () => {
    const result = parsePlan(fixture('canary-istio.yaml'));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const { plan } = result;
    expect(plan.strategy.kind).toBe('canary');
    if (plan.strategy.kind !== 'canary') return;
    expect(plan.strategy.steps).toEqual([
      { setWeight: 10 },
      { pause: { duration: '10m' } },
      { analysis: { templates: ['success-rate', 'latency-check'] } },
      { setWeight: 50 },
      { pause: {} },
      { setWeight: 100 },
    ]);
    const p95 = plan.analysis.templates[1]?.metrics[0];
    expect(p95).toMatchObject({
      interval: '1m',
      count: 5,
      inconclusiveLimit: 0,
      consecutive: false,
      window: '2m',
    });
    expect(plan.onFailure).toBe('abort');
    expect(plan.onInconclusive).toBe('pause');
    expect(plan.router).toMatchObject({ stableSubset: 'stable', canarySubset: 'canary' });
  });

  it('lists every problem with its path and the offending value', () => {
    const result = parsePlan(fixture('invalid-canary.yaml'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        'target.image: is required',
        'strategy.steps[1].pause.duration: must be a duration such as 30s, 10m or 1h30m, got "10 minutes"',
        'strategy.steps[2].setWeight: must be between 0 and 100, got 140',
        'onFailure: must be one of abort, pause, got "explode"',
      ]),
    );
    expect(result.errors).toHaveLength(4);
  });

  it('reports the unknown template once the shape is valid', () => {
    const text = fixture('invalid-canary.yaml')
      .replace('    - pause: { duration: 10 minutes }\n', '')
      .replace('setWeight: 140', 'setWeight: 40')
      .replace('onFailure: explode', '')
      .replace('  name: workflow-engine\n', '  name: workflow-engine\n  image: x:1\n');
    const result = parsePlan(text);
    expect(result).toEqual({
      ok: false,
      errors: ['strategy.steps[2].analysis.templates[0]: no analysis template is named "missing-template"'],
    });
  });

  it.each([
    [
      'a step with two actions',
      { setWeight: 10, pause: {} },
      'strategy.steps[0]: a step needs exactly one of setWeight, pause or analysis, got setWeight and pause',
    ],
    ['an empty step', {}, 'strategy.steps[0]: a step needs exactly one of setWeight, pause or analysis'],
    ['a misspelt key', { setWieght: 10 }, 'strategy.steps[0]: unknown field "setWieght"'],
  ])('rejects %s', (_label, step, message) => {
    const plan = { ...defaultPlan('canary', target), strategy: { kind: 'canary', steps: [step] } };
    const result = parsePlan(plan);
    expect(result.ok ? [] : result.errors).toContain(message);
  });

  it('names an unknown strategy kind and the allowed ones', () => {
    const plan = { ...defaultPlan('canary', target), strategy: { kind: 'big-bang' } };
    const result = parsePlan(plan);
    expect(result.ok ? [] : result.errors).toEqual([
      'strategy.kind: must be one of blue-green, canary, rolling, ab-test, flag-rollout, got "big-bang"',
    ]);
  });

  it('reports YAML syntax errors with line and column, never throwing', () => {
    const result = parsePlan('name: x\ntarget: [\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatch(/^line \d+, column \d+: /);
  });

  it.each([['42'], ['- a\n- b'], ['null']])('rejects a document that is not a mapping: %j', (text) => {
    expect(parsePlan(text)).toEqual({
      ok: false,
      errors: ['a plan must be a mapping with name, target, router and strategy'],
    });
  });

  it('accepts JSON text', () => {
    const result = parsePlan(JSON.stringify(defaultPlan('rolling', target)));
    expect(result.ok).toBe(true);
  });

  it('requires a query for custom metrics', () => {
    const plan = defaultPlan('canary', target);
    const broken = structuredClone(plan) as {
      analysis: { templates: { metrics: Record<string, unknown>[] }[] };
    };
    broken.analysis.templates[0]!.metrics[0] = {
      name: 'c',
      kind: 'custom',
      successCondition: { op: '<', threshold: 1 },
    };
    const result = parsePlan(broken);
    expect(result.ok ? [] : result.errors).toEqual([
      'analysis.templates[0].metrics[0].query: is required for a custom metric',
    ]);
  });

  it('checks A/B weights, variants and the router', () => {
    const plan = structuredClone(defaultPlan('ab-test', target)) as unknown as Record<
      string,
      Record<string, unknown>
    >;
    plan.strategy!.variants = [
      { name: 'control', version: 'v1', weight: 50 },
      { name: 'treatment', version: 'v2', weight: 40 },
    ];
    plan.strategy!.defaultVariant = 'baseline';
    plan.router = { kind: 'service-selector', service: 'x' };
    const result = parsePlan(plan);
    expect(result.ok ? [] : result.errors).toEqual([
      'strategy.variants: weights must add up to 100, got 90',
      'strategy.defaultVariant: must name one of the variants (control, treatment), got "baseline"',
      'router.kind: an A/B test routes by header, which needs istio or gateway-api, got service-selector',
    ]);
  });

  it('insists the contract migration waits for a confirmation', () => {
    const plan = structuredClone(defaultPlan('rolling', target, { migration: true })) as unknown as {
      migration: { contract: Record<string, unknown> };
    };
    plan.migration.contract.requireConfirmation = false;
    const result = parsePlan(plan);
    expect(result.ok ? [] : result.errors).toEqual([
      'migration.contract.requireConfirmation: must be true: the contract phase always needs a confirmation, got false',
    ]);
  });
});

describe('defaultPlan', () => {
  it.each(STRATEGY_KINDS)('%s defaults parse back to themselves', (kind) => {
    const plan = defaultPlan(kind, target);
    expect(parsePlan(plan)).toEqual({ ok: true, plan });
  });

  it('gives the runbook canary phases and rollback triggers', () => {
    const plan = defaultPlan('canary', target);
    if (plan.strategy.kind !== 'canary') throw new Error('not a canary');
    expect(plan.strategy.steps.filter((s) => 'setWeight' in s)).toEqual([
      { setWeight: 10 },
      { setWeight: 50 },
      { setWeight: 100 },
    ]);
    const summary = plan.analysis.templates.map((t) => [
      t.name,
      t.metrics[0]!.count,
      ...t.metrics.map((m) => m.successCondition.threshold),
    ]);
    expect(summary).toEqual([
      ['initial-canary', 10, 0.01, 500, 0.8],
      ['extended-canary', 20, 0.005, 400, 0.75],
      ['full-rollout', 30, 0.003, 300, 0.7],
    ]);
    expect(plan.rollbackTriggers.map((t) => `${t.metric} ${t.op} ${t.threshold} for ${t.for}`)).toEqual([
      'error-rate > 0.02 for 2m',
      'latency-p95 > 1000 for 5m',
      'pod-restarts >= 3 for 5m',
    ]);
    expect(plan.router).toEqual({
      kind: 'istio',
      virtualService: 'workflow-engine',
      destinationRule: 'workflow-engine',
      route: 'primary',
      stableSubset: 'stable',
      canarySubset: 'canary',
    });
  });

  it('gives the runbook rolling and blue-green settings', () => {
    const rolling = defaultPlan('rolling', target).strategy;
    expect(rolling).toMatchObject({
      maxSurge: 5,
      maxUnavailable: 2,
      minReadySeconds: 30,
      progressDeadlineSeconds: 600,
    });
    const bg = defaultPlan('blue-green', target).strategy;
    expect(bg).toMatchObject({
      warmup: { path: '/health/ready', requests: 100, intervalMs: 100 },
      settle: '30s',
      keepPrevious: true,
    });
    if (bg.kind !== 'blue-green') return;
    expect(bg.validation.checks).toEqual([
      { metric: 'error-rate', op: '>', threshold: 0.01, severity: 'fail' },
      { metric: 'latency-p95', op: '>', threshold: 1000, severity: 'warn' },
    ]);
  });

  it('gives the runbook A/B settings', () => {
    const ab = defaultPlan('ab-test', target).strategy;
    expect(ab).toMatchObject({
      duration: '14d',
      confidenceLevel: 0.95,
      cohort: { header: 'x-user-segment', regex: 'free|basic' },
    });
  });

  it.each(ROUTER_KINDS.filter((r) => r !== 'service-selector'))(
    'builds a canary plan for router %s',
    (router) => {
      expect(defaultPlan('canary', target, { router }).router.kind).toBe(router);
    },
  );

  it('refuses an invalid target with every problem', () => {
    expect(() => defaultPlan('rolling', { ...target, namespace: '' })).toThrow(DomainError);
    try {
      defaultPlan('canary', { ...target, name: '' }, { router: 'service-selector' });
    } catch (err) {
      expect((err as DomainError).details).toEqual(
        expect.arrayContaining([
          'target.name: must not be empty',
          'router.kind: a canary needs weighted traffic: use istio, gateway-api or replica-ratio, got service-selector',
        ]),
      );
    }
  });
});

describe('parsePlan robustness', () => {
  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.json()), (input) => {
        const result = parsePlan(input);
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const e of result.errors) expect(typeof e).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports a wrong value anywhere in a valid plan without throwing', () => {
    const plan = defaultPlan('canary', target) as unknown as Record<string, unknown>;
    fc.assert(
      fc.property(
        fc.constantFrom('name', 'target', 'router', 'strategy', 'analysis', 'rollbackTriggers', 'onFailure'),
        fc.anything(),
        (key, value) => {
          const result = parsePlan({ ...plan, [key]: value });
          if (!result.ok) expect(result.errors.every((e) => e.length > 0)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
