import { z } from 'zod';

/** Which preflight check produced a finding. */
export const PreflightCheckSchema = z.enum(['query', 'access', 'dryRun', 'zeroDowntime', 'routing']);
export type PreflightCheck = z.infer<typeof PreflightCheckSchema>;

/** `blocker`: the release must not start; `warning`: it may, at the stated risk; `info`: nothing to fix. */
export const PreflightSeveritySchema = z.enum(['blocker', 'warning', 'info']);
export type PreflightSeverity = z.infer<typeof PreflightSeveritySchema>;

/** The part of the plan a finding endangers: a strategy step (0-based index) or a release-wide part. */
export const PlanStepRefSchema = z.object({
  /** 0-based index into the canary's `steps`; null for release-wide parts (triggers, switch, rollout). */
  index: z.number().int().nullable(),
  /** E.g. `step 2: analysis initial-canary`, `rollback trigger error-rate`, `switch to the new colour`. */
  label: z.string(),
});
export type PlanStepRef = z.infer<typeof PlanStepRefSchema>;

/** One thing preflight found, explained in plain sentences. */
export const PreflightFindingSchema = z.object({
  /** Stable id, e.g. `query:initial-canary/error-rate`, `access:update/virtualservices`, `zero-downtime:pdb`. */
  id: z.string(),
  check: PreflightCheckSchema,
  severity: PreflightSeveritySchema,
  /** A short headline, e.g. `No PodDisruptionBudget`. */
  title: z.string(),
  /** What is wrong, why it matters for this release, and what to do. */
  explanation: z.string(),
  /** The plan steps this endangers (empty when none in particular). */
  steps: z.array(PlanStepRefSchema),
  /** The query as run (with its arguments filled in), for query findings. */
  query: z.string().optional(),
});
export type PreflightFinding = z.infer<typeof PreflightFindingSchema>;

/** A check that passed, for the list of what was verified. */
export const PreflightPassSchema = z.object({
  id: z.string(),
  check: PreflightCheckSchema,
  /** E.g. `error-rate of initial-canary returned 0.002`. */
  title: z.string(),
});
export type PreflightPass = z.infer<typeof PreflightPassSchema>;

/** The outcome of preflight for one plan. */
export const PreflightResultSchema = z.object({
  planName: z.string(),
  /** `namespace/name` of the workload. */
  workload: z.string(),
  /** When the checks ran, milliseconds since the Unix epoch. */
  checkedAtMs: z.number(),
  /** True when no finding is a blocker. */
  ok: z.boolean(),
  findings: z.array(PreflightFindingSchema),
  passed: z.array(PreflightPassSchema),
});
export type PreflightResult = z.infer<typeof PreflightResultSchema>;
