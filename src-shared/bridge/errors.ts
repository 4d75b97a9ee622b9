import { z } from 'zod';

/**
 * Every failure that crosses the bridge. Adapter errors keep their domain kind
 * (`unauthorized` … `timeout`); the bridge adds its own for bad messages.
 */
export const BridgeErrorKindSchema = z.enum([
  'badRequest',
  'unknownChannel',
  'tooLarge',
  'invalidConfig',
  'invalidPlan',
  'unauthorized',
  'forbidden',
  'notFound',
  'conflict',
  'unreachable',
  'timeout',
  'internal',
]);
export type BridgeErrorKind = z.infer<typeof BridgeErrorKindSchema>;

export const BridgeErrorSchema = z.object({
  kind: BridgeErrorKindSchema,
  /** One plain sentence for the user. */
  message: z.string(),
  /** Every individual problem, e.g. each invalid field, when there are several. */
  details: z.array(z.string()).optional(),
  /**
   * Set on a refused `release:start` when the workload's lease is held by a release that stopped renewing it:
   * the start may be sent again with `takeOver: true` once the user confirmed the takeover.
   */
  canTakeOver: z.boolean().optional(),
});
export type BridgeError = z.infer<typeof BridgeErrorSchema>;

export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

/** An error raised inside the engine that carries its bridge kind. */
export class DomainError extends Error {
  constructor(
    readonly kind: BridgeErrorKind,
    message: string,
    readonly details?: readonly string[],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toBridge(): BridgeError {
    return this.details
      ? { kind: this.kind, message: this.message, details: [...this.details] }
      : { kind: this.kind, message: this.message };
  }
}

/** Formats zod issues as `path: message` lines, every one of them. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}
