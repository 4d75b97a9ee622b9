import { z } from 'zod';
import { isDuration } from './duration.ts';
import { FlagRolloutStrategySchema } from './flag-rollout.schema.ts';

const between = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` });
const atLeast = (min: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` });
const name = z.string({ error: 'must be a text' }).min(1, { error: 'must not be empty' });

/** A duration such as `"30s"`, `"10m"`, `"1h30m"`, `"14d"` (units ms, s, m, h, d); convert with `durationMs`. */
export const DurationSchema = z
  .string({ error: 'must be a duration such as 30s, 10m or 1h30m' })
  .refine(isDuration, {
    error: (iss) => `must be a duration such as 30s, 10m or 1h30m, got ${JSON.stringify(iss.input)}`,
  });

/** Comparison operators of conditions; `value <op> threshold`. */
export const ComparisonOpSchema = z.enum(['<', '<=', '>', '>=']);
export type ComparisonOp = z.infer<typeof ComparisonOpSchema>;

/** A machine-readable condition `value <op> threshold` (never a code string). */
export const ConditionSchema = z.strictObject({
  op: ComparisonOpSchema,
  /** In the metric's unit: ratio 0..1 for rates and saturation, milliseconds for latency, a count for restarts. */
  threshold: z.number({ error: 'must be a number' }),
});
export type Condition = z.infer<typeof ConditionSchema>;

/**
 * Built-in metric kinds and their units: `success-rate`, `error-rate` and `saturation` are ratios 0..1;
 * `latency-p95` / `latency-p99` are milliseconds; `pod-restarts` is a count over the window; `custom` is the query's own unit.
 */
export const MetricKindSchema = z.enum([
  'success-rate',
  'error-rate',
  'latency-p95',
  'latency-p99',
  'pod-restarts',
  'saturation',
  'custom',
]);
export type MetricKind = z.infer<typeof MetricKindSchema>;

/** One metric of an analysis template, counted as Argo Rollouts counts it. */
export const AnalysisMetricSchema = z
  .strictObject({
    /** Unique within its template. */
    name,
    kind: MetricKindSchema,
    /** PromQL, required for `custom`; placeholders `{{job}}`, `{{namespace}}`, `{{version}}`, `{{window}}` get escaped values. */
    query: z.string().min(1).optional(),
    /** Time between two measurements (a duration; the first is taken at once). */
    interval: DurationSchema.default('1m'),
    /** Number of measurements; the metric runs about `interval × count`. */
    count: atLeast(1).default(5),
    /** A measurement succeeds when `value <op> threshold`. */
    successCondition: ConditionSchema,
    /** The metric fails when failed measurements exceed this number. */
    failureLimit: atLeast(0).default(3),
    /** The metric is inconclusive when measurements with no data exceed this number (no data is never a pass). */
    inconclusiveLimit: atLeast(0).default(0),
    /** true: the limits count consecutive failures (a success resets the count); false: total failures. */
    consecutive: z.boolean().default(false),
    /** Rate window of the built-in queries (a duration). */
    window: DurationSchema.default('2m'),
  })
  .superRefine((m, ctx) => {
    if (m.kind === 'custom' && !m.query)
      ctx.addIssue({ code: 'custom', path: ['query'], message: 'is required for a custom metric' });
  });
export type AnalysisMetric = z.infer<typeof AnalysisMetricSchema>;

/** A named group of metrics; analysis steps refer to templates by name. */
export const AnalysisTemplateSchema = z.strictObject({
  name,
  metrics: z.array(AnalysisMetricSchema).min(1, { error: 'must list at least one metric' }),
});
export type AnalysisTemplate = z.infer<typeof AnalysisTemplateSchema>;

/** Fires a rollback when `value <op> threshold` holds continuously for `for` (for `pod-restarts`: restarts counted over `for`). */
export const RollbackTriggerSchema = z
  .strictObject({
    metric: MetricKindSchema,
    /** PromQL, required for `custom`. */
    query: z.string().min(1).optional(),
    op: ComparisonOpSchema.default('>'),
    /** In the metric's unit (ratio, milliseconds or count). */
    threshold: z.number({ error: 'must be a number' }),
    /** How long the breach must last (a duration). */
    for: DurationSchema,
  })
  .superRefine((t, ctx) => {
    if (t.metric === 'custom' && !t.query)
      ctx.addIssue({ code: 'custom', path: ['query'], message: 'is required for a custom metric' });
  });
export type RollbackTrigger = z.infer<typeof RollbackTriggerSchema>;

/** A post-switch or post-rollout check: breached when `value <op> threshold`; `fail` aborts, `warn` only reports. */
export const ValidationCheckSchema = z.strictObject({
  metric: MetricKindSchema,
  query: z.string().min(1).optional(),
  op: ComparisonOpSchema.default('>'),
  threshold: z.number({ error: 'must be a number' }),
  severity: z.enum(['fail', 'warn']).default('fail'),
});
export type ValidationCheck = z.infer<typeof ValidationCheckSchema>;

