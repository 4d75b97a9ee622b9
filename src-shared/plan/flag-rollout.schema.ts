import { z } from 'zod';
import { DurationSchema as duration, between, name } from './analysis.schema.ts';

const percent = between(0, 100);

/** An ISO 8601 date-time with its zone (`Z` or `+02:00`), so everyone reads the same instant. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const instant = z
  .string({ error: 'must be a date and time such as 2026-12-07T09:00:00+01:00' })
  .refine((s) => ISO_INSTANT.test(s) && !Number.isNaN(Date.parse(s)), {
    error: (iss) =>
      `must be a date and time with its zone such as 2026-12-07T09:00:00+01:00 or 2026-12-07T08:00:00Z, got ${JSON.stringify(iss.input)}`,
  });

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Where the flag lives: an OpenFeature Operator `FeatureFlag` object, or an Unleash project and environment. */
export const FlagProviderRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('openfeature'),
    /** Namespace of the FeatureFlag object; absent = the target's namespace. */
    namespace: z.string().min(1).optional(),
    /** Name of the `FeatureFlag` object (core.openfeature.dev/v1beta1) holding the flag. */
    name,
  }),
  z.strictObject({
    kind: z.literal('unleash'),
    /** Base URL of the Unleash server, e.g. `https://unleash.example.com`. */
    url: z.url({ error: 'must be a URL such as https://unleash.example.com' }),
    project: name.default('default'),
    environment: name,
    /** Name of the environment variable holding the admin token (the token itself is never in a plan). */
    tokenEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' })
      .optional(),
    /** Name of the OS keychain entry holding the admin token. */
    tokenSecret: z.string().min(1).optional(),
  }),
]);
export type FlagProviderRef = z.infer<typeof FlagProviderRefSchema>;

/** Users-targeting rule: users whose `attribute` matches get the new variant before any percentage. */
export const FlagSegmentSchema = z.strictObject({
  /** A name people read, e.g. `beta testers`. */
  name,
  /** The evaluation-context attribute, e.g. `email`, `tier`, `region`, `orgId`. */
  attribute: name,
  operator: z.enum(['in', 'not_in', 'ends_with', 'starts_with']).default('in'),
  values: z.array(name).min(1, { error: 'must list at least one value' }),
  /** The variant matching users get; absent = the plan's new variant. */
  variant: z.string().min(1).optional(),
});
export type FlagSegmentPlan = z.infer<typeof FlagSegmentSchema>;

/** Another flag that must be fully on (`percent: 100`) or serve `variant` before this one moves. */
export const FlagPrerequisiteSchema = z
  .strictObject({
    flag: name,
    percent: z.literal(100, { error: 'must be 100 (the other flag fully on)' }).optional(),
    variant: z.string().min(1).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.percent !== undefined && p.variant !== undefined)
      ctx.addIssue({ code: 'custom', message: 'needs percent: 100 or a variant, not both' });
  });
export type FlagPrerequisite = z.infer<typeof FlagPrerequisiteSchema>;

const FlagStepInput = z
  .strictObject({
    /** Percent (0..100) of users served the new variant. */
    setPercentage: percent.optional(),
    /** Waits `duration`, or until promoted when it has none. */
    pause: z.strictObject({ duration: duration.optional() }).optional(),
    /** Runs the named analysis templates (queries select the new variant) to completion. */
    analysis: z
      .strictObject({ templates: z.array(name).min(1, { error: 'must name at least one template' }) })
      .optional(),
    /** The step starts no earlier than this wall-clock time (ISO 8601 with zone). */
    at: instant.optional(),
  })
  .superRefine((s, ctx) => {
    const keys = ['setPercentage', 'pause', 'analysis'].filter((k) => s[k as keyof typeof s] !== undefined);
    if (keys.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message:
          keys.length === 0
            ? 'a step needs exactly one of setPercentage, pause or analysis'
            : `a step needs exactly one of setPercentage, pause or analysis, got ${keys.join(' and ')}`,
      });
  });

/** One flag ramp step, optionally scheduled: `{setPercentage}`, `{pause: {duration?}}`, `{analysis: {templates}}`. */
export type FlagStep = (
  { setPercentage: number } | { pause: { duration?: string } } | { analysis: { templates: string[] } }
) & { at?: string };

function toStep(s: z.infer<typeof FlagStepInput>): FlagStep {
  const at = s.at === undefined ? {} : { at: s.at };
  if (s.setPercentage !== undefined) return { setPercentage: s.setPercentage, ...at };
  if (s.pause !== undefined)
    return { pause: s.pause.duration === undefined ? {} : { duration: s.pause.duration }, ...at };
  return { analysis: { templates: s.analysis?.templates ?? [] }, ...at };
}

