import { z } from 'zod';
import {
  AnalysisTemplateSchema,
  type MetricKind,
  RollbackTriggerSchema,
  atLeast,
  name,
} from './analysis.schema.ts';
import {
  AbTestStrategySchema,
  BlueGreenStrategySchema,
  CanaryStrategySchema,
  RollingStrategySchema,
} from './strategies.schema.ts';
import { FlagRampSchema, FlagRolloutStrategySchema } from './flag-rollout.schema.ts';

// Moved pieces, re-exported so the many importers of the plan schema stay as they are.
export { MetricKindSchema } from './analysis.schema.ts';
export type {
  ComparisonOp,
  Condition,
  MetricKind,
  AnalysisMetric,
  AnalysisTemplate,
  RollbackTrigger,
  ValidationCheck,
  Validation,
} from './analysis.schema.ts';
export { DEFAULT_READY_TIMEOUT } from './strategies.schema.ts';
export type { CanaryStep, HeaderMatch, AbVariant } from './strategies.schema.ts';

export { FlagRolloutStrategySchema };

/** The strategy, discriminated by `kind`. */
export const StrategySchema = z.discriminatedUnion('kind', [
  BlueGreenStrategySchema,
  CanaryStrategySchema,
  RollingStrategySchema,
  AbTestStrategySchema,
  FlagRolloutStrategySchema,
]);
export type Strategy = z.infer<typeof StrategySchema>;
export type StrategyKind = Strategy['kind'];
export const STRATEGY_KINDS = [
  'blue-green',
  'canary',
  'rolling',
  'ab-test',
  'flag-rollout',
] as const satisfies readonly StrategyKind[];
/** Strategies a flag ramp (`flagRamp`) may follow: those that deploy code. */
export const FLAG_RAMP_AFTER: readonly StrategyKind[] = ['rolling', 'canary', 'blue-green'];
export type BlueGreenStrategy = z.infer<typeof BlueGreenStrategySchema>;
export type CanaryStrategy = z.infer<typeof CanaryStrategySchema>;
export type RollingStrategy = z.infer<typeof RollingStrategySchema>;
export type AbTestStrategy = z.infer<typeof AbTestStrategySchema>;
export type FlagRolloutStrategy = z.infer<typeof FlagRolloutStrategySchema>;

/** How traffic is split between versions, discriminated by `kind`. */
export const RouterSchema = z.discriminatedUnion('kind', [
  /** One Service whose selector label (`versionLabel`) is switched between versions (blue-green, rolling). */
  z.strictObject({
    kind: z.literal('service-selector'),
    service: name,
    versionLabel: z.string().default('version'),
  }),
  /** Istio: weights on route `route` of `virtualService` across `destinationRule` subsets. */
  z.strictObject({
    kind: z.literal('istio'),
    virtualService: name,
    destinationRule: name,
    route: z.string().default('primary'),
    stableSubset: z.string().default('stable'),
    canarySubset: z.string().default('canary'),
  }),
  /** Gateway API: weights on the backendRefs of `httpRoute`. */
  z.strictObject({
    kind: z.literal('gateway-api'),
    httpRoute: name,
    backendRefs: z.strictObject({ stable: name, canary: name, port: atLeast(1).optional() }),
  }),
  /** No router: the canary weight is approximated by the ratio of canary to total replicas (precision 1/replicas). */
  z.strictObject({ kind: z.literal('replica-ratio'), replicas: atLeast(1).optional() }),
]);
export type Router = z.infer<typeof RouterSchema>;
export type RouterKind = Router['kind'];
export const ROUTER_KINDS = [
  'service-selector',
  'istio',
  'gateway-api',
  'replica-ratio',
] as const satisfies readonly RouterKind[];

/** The workload being released. */
export const TargetSchema = z.strictObject({
  /** kubeconfig context; absent = the current context. */
  context: z.string().optional(),
  namespace: name,
  kind: z.enum(['Deployment', 'Rollout']).default('Deployment'),
  name,
  /** Container whose image changes; absent = the first container. */
  container: z.string().optional(),
  /** The new image, e.g. `registry.platform.com/workflow-engine:v1.25.0`. */
  image: name,
  /** Prometheus `job` label of the service's metrics; absent = `name`. */
  job: z.string().optional(),
});
export type Target = z.infer<typeof TargetSchema>;

