import { z } from 'zod';
import { isDuration } from './duration.ts';

/** Number rules shared by the plan's fields. */
export const between = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` });
export const atLeast = (min: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` });
export const name = z.string({ error: 'must be a text' }).min(1, { error: 'must not be empty' });

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
