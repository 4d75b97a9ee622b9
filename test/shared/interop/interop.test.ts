import { parser } from '@prometheus-io/lezer-promql';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { exportPlan, importPlan, type ImportResult } from '../../../src-shared/interop/interop.ts';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import type { ReleasePlan, ReleasePlanInput } from '../../../src-shared/plan/plan.schema.ts';
import { planFixture as fixture, WORKFLOW_ENGINE } from '../../support/plan-fixtures.ts';

const target = { ...WORKFLOW_ENGINE, container: 'workflow-engine' };

function ok(r: ImportResult): Extract<ImportResult, { ok: true }> {
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r;
}

function plan(input: Partial<ReleasePlanInput>): ReleasePlan {
  const r = parsePlan({ name: 'p', target, ...input });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.plan;
}

function promqlErrors(query: string): number {
  let n = 0;
  // Placeholders are substituted by the controller; give them plain values to check the syntax.
  const concrete = query
    .replace(/\{\{\s*args\.[^}]+\}\}/g, 'x')
    .replace(/\{\{\s*interval\s*\}\}/g, '1m')
    .replace(/\{\{\s*\w+\s*\}\}/g, 'x');
  parser.parse(concrete).iterate({ enter: (node) => void (node.type.isError && n++) });
  return n;
}

describe('runbook import', () => {
  it('reads the canary phases into the same plan as the runbook defaults', () => {
    const r = ok(importPlan(fixture('runbook-canary.yaml')));
    const expected = defaultPlan('canary', {
      namespace: 'default',
      name: 'my-service',
      image: 'registry.example.com/my-service:next',
    });
    expect(r.format).toBe('runbook');
    expect(r.plan.strategy).toEqual(expected.strategy);
    expect(r.plan.analysis).toEqual(expected.analysis);
    expect(r.plan.rollbackTriggers).toEqual(expected.rollbackTriggers);
    expect(r.unsupported).toEqual([
      'target: the runbook YAML names no workload; fill in target.namespace, target.name and target.image',
    ]);
  });

  it('takes the target from the command line', () => {
    const r = ok(
      importPlan(fixture('runbook-canary.yaml'), 'runbook', {
        namespace: 'prod',
        name: 'api',
        image: 'api:2',
      }),
    );
    expect(r.plan.target).toMatchObject({ namespace: 'prod', name: 'api', image: 'api:2' });
    expect(r.unsupported).toEqual([]);
  });

  it('reads the A/B experiment and lists what it cannot route or measure', () => {
    const r = ok(importPlan(fixture('runbook-ab.yaml')));
    expect(r.plan.strategy).toMatchObject({
      kind: 'ab-test',
      variants: [
        { name: 'control', version: 'v1.24.0', weight: 50 },
        { name: 'treatment', version: 'v1.25.0', weight: 50 },
      ],
      cohort: { header: 'x-user-segment', regex: 'free_tier|basic_tier' },
      defaultVariant: 'control',
      primaryMetrics: [
        { name: 'conversion_rate', goal: 'maximize', minEffect: 0.05 },
        { name: 'task_completion_time', goal: 'minimize', minEffect: 0.1 },
      ],
      guardrails: [{ metric: 'error-rate', op: '>', threshold: 0.02, severity: 'fail' }],
      duration: '14d',
      confidenceLevel: 0.95,
    });
    expect(r.unsupported).toEqual(
      expect.arrayContaining([
        'ab_testing.variants[].targeting.regions: us-east, us-west — region targeting is not routed by the plan',
        expect.stringContaining('ab_testing.metrics.secondary[1] (user_satisfaction)'),
      ]),
    );
  });
});