/** What a migration gate runs: a Kubernetes Job (argv) or a manual step the operator confirms. */
export const GateActionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('job'),
    image: z.string().optional(),
    command: z.array(z.string()).min(1, { error: 'must have at least one word' }),
  }),
  z.strictObject({ kind: z.literal('manual'), instructions: name }),
]);
export type GateAction = z.infer<typeof GateActionSchema>;

/** Expand → deploy → contract around the strategy; contract always waits for an explicit confirmation. */
export const MigrationSchema = z.strictObject({
  expand: z.strictObject({ action: GateActionSchema }).optional(),
  contract: z
    .strictObject({
      action: GateActionSchema,
      requireConfirmation: z
        .literal(true, { error: 'must be true: the contract phase always needs a confirmation' })
        .default(true),
    })
    .optional(),
});
export type Migration = z.infer<typeof MigrationSchema>;

export const PLAN_API_VERSION = 'switchyard.dev/v1';

/** One release of one workload. Parse with `parsePlan`, which reports every problem at once. */
export const ReleasePlanSchema = z
  .strictObject({
    apiVersion: z.literal(PLAN_API_VERSION).default(PLAN_API_VERSION),
    kind: z.literal('ReleasePlan').default('ReleasePlan'),
    name,
    description: z.string().optional(),
    target: TargetSchema,
    router: RouterSchema,
    strategy: StrategySchema,
    analysis: z
      .strictObject({ templates: z.array(AnalysisTemplateSchema).default([]) })
      .default({ templates: [] }),
    rollbackTriggers: z.array(RollbackTriggerSchema).default([]),
    migration: MigrationSchema.optional(),
    /**
     * Flag with deploy: after `strategy` has deployed the code dark (the flag off), ramp this flag, as one
     * release with one journal. Only after a strategy that deploys code (rolling, canary, blue-green).
     */
    flagRamp: FlagRampSchema.optional(),
    /** When analysis fails: abort (roll back) or pause for the operator. */
    onFailure: z.enum(['abort', 'pause']).default('abort'),
    /** When analysis is inconclusive: pause for the operator or abort. */
    onInconclusive: z.enum(['pause', 'abort']).default('pause'),
  })
  .superRefine((plan, ctx) => checkPlan(plan, ctx));

export type ReleasePlan = z.infer<typeof ReleasePlanSchema>;
/** A plan as written on disk, before defaults are applied. */
export type ReleasePlanInput = z.input<typeof ReleasePlanSchema>;

const RATIO_METRICS: ReadonlySet<MetricKind> = new Set(['success-rate', 'error-rate', 'saturation']);

/** A threshold no value of its metric can meet or breach as meant: a ratio outside 0..1, a negative latency or count. */
function impossibleThreshold(metric: MetricKind, threshold: number): string | null {
  if (RATIO_METRICS.has(metric) && (threshold < 0 || threshold > 1))
    return `${metric} is a ratio between 0 and 1 (0.02 = 2 %), got ${threshold}`;
  if ((metric === 'latency-p95' || metric === 'latency-p99') && threshold < 0)
    return `${metric} is in milliseconds and cannot be negative, got ${threshold}`;
  if (metric === 'pod-restarts' && threshold < 0)
    return `pod-restarts is a count and cannot be negative, got ${threshold}`;
  return null;
}

function checkThresholds(plan: z.infer<typeof ReleasePlanSchema>, ctx: z.RefinementCtx): void {
  const check = (metric: MetricKind, threshold: number, path: (string | number)[]) => {
    const problem = impossibleThreshold(metric, threshold);
    if (problem) ctx.addIssue({ code: 'custom', path, message: problem });
  };
  plan.analysis.templates.forEach((t, i) =>
    t.metrics.forEach((m, j) =>
      check(m.kind, m.successCondition.threshold, [
        'analysis',
        'templates',
        i,
        'metrics',
        j,
        'successCondition',
        'threshold',
      ]),
    ),
  );
  plan.rollbackTriggers.forEach((t, i) => check(t.metric, t.threshold, ['rollbackTriggers', i, 'threshold']));
  const s = plan.strategy;
  if (s.kind === 'blue-green' || s.kind === 'rolling')
    s.validation.checks.forEach((c, i) =>
      check(c.metric, c.threshold, ['strategy', 'validation', 'checks', i, 'threshold']),
    );
  if (s.kind === 'ab-test')
    s.guardrails.forEach((g, i) => check(g.metric, g.threshold, ['strategy', 'guardrails', i, 'threshold']));
}

