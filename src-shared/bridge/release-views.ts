import { z } from 'zod';
import { NamespaceName } from './connection-views.ts';

/** A release in the journal, for History. */
export const ReleaseListItemSchema = z
  .object({
    id: z.string(),
    planName: z.string(),
    strategy: z.string(),
    context: z.string(),
    namespace: z.string(),
    /** `running`, `paused`, `succeeded`, `aborted`, `rolledBack`, `failed`, or `unreadable`. */
    status: z.string(),
    /** True when the release ran on the sandbox (a rehearsal). */
    rehearsal: z.boolean(),
    startedAtMs: z.number(),
    savedAtMs: z.number(),
    /** Why the journal could not be read, for an unreadable release. */
    problem: z.string().optional(),
    /** The live process that drives the release now; absent when nothing does (a dead driver does not count). */
    driver: z
      .object({
        kind: z.enum(['console', 'run']),
        /** `web` or `electron` for a console. */
        shell: z.string().optional(),
        pid: z.number(),
        /** When it started driving the release (epoch milliseconds). */
        sinceMs: z.number(),
        /** True when this console drives it: its live view can be opened here. */
        here: z.boolean(),
        /** Who drives it, for people ("the console (web shell, pid 123) since …"). */
        description: z.string(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ReleaseListItem = z.infer<typeof ReleaseListItemSchema>;

/** One audit-log line as History shows it (hashes omitted). */
export const AuditLineSchema = z
  .object({ seq: z.number(), at: z.string(), who: z.string(), what: z.string(), why: z.string() })
  .strict();
export type AuditLine = z.infer<typeof AuditLineSchema>;

/** A point of the health timeline for one version. Rates are ratios 0..1, latencies milliseconds, null = no data. */
export const HealthPointSchema = z
  .object({
    atMs: z.number(),
    version: z.string(),
    /** A flag ramp: the feature-flag variant whose users these figures are of (`version` is then the version serving it). */
    variant: z.string().optional(),
    errorRate: z.number().nullable(),
    p95Ms: z.number().nullable(),
    p99Ms: z.number().nullable(),
    /** Requests per second. */
    rps: z.number().nullable(),
  })
  .strict();
export type HealthPoint = z.infer<typeof HealthPointSchema>;

/**
 * A behaviour fault injected into the sandbox for one version of one service, or (a flag ramp) for the
 * requests served one feature-flag variant.
 */
export const SandboxFaultSchema = z
  .object({
    namespace: NamespaceName.optional(),
    service: z.string().min(1).max(253),
    /** The image tag; may be left out when `variant` is given. */
    version: z.string().min(1).max(128).optional(),
    /** Only requests served this feature-flag variant (e.g. `on`) fail or slow down. */
    variant: z.string().min(1).max(128).optional(),
    /** Ratio 0..1 of requests answered 5xx. */
    errorRate: z.number().min(0).max(1).optional(),
    /** Milliseconds. */
    p95Ms: z.number().min(0).max(600_000).optional(),
    crashLoop: z.boolean().optional(),
    /** Image pulls of this version fail (ErrImagePull, then ImagePullBackOff); pods already running keep running. */
    imagePullFails: z.boolean().optional(),
    /** Containers are OOM-killed after turning ready, and restart with back-off. */
    oomKill: z.boolean().optional(),
    /** Seconds (sandbox time) from pod creation to the container running. */
    startupSeconds: z.number().min(0).max(86_400).optional(),
  })
  .strict()
  .refine((f) => f.version !== undefined || f.variant !== undefined, {
    error: 'a fault needs a version or a feature-flag variant',
    path: ['version'],
  });
export type SandboxFault = z.infer<typeof SandboxFaultSchema>;