/** Watches production after the change: each check every `interval` for `duration`. */
export const ValidationSchema = z.strictObject({
  /** Total watch time (a duration). */
  duration: DurationSchema,
  /** Time between checks (a duration). */
  interval: DurationSchema,
  /** Rate window of the queries (a duration). */
  window: DurationSchema.default('5m'),
  checks: z.array(ValidationCheckSchema),
  /** Fails after more than this many consecutive breached `fail` checks. */
  maxConsecutiveFailures: atLeast(0).default(0),
});
export type Validation = z.infer<typeof ValidationSchema>;

const CanaryStepInput = z
  .strictObject({
    /** Percentage of traffic (0..100) sent to the canary. */
    setWeight: between(0, 100).optional(),
    /** Waits `duration`, or until promoted when it has none. */
    pause: z.strictObject({ duration: DurationSchema.optional() }).optional(),
    /** Runs the named analysis templates to completion. */
    analysis: z
      .strictObject({ templates: z.array(name).min(1, { error: 'must name at least one template' }) })
      .optional(),
  })
  .superRefine((s, ctx) => {
    const keys = ['setWeight', 'pause', 'analysis'].filter((k) => s[k as keyof typeof s] !== undefined);
    if (keys.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          keys.length === 0
            ? 'a step needs exactly one of setWeight, pause or analysis'
            : `a step needs exactly one of setWeight, pause or analysis, got ${keys.join(' and ')}`,
      });
    }
  });

/** One canary step: `{setWeight}` (percent 0..100), `{pause: {duration?}}` (none = until promoted), `{analysis: {templates}}`. */
export type CanaryStep =
  { setWeight: number } | { pause: { duration?: string } } | { analysis: { templates: string[] } };

export const CanaryStepSchema = CanaryStepInput.transform((s): CanaryStep => {
  if (s.setWeight !== undefined) return { setWeight: s.setWeight };
  if (s.pause !== undefined)
    return { pause: s.pause.duration === undefined ? {} : { duration: s.pause.duration } };
  return { analysis: { templates: s.analysis?.templates ?? [] } };
});

/** A header match: exactly one of `exact` or `regex` (RE2 syntax as Istio and Gateway API use). */
export const HeaderMatchSchema = z
  .strictObject({ header: name, exact: z.string().optional(), regex: z.string().optional() })
  .superRefine((m, ctx) => {
    if ((m.exact === undefined) === (m.regex === undefined))
      ctx.addIssue({ code: 'custom', message: 'needs exactly one of exact or regex' });
  });
export type HeaderMatch = z.infer<typeof HeaderMatchSchema>;

export const BlueGreenStrategySchema = z.strictObject({
  kind: z.literal('blue-green'),
  /** How long to wait for the idle colour to become ready (a duration). */
  readyTimeout: DurationSchema.default('600s'),
  /** Requests sent to `path` on the idle colour before any switch, `intervalMs` milliseconds apart. */
  warmup: z
    .strictObject({
      path: z.string().default('/health/ready'),
      requests: atLeast(0).default(100),
      intervalMs: atLeast(0).default(100),
    })
    .prefault({}),
  /** Smoke checks against the idle colour: HTTP paths that must answer `expectStatus`, and/or a command (argv). */
  smoke: z
    .strictObject({
      checks: z
        .array(z.strictObject({ path: z.string(), expectStatus: atLeast(100).default(200) }))
        .default([]),
      command: z.array(z.string()).min(1).optional(),
    })
    .prefault({}),
  /** Wait after the switch before validating (a duration). */
  settle: DurationSchema.default('30s'),
  /** Connection draining time for the old colour (a duration). */
  drain: DurationSchema.default('30s'),
  /** Runbook default: over a 5m window, error rate above 1 % fails, p95 above 1000 ms warns. */
  validation: ValidationSchema.prefault({
    duration: '5m',
    interval: '1m',
    checks: [
      { metric: 'error-rate', op: '>', threshold: 0.01, severity: 'fail' },
      { metric: 'latency-p95', op: '>', threshold: 1000, severity: 'warn' },
    ],
  }),
  /** Switch automatically once smoke checks pass; false waits for the operator to promote. */
  autoPromote: z.boolean().default(true),
  /** Service that reaches the idle colour for smoke checks, when the router needs one (Argo `previewService`). */
  previewService: z.string().optional(),
  /** Keep the previous colour running for an instant rollback; false scales it to 0 after `scaleDownDelay`. */
  keepPrevious: z.boolean().default(true),
  /**
   * How long after the switch the previous colour stays at full size before it is scaled to 0 (a duration,
   * Argo Rollouts' `scaleDownDelaySeconds`); only used with `keepPrevious: false`. It is never scaled down
   * before the validation passed.
   */
  scaleDownDelay: DurationSchema.default('30s'),
});