const FlagRolloutInput = z.strictObject({
  kind: z.literal('flag-rollout'),
  /** The flag system; absent only in plans written before providers existed (preflight then refuses to run). */
  provider: FlagProviderRefSchema.optional(),
  /** Feature flag key. */
  flag: name,
  /** The variant being ramped up. */
  newVariant: name.default('on'),
  /** The variant everyone else gets, and everyone after the kill switch. */
  offVariant: name.default('off'),
  /** Label of the variant on HTTP metrics (OpenTelemetry `feature_flag.variant`, as Prometheus names it). */
  variantLabel: z
    .string()
    .regex(LABEL_NAME, { error: 'must be a Prometheus label name such as feature_flag_variant' })
    .default('feature_flag_variant'),
  steps: z.array(FlagStepInput).min(1, { error: 'must list at least one step' }).optional(),
  /** Users-targeting rules applied before the first percentage. */
  segments: z.array(FlagSegmentSchema).default([]),
  /** Flags that must be on before each move of this one. */
  prerequisites: z.array(FlagPrerequisiteSchema).default([]),
  /** Flag evaluation failures serve the old behaviour; always true. */
  failClosed: z.literal(true, { error: 'must be true: flag evaluation always fails closed' }).default(true),
  /** Old form: percentages raised through, each held for `stepDuration` (converted to `steps`). */
  percentages: z.array(percent).min(1, { error: 'must list at least one percentage' }).optional(),
  /** Old form: time at each percentage (a duration). */
  stepDuration: duration.optional(),
  /** Old form: analysis templates run at each percentage. */
  analysis: z.array(name).optional(),
});

/** The old form's steps: each percentage, then its analysis (or a pause of `stepDuration` without any). */
function legacySteps(s: FlagRolloutParsed): FlagStep[] {
  const analysis = s.analysis ?? [];
  return (s.percentages ?? []).flatMap((p): FlagStep[] => [
    { setPercentage: p },
    analysis.length > 0
      ? { analysis: { templates: [...analysis] } }
      : { pause: { duration: s.stepDuration ?? '10m' } },
  ]);
}

type FlagRolloutParsed = Omit<z.infer<typeof FlagRolloutInput>, 'kind'> & { kind?: 'flag-rollout' };

function checkFlagRollout(s: FlagRolloutParsed, ctx: z.RefinementCtx): void {
  const legacy = s.percentages !== undefined || s.stepDuration !== undefined || s.analysis !== undefined;
  if (legacy && s.steps !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['steps'],
      message: 'use steps, or the old percentages/stepDuration/analysis, not both',
    });
  else if (!legacy && s.steps === undefined)
    ctx.addIssue({ code: 'custom', path: ['steps'], message: 'must list at least one step' });
  else if (legacy && s.percentages === undefined)
    ctx.addIssue({ code: 'custom', path: ['percentages'], message: 'must list at least one percentage' });
  if (s.newVariant === s.offVariant)
    ctx.addIssue({
      code: 'custom',
      path: ['offVariant'],
      message: `must differ from newVariant "${s.newVariant}"`,
    });
}

function toFlagRollout(s: FlagRolloutParsed) {
  return {
    kind: 'flag-rollout' as const,
    ...(s.provider ? { provider: s.provider } : {}),
    flag: s.flag,
    newVariant: s.newVariant,
    offVariant: s.offVariant,
    variantLabel: s.variantLabel,
    steps: s.steps ? s.steps.map(toStep) : legacySteps(s),
    segments: s.segments,
    prerequisites: s.prerequisites,
    failClosed: s.failClosed,
  };
}

/**
 * A feature-flag ramp: the provider, the flag and its variants, canary-like steps (optionally scheduled),
 * users-targeting segments first and prerequisite flags. Plans in the old form (`percentages`,
 * `stepDuration`, `analysis`) are converted to steps.
 */
export const FlagRolloutStrategySchema =
  FlagRolloutInput.superRefine(checkFlagRollout).transform(toFlagRollout);

/**
 * A plan's `flagRamp`: the same ramp as a `flag-rollout` strategy (its `kind` may be left out), run after the
 * plan's strategy has deployed the code dark (flag off), as one release with one journal.
 */
export const FlagRampSchema = FlagRolloutInput.extend({
  kind: z.literal('flag-rollout').optional(),
})
  .superRefine(checkFlagRollout)
  .transform(toFlagRollout);
export type FlagRolloutPlanStrategy = z.output<typeof FlagRolloutStrategySchema>;

/** A short label of a flag ramp step, e.g. `flag at 10 %`, `pause 10m`, `analysis initial-canary`, with its schedule. */
export function flagStepLabel(step: FlagStep): string {
  const what =
    'setPercentage' in step
      ? `flag at ${step.setPercentage} %`
      : 'pause' in step
        ? step.pause.duration
          ? `pause ${step.pause.duration}`
          : 'pause until promoted'
        : `analysis ${step.analysis.templates.join(', ')}`;
  return step.at ? `${what} from ${step.at}` : what;
}
