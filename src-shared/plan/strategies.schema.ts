import { z } from 'zod';
import {
  DurationSchema,
  ValidationCheckSchema,
  ValidationSchema,
  atLeast,
  between,
  name,
} from './analysis.schema.ts';

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
