import { z } from 'zod';

/**
 * A rolling update as pods, for the traffic panel: the new version's pods updated, ready and in all, read from
 * the workload's status (a Deployment's `status`), and the surge and unavailability the plan allows. Before the
 * first read the counts are null and the panel shows the intended end state, marked as such.
 */
export const RolloutViewSchema = z.object({
  /** `forward` while the new image rolls out; `undo` once the rollout is being (or was) undone. */
  direction: z.enum(['forward', 'undo']),
  /** The image the pods are being moved to (the previous one while undoing), e.g. `registry/app:v1.25.0`. */
  image: z.string(),
  /** spec.replicas; null before the first read. */
  desired: z.number().int().nullable(),
  /** Pods on the latest revision (status.updatedReplicas); null before the first read. */
  updated: z.number().int().nullable(),
  /** Ready pods of every revision (status.readyReplicas); null before the first read. */
  ready: z.number().int().nullable(),
  /** Available pods (status.availableReplicas); null before the first read. */
  available: z.number().int().nullable(),
  /** True while the controller has not yet seen the latest spec: the counts are those from before it. */
  stale: z.boolean().optional(),
  /** Every pod, old revisions included (status.replicas); null when not known. */
  pods: z.number().int().nullable(),
  /** The plan's maxSurge as given: a pod count, or a percentage string like `25%`. */
  maxSurge: z.union([z.number(), z.string()]),
  /** The plan's maxUnavailable as given: a pod count, or a percentage string like `25%`. */
  maxUnavailable: z.union([z.number(), z.string()]),
  /** What was read, e.g. `Deployment platform-production/workflow-engine status`; null before the first read. */
  source: z.string().nullable(),
  /** When the counts were read, milliseconds since the Unix epoch (on the release's clock); null before. */
  readAtMs: z.number().nullable(),
});
export type RolloutView = z.infer<typeof RolloutViewSchema>;

/** A header match as the plan states it: an exact value or a regular expression over the whole value. */
export const HeaderMatchViewSchema = z.object({
  header: z.string(),
  exact: z.string().optional(),
  regex: z.string().optional(),
});

/** One routing rule of an A/B test, in the order the router applies them (pins, then the cohort, then everyone else). */
export const CohortRuleViewSchema = z.object({
  kind: z.enum(['pin', 'cohort', 'default']),
  /** The requests the rule catches; absent for `default` (everyone else). */
  match: HeaderMatchViewSchema.optional(),
  /** Where the caught requests go: one variant at 100 %, or the cohort's weighted split (percent 0..100). */
  to: z.array(z.object({ variant: z.string(), weight: z.number() })),
  /** The share of all traffic the rule catches, percent 0..100; null when not known. */
  share: z.number().nullable(),
});
export type CohortRuleView = z.infer<typeof CohortRuleViewSchema>;

/** How an A/B test routes requests: its rules, its stickiness, and what the router says it does not do. */
export const CohortRoutingViewSchema = z.object({
  rules: z.array(CohortRuleViewSchema),
  /** The header that keeps a user on one variant, as the plan asks; null when the plan asks for none. */
  stickyHeader: z.string().nullable(),
  /** The router's own sentences about stickiness and what it cannot enforce; empty before it routed. */
  notes: z.array(z.string()),
  /** True once the router has routed the test (its notes are then known). */
  routed: z.boolean(),
});
export type CohortRoutingView = z.infer<typeof CohortRoutingViewSchema>;
