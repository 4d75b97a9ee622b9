import { describe, expect, it } from 'vitest';
import {
  formatFieldPath,
  lineOfField,
  parseFieldPath,
  problemsAt,
  readPlanFields,
  readRamp,
  deletePlanField,
  addFlagRamp,
  setPlanField,
} from '../../../src-renderer/lib/plan-fields.ts';

const PLAN = `# comment kept
name: web-canary
target:
  namespace: shop
  name: web
  image: registry/web:v2
strategy:
  kind: canary
  steps:
    - setWeight: 10
    - pause: { duration: 10m }
    - analysis: { templates: [success-rate] }
    - pause: {}
`;

describe('field paths', () => {
  it.each([
    ['strategy.steps[2].setWeight', ['strategy', 'steps', 2, 'setWeight']],
    ['target.image', ['target', 'image']],
    ['', []],
    ['rollbackTriggers[0]', ['rollbackTriggers', 0]],
  ])('%s parses and prints back', (text, path) => {
    expect(parseFieldPath(text)).toEqual(path);
    expect(formatFieldPath(path)).toBe(text);
  });
});

describe('problemsAt', () => {
  const problems = [
    { path: 'target.name', message: 'a' },
    { path: 'target.namespace', message: 'b' },
    { path: 'strategy.steps[1]', message: 'c' },
    { path: 'strategy.steps[10].setWeight', message: 'd' },
    { path: '', message: 'e' },
  ];
  it.each([
    ['target.name', ['a']],
    ['target', ['a', 'b']],
    ['strategy.steps[1]', ['c']],
    ['strategy.steps', ['c', 'd']],
    ['', ['e']],
  ])('%s selects its own problems only', (field, messages) => {
    expect(problemsAt(problems, field).map((p) => p.message)).toEqual(messages);
  });
});

describe('readPlanFields', () => {
  it('reads the key fields and one line per step', () => {
    expect(readPlanFields(PLAN)).toEqual({
      name: 'web-canary',
      targetName: 'web',
      targetNamespace: 'shop',
      targetImage: 'registry/web:v2',
      strategy: 'canary',
      steps: ['set weight 10 %', 'pause 10m', 'analysis success-rate', 'pause until promoted'],
      flag: null,
      providerKind: null,
      providerName: null,
      providerUrl: null,
      newVariant: null,
    });
  });
  it.each([['- a list'], ['key: [unclosed'], ['just text']])('gives null for %j', (text) => {
    expect(readPlanFields(text)).toBeNull();
  });
});

describe('setPlanField', () => {
  it('changes one field and keeps comments and the rest', () => {
    const out = setPlanField(PLAN, ['target', 'image'], 'registry/web:v3');
    expect(out).toContain('# comment kept');
    expect(out).toContain('image: registry/web:v3');
    expect(readPlanFields(out)?.targetNamespace).toBe('shop');
  });
  it('leaves broken YAML alone', () => {
    expect(setPlanField('a: [', ['a'], 'x')).toBe('a: [');
  });
});

describe('lineOfField', () => {
  it.each([
    [['name'], 2],
    [['target', 'image'], 6],
    [['strategy', 'steps', 2], 12],
    [['strategy', 'steps', 2, 'analysis', 'templates'], 12],
    [['target', 'missing'], 3],
    [[], null],
  ] as const)('%j is on line %s', (path, line) => {
    expect(lineOfField(PLAN, [...path])).toBe(line);
  });
});