describe('Argo Rollouts import', () => {
  const r = ok(importPlan(fixture('argo-rollout.yaml')));

  it('keeps the steps, the Istio routing and the background analysis', () => {
    expect(r.format).toBe('argo');
    expect(r.plan.target).toMatchObject({
      namespace: 'platform-production',
      kind: 'Rollout',
      name: 'workflow-engine',
      container: 'workflow-engine',
      image: 'registry.platform.com/workflow-engine:v1.25.0',
    });
    expect(r.plan.router).toMatchObject({
      kind: 'istio',
      virtualService: 'workflow-engine',
      route: 'primary',
      canarySubset: 'canary',
      stableSubset: 'stable',
    });
    if (r.plan.strategy.kind !== 'canary') throw new Error('not a canary');
    expect(
      r.plan.strategy.steps.map((s) =>
        'setWeight' in s ? s.setWeight : 'pause' in s ? s.pause.duration : s.analysis.templates.join('+'),
      ),
    ).toEqual([
      10,
      '10m',
      'success-rate+latency-check',
      25,
      '600s',
      50,
      '15m',
      'success-rate+latency-check',
      75,
      '10m',
      100,
    ]);
    expect(r.plan.strategy.background).toEqual({
      templates: ['success-rate', 'latency-check', 'error-rate'],
      startingStep: 2,
    });
  });

  it('recognises the runbook queries as built-in metrics and turns a failureCondition around', () => {
    const metrics = r.plan.analysis.templates.flatMap((t) =>
      t.metrics.map(
        (m) =>
          `${t.name}/${m.name}: ${m.kind} ${m.successCondition.op} ${m.successCondition.threshold} ×${m.count} limit ${m.failureLimit}`,
      ),
    );
    expect(metrics).toEqual([
      'success-rate/success-rate: success-rate >= 0.95 ×5 limit 3',
      'latency-check/p95-latency: latency-p95 <= 500 ×5 limit 3',
      'latency-check/p99-latency: latency-p99 <= 1000 ×5 limit 2',
      'error-rate/error-rate: error-rate <= 0.01 ×10 limit 3',
    ]);
  });

  it('lists the step and the provider it could not carry over', () => {
    expect(r.unsupported).toEqual(
      expect.arrayContaining([
        'strategy.canary.steps[10]: setCanaryScale steps have no plan equivalent',
        'AnalysisTemplate latency-check metrics[2] (web-check): only Prometheus metrics can be imported; provider web skipped',
      ]),
    );
  });

  it('reports a Rollout whose templates are missing', () => {
    const text = fixture('argo-rollout.yaml').split('\n---\n')[0]!;
    const imported = ok(importPlan(text));
    expect(imported.unsupported).toContain(
      'analysis template "success-rate" is referenced but not in the file',
    );
    if (imported.plan.strategy.kind !== 'canary') throw new Error('not a canary');
    expect(imported.plan.strategy.steps.some((s) => 'analysis' in s)).toBe(false);
  });
});

describe('Flagger import', () => {
  it('needs an image, since a Canary names none', () => {
    expect(importPlan(fixture('flagger-canary.yaml'))).toEqual({
      ok: false,
      errors: ['target.image: the source names no image; give the new image (plan import --image IMAGE)'],
    });
  });

  it('turns step weights into timed steps and the metrics into a background template', () => {
    const r = ok(
      importPlan(fixture('flagger-canary.yaml'), undefined, {
        image: 'registry.platform.com/workflow-engine:v1.25.0',
      }),
    );
    expect(r.format).toBe('flagger');
    if (r.plan.strategy.kind !== 'canary') throw new Error('not a canary');
    expect(r.plan.strategy.steps).toEqual(
      [10, 25, 50, 75].flatMap((w) => [{ setWeight: w }, { pause: { duration: '2m' } }]),
    );
    expect(r.plan.strategy.background).toEqual({ templates: ['flagger-analysis'], startingStep: 0 });
    const metrics = r.plan.analysis.templates[0]!.metrics;
    expect(
      metrics.map((m) => [
        m.name,
        m.kind,
        m.successCondition.op,
        m.successCondition.threshold,
        m.count,
        m.failureLimit,
        m.window,
      ]),
    ).toEqual([
      ['request-success-rate', 'success-rate', '>=', 0.99, 4, 3, '1m'],
      ['request-duration', 'latency-p99', '<=', 500, 4, 3, '1m'],
      ['queue-depth', 'custom', '<=', 100, 4, 3, '5m'],
    ]);
    expect(metrics[2]!.query).toBe(
      'max(max_over_time(workflow_queue_depth{namespace="{{namespace}}",job="{{job}}"}[5m]))',
    );
    expect(r.unsupported).toContain(
      'analysis.webhooks: Flagger webhooks (load tests, gates) are not imported',
    );
  });
});

describe('round trips', () => {
  const canary = (router: ReleasePlanInput['router']) =>
    ({ ...defaultPlan('canary', target, {}), router }) as ReleasePlanInput;
  it.each([
    ['canary via Istio', defaultPlan('canary', target)],
    [
      'canary via Gateway API',
      plan(
        canary({
          kind: 'gateway-api',
          httpRoute: 'we',
          backendRefs: { stable: 'we-stable', canary: 'we-canary' },
        }),
      ),
    ],
    ['canary by replica ratio', plan(canary({ kind: 'replica-ratio', replicas: 20 }))],
    ['rolling', defaultPlan('rolling', target)],
    ['the Argo fixture', ok(importPlan(fixture('argo-rollout.yaml'))).plan],
  ])('%s survives plan → Argo → plan unchanged', (_label, original) => {
    const exported = exportPlan(original, 'argo');
    expect(ok(importPlan(exported.yaml)).plan).toEqual(original);
  });

  it('a Flagger-shaped canary survives plan → Flagger → plan unchanged', () => {
    const original = ok(
      importPlan(fixture('flagger-canary.yaml'), undefined, {
        image: 'registry.platform.com/workflow-engine:v1.25.0',
      }),
    ).plan;
    const exported = exportPlan(original, 'flagger');
    expect(ok(importPlan(exported.yaml)).plan).toEqual(original);
  });

  it('a Flagger blue-green survives plan → Flagger → plan unchanged', () => {
    const original = plan({
      router: { kind: 'service-selector', service: 'workflow-engine' },
      strategy: {
        kind: 'blue-green',
        validation: {
          duration: '5m',
          interval: '1m',
          window: '1m',
          checks: [{ metric: 'error-rate', op: '>', threshold: 0.01 }],
          maxConsecutiveFailures: 1,
        },
      },
    });
    const back = ok(importPlan(exportPlan(original, 'flagger').yaml)).plan;
    expect(back.strategy).toEqual({ ...original.strategy, smoke: { checks: [] } });
    expect(back.router).toEqual(original.router);
  });
});