function checkPlan(plan: z.infer<typeof ReleasePlanSchema>, ctx: z.RefinementCtx): void {
  checkThresholds(plan, ctx);
  const templates = new Set<string>();
  plan.analysis.templates.forEach((t, i) => {
    if (templates.has(t.name))
      ctx.addIssue({
        code: 'custom',
        path: ['analysis', 'templates', i, 'name'],
        message: `"${t.name}" is used by another template`,
      });
    templates.add(t.name);
    const metrics = new Set<string>();
    t.metrics.forEach((m, j) => {
      if (metrics.has(m.name))
        ctx.addIssue({
          code: 'custom',
          path: ['analysis', 'templates', i, 'metrics', j, 'name'],
          message: `"${m.name}" is used by another metric of this template`,
        });
      metrics.add(m.name);
    });
  });
  const known = (names: readonly string[], path: (string | number)[]) =>
    names.forEach((n, k) => {
      if (!templates.has(n))
        ctx.addIssue({ code: 'custom', path: [...path, k], message: `no analysis template is named "${n}"` });
    });
  const s = plan.strategy;
  if (s.kind === 'canary') {
    s.steps.forEach((step, i) => {
      if ('analysis' in step)
        known(step.analysis.templates, ['strategy', 'steps', i, 'analysis', 'templates']);
    });
    if (s.background) {
      known(s.background.templates, ['strategy', 'background', 'templates']);
      if (s.background.startingStep >= s.steps.length)
        ctx.addIssue({
          code: 'custom',
          path: ['strategy', 'background', 'startingStep'],
          message: `must be below the number of steps (${s.steps.length}), got ${s.background.startingStep}`,
        });
    }
  }
  const checkRamp = (ramp: FlagRolloutStrategy, at: string) => {
    ramp.steps.forEach((step, i) => {
      if ('analysis' in step) known(step.analysis.templates, [at, 'steps', i, 'analysis', 'templates']);
    });
    ramp.prerequisites.forEach((p, i) => {
      if (p.flag === ramp.flag)
        ctx.addIssue({
          code: 'custom',
          path: [at, 'prerequisites', i, 'flag'],
          message: `a flag cannot be its own prerequisite ("${p.flag}")`,
        });
    });
  };
  if (s.kind === 'flag-rollout') checkRamp(s, 'strategy');
  if (plan.flagRamp) {
    if (!FLAG_RAMP_AFTER.includes(s.kind))
      ctx.addIssue({
        code: 'custom',
        path: ['flagRamp'],
        message: `a flag ramp follows a strategy that deploys code (rolling, canary or blue-green), got ${s.kind}`,
      });
    checkRamp(plan.flagRamp, 'flagRamp');
  }

  if (s.kind === 'ab-test') {
    const names = s.variants.map((v) => v.name);
    const total = s.variants.reduce((sum, v) => sum + v.weight, 0);
    if (Math.abs(total - 100) > 1e-9)
      ctx.addIssue({
        code: 'custom',
        path: ['strategy', 'variants'],
        message: `weights must add up to 100, got ${total}`,
      });
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['strategy', 'variants', i, 'name'],
          message: `"${n}" is used by another variant`,
        });
    });
    if (!names.includes(s.defaultVariant))
      ctx.addIssue({
        code: 'custom',
        path: ['strategy', 'defaultVariant'],
        message: `must name one of the variants (${names.join(', ')}), got "${s.defaultVariant}"`,
      });
    s.pins.forEach((p, i) => {
      if (!names.includes(p.variant))
        ctx.addIssue({
          code: 'custom',
          path: ['strategy', 'pins', i, 'variant'],
          message: `must name one of the variants (${names.join(', ')}), got "${p.variant}"`,
        });
    });
    if (plan.router.kind !== 'istio' && plan.router.kind !== 'gateway-api')
      ctx.addIssue({
        code: 'custom',
        path: ['router', 'kind'],
        message: `an A/B test routes by header, which needs istio or gateway-api, got ${plan.router.kind}`,
      });
  }
  if (s.kind === 'canary' && plan.router.kind === 'service-selector')
    ctx.addIssue({
      code: 'custom',
      path: ['router', 'kind'],
      message:
        'a canary needs weighted traffic: use istio, gateway-api or replica-ratio, got service-selector',
    });
}