describe('the fields of a flag ramp', () => {
  const RAMP = `name: checkout-flag
target: { namespace: shop, name: checkout, image: registry/checkout:v2 }
strategy:
  kind: flag-rollout
  provider: { kind: openfeature, name: checkout-flags }
  flag: new-checkout
  steps:
    - setPercentage: 10
    - setPercentage: 50
      at: '2026-12-08T09:00:00+01:00'
`;
  it('reads the flag, where it lives, the new variant and the steps with their schedule', () => {
    expect(readPlanFields(RAMP)).toMatchObject({
      strategy: 'flag-rollout',
      flag: 'new-checkout',
      providerKind: 'openfeature',
      providerName: 'checkout-flags',
      providerUrl: null,
      newVariant: 'on',
      steps: ['flag at 10 %', 'flag at 50 % from 2026-12-08T09:00:00+01:00'],
    });
    expect(readPlanFields(PLAN)?.newVariant).toBeNull();
  });

  it('aims faults at the variant of a flag ramp that follows the deploy (flag with deploy)', () => {
    const combined = `${PLAN}flagRamp:\n  flag: new-checkout\n  newVariant: treatment\n  steps: [{ setPercentage: 10 }]\n`;
    expect(readPlanFields(combined)).toMatchObject({ newVariant: 'treatment', flag: null });
  });

  it('edits the provider in place', () => {
    const text = setPlanField(RAMP, ['strategy', 'provider', 'name'], 'other-flags');
    expect(readPlanFields(text)?.providerName).toBe('other-flags');
  });

  it.each([
    ['strategy', RAMP, 'new-checkout'],
    [
      'flagRamp',
      `${PLAN}flagRamp:\n  provider: { kind: unleash, url: https://u.example.com }\n  flag: dark\n  steps:\n    - setPercentage: 10\n    - setPercentage: 50\n      at: '2026-12-08T09:00:00+01:00'\n`,
      'dark',
    ],
  ] as const)('reads the ramp at %s: its flag, and its steps apart from their schedule', (at, text, flag) => {
    expect(readRamp(text, at)).toMatchObject({
      flag,
      steps: [
        { line: 'flag at 10 %', at: undefined },
        { line: 'flag at 50 %', at: '2026-12-08T09:00:00+01:00' },
      ],
    });
  });

  it.each([
    [PLAN, 'strategy'],
    [PLAN, 'flagRamp'],
    [RAMP, 'flagRamp'],
    ['strategy: [', 'strategy'],
  ] as const)('finds no ramp at %#', (text, at) => {
    expect(readRamp(text, at)).toBeNull();
  });

  it('removes a step’s schedule, keeping the rest', () => {
    const text = deletePlanField(RAMP, ['strategy', 'steps', 1, 'at']);
    expect(readRamp(text, 'strategy')?.steps.map((s) => s.at)).toEqual([undefined, undefined]);
    expect(text).toContain('setPercentage: 50');
  });
});

describe('adding a flag ramp to a plan that deploys code', () => {
  it('adds the drafted ramp and the templates its steps name, keeping comments and the plan’s own templates', () => {
    const text = `${PLAN}analysis:\n  templates:\n    - name: success-rate\n      metrics: []\n`;
    const out = addFlagRamp(text);
    expect(out).toContain('# comment kept');
    expect(readRamp(out, 'flagRamp')).toMatchObject({
      flag: 'web-release',
      providerKind: 'openfeature',
      providerName: 'web-flags',
    });
    expect(readRamp(out, 'flagRamp')?.steps.map((s) => s.line)).toEqual([
      'flag at 5 %',
      'analysis initial-canary',
      'flag at 25 %',
      'analysis initial-canary',
      'flag at 50 %',
      'analysis extended-canary',
      'flag at 100 %',
      'analysis full-rollout',
    ]);
    const names = [...out.matchAll(/^ {4}- name: (\S+)$/gm)].map((m) => m[1]);
    expect(names).toEqual(['success-rate', 'initial-canary', 'extended-canary', 'full-rollout']);
    // Added once: a second add changes nothing.
    expect(addFlagRamp(out)).toBe(out);
  });

  it.each([
    ['a flag-rollout plan', 'strategy: { kind: flag-rollout, flag: a }\n'],
    ['an A/B test', 'strategy: { kind: ab-test }\n'],
    ['YAML that does not parse', 'strategy: ['],
  ])('leaves %s as it is', (_, text) => {
    expect(addFlagRamp(text)).toBe(text);
  });
});