describe('export', () => {
  it.each(['argo', 'flagger'] as const)('writes %s YAML whose queries parse as PromQL', (to) => {
    for (const kind of ['canary', 'blue-green', 'rolling', 'ab-test', 'flag-rollout'] as const) {
      const { yaml, documents } = exportPlan(defaultPlan(kind, target), to);
      const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, unknown>);
      expect(docs).toEqual(documents);
      const queries = yaml.match(/query: .*/g) ?? [];
      for (const q of queries) expect(promqlErrors(q.slice('query: '.length)), q).toBe(0);
    }
  });

  it.each([
    ['argo', 'ab-test', 'strategy: ab-test header cohorts'],
    ['argo', 'blue-green', 'strategy.warmup and strategy.smoke: no Argo equivalent'],
    ['argo', 'flag-rollout', 'strategy: flag-rollout raises flag "workflow-engine-release"'],
    ['flagger', 'canary', 'rollbackTriggers: Flagger has no separate rollback triggers'],
    ['flagger', 'canary', 'analysis: metric "error-rate" has different thresholds per template'],
    ['flagger', 'rolling', 'strategy: a rolling update has no Flagger equivalent'],
  ] as const)('%s export of %s lists "%s"', (to, kind, text) => {
    const { unsupported, yaml } = exportPlan(defaultPlan(kind, target), to);
    expect(unsupported.some((u) => u.startsWith(text))).toBe(true);
    expect(yaml).toContain(`#  - ${text}`);
  });

  it('lists consecutive counting, which Argo cannot express', () => {
    const p = defaultPlan('canary', target);
    p.analysis.templates[0]!.metrics[0]!.consecutive = true;
    expect(exportPlan(p, 'argo').unsupported).toContain(
      'analysis.templates[0].metrics[0].consecutive: Argo Rollouts counts total failures only; exported as a total limit',
    );
  });

  it('exports rollback triggers as a background template that comes back as triggers', () => {
    const { documents } = exportPlan(defaultPlan('canary', target), 'argo');
    const triggers = documents.find(
      (d) => (d.metadata as { name: string }).name === 'switchyard-rollback-triggers',
    );
    expect(
      (triggers?.spec as { metrics: { successCondition: string; interval: string }[] }).metrics.map(
        (m) => `${m.successCondition} every ${m.interval}`,
      ),
    ).toEqual(['result[0] <= 0.02 every 15s', 'result[0] <= 1000 every 30s', 'result[0] < 3 every 30s']);
  });
});

describe('bad input', () => {
  it.each([
    [
      'kind: Deployment\nmetadata: {name: x}\n',
      'not an Argo Rollout, a Flagger Canary or runbook canary_rollout / ab_testing YAML',
    ],
    ['a: [\n', /^line \d+, column \d+: /],
  ])('%j is refused with a sentence', (text, message) => {
    const r = importPlan(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(message);
  });

  it('refuses a Rollout given as Flagger', () => {
    expect(importPlan(fixture('argo-rollout.yaml'), 'flagger')).toEqual({
      ok: false,
      errors: ['no Flagger Canary found (kind: Canary)'],
    });
  });
});

describe('hostile YAML', () => {
  it.each([['*unknown\n'], ['a: &a [1]\nb: [*a, *a, *a]\nc: &c [*b]\n']])(
    '%j is refused or read without throwing',
    (text) => {
      expect(() => importPlan(text)).not.toThrow();
      expect(() => parsePlan(text)).not.toThrow();
    },
  );
  it('refuses an alias bomb with a sentence', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(', ')}]`,
      ),
    ].join('\n');
    const r = parsePlan(bomb);
    expect(r.ok).toBe(false);
    expect(importPlan(bomb).ok).toBe(false);
  });
});