export const CanaryStrategySchema = z.strictObject({
  kind: z.literal('canary'),
  steps: z.array(CanaryStepSchema).min(1, { error: 'must list at least one step' }),
  /** Templates run in the background from step `startingStep` (0-based) until the end; their failure aborts. */
  background: z
    .strictObject({ templates: z.array(name).min(1), startingStep: atLeast(0).default(0) })
    .optional(),
  /**
   * How long a weight step waits for the canary pods that weight needs to be ready before any traffic goes to
   * them (a duration; absent = the runbook's 600s). Never ready in time aborts; traffic stays on stable.
   */
  readyTimeout: DurationSchema.optional(),
});

/** The runbook's default wait for pods to become ready before they get traffic (a duration). */
export const DEFAULT_READY_TIMEOUT = '600s';

const podCount = z.union([
  atLeast(0),
  z.string().regex(/^\d+%$/, { error: 'must be a count or a percentage like 25%' }),
]);

export const RollingStrategySchema = z.strictObject({
  kind: z.literal('rolling'),
  /** Extra pods above the desired count during the update (count, or a percentage string like "25%"). */
  maxSurge: podCount.default(5),
  /** Pods that may be unavailable during the update (count or percentage string). */
  maxUnavailable: podCount.default(2),
  /** Seconds a new pod must be ready before it counts as available. */
  minReadySeconds: atLeast(0).default(30),
  /** Seconds without progress before the rollout counts as failed. */
  progressDeadlineSeconds: atLeast(1).default(600),
  /** Runbook default: 300 s, every 30 s, error rate above 2 % or p95 above 500 ms fails after more than 3 consecutive breaches. */
  validation: ValidationSchema.prefault({
    duration: '300s',
    interval: '30s',
    checks: [
      { metric: 'error-rate', op: '>', threshold: 0.02, severity: 'fail' },
      { metric: 'latency-p95', op: '>', threshold: 500, severity: 'fail' },
    ],
    maxConsecutiveFailures: 3,
  }),
});

export const AbVariantSchema = z.strictObject({
  /** e.g. `control`, `treatment`. */
  name,
  /** The version label value (and subset) that serves this variant, e.g. `v1.25.0`. */
  version: name,
  /** Percentage 0..100 of the cohort's traffic. */
  weight: between(0, 100),
  /** Image of this variant; defaults to the target's image for the non-default variant. */
  image: z.string().optional(),
});
export type AbVariant = z.infer<typeof AbVariantSchema>;

export const AbTestStrategySchema = z.strictObject({
  kind: z.literal('ab-test'),
  variants: z.array(AbVariantSchema).min(2, { error: 'must list at least two variants' }),
  /** Requests that join the experiment; the others get `defaultVariant`. */
  cohort: HeaderMatchSchema,
  /** Requests always sent to one variant (e.g. premium users to treatment). */
  pins: z.array(z.strictObject({ match: HeaderMatchSchema, variant: name })).default([]),
  defaultVariant: name,
  /** Header whose value keeps a user on one variant. */
  stickyHeader: z.string().optional(),
  primaryMetrics: z
    .array(
      z.strictObject({
        name,
        goal: z.enum(['maximize', 'minimize']),
        /** Smallest relative change worth acting on, as a ratio (0.05 = 5 %). */
        minEffect: z.number().positive({ error: 'must be above 0' }),
        /** PromQL counting successes (conversions) per variant; `{{variant}}` is replaced. */
        successQuery: z.string().optional(),
        /** PromQL counting trials (requests or users) per variant; `{{variant}}` is replaced. */
        totalQuery: z.string().optional(),
      }),
    )
    .min(1, { error: 'must list at least one primary metric' }),
  /** Guardrails: the test stops when `value <op> threshold` for any variant. */
  guardrails: z.array(ValidationCheckSchema).default([]),
  /** Planned length (a duration, e.g. "14d"). */
  duration: DurationSchema.default('14d'),
  /**
   * How long the treatment's pods may take to become ready before the cohort is routed to them (a duration;
   * absent = the runbook's 600s). Never ready in time stops the test; everyone stays on stable.
   */
  readyTimeout: DurationSchema.optional(),
  /** Confidence level of the two-sided test, e.g. 0.95. */
  confidenceLevel: z
    .number()
    .gt(0.5, { error: 'must be between 0.5 and 1' })
    .lt(1, { error: 'must be between 0.5 and 1' })
    .default(0.95),
});

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
  if (s.kind === 'flag-rollout') {
    s.steps.forEach((step, i) => {
      if ('analysis' in step)
        known(step.analysis.templates, ['strategy', 'steps', i, 'analysis', 'templates']);
    });
    const prereqs = s.prerequisites.map((p) => p.flag);
    prereqs.forEach((f, i) => {
      if (f === s.flag)
        ctx.addIssue({
          code: 'custom',
          path: ['strategy', 'prerequisites', i, 'flag'],
          message: `a flag cannot be its own prerequisite ("${f}")`,
        });
    });
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
