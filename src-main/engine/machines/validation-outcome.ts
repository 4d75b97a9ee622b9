import { assign, type DoneActorEvent, type EventObject } from 'xstate';
import { formatThreshold, unitOfMetric } from '../../../src-shared/format/number.ts';
import type { Validation } from '../../../src-shared/plan/plan.schema.ts';
import type { WorkloadRole } from '../../ports/release.port.ts';
import type { HeldContext } from './held-state.ts';
import { appendSamples, engineDecision, pausedFor, type ReleaseContextBase } from './release-common.ts';
import type { ValidationInput, ValidationOutput } from './validation.machine.ts';

/**
 * The parent's context change when its validation child ends: a `complete` decision when it passed, a
 * `rollback` decision when it failed (the summary gets `then` appended), or an engine pause when the
 * cluster could not be read. Evidence and the child's end time are carried over.
 */
export function afterValidation(context: ReleaseContextBase, output: ValidationOutput, then: string) {
  const at = { ...context, nowMs: output.atMs };
  if (output.status === 'passed') {
    const warned = output.warnings ?? [];
    const withWarnings =
      warned.length === 0
        ? at
        : {
            ...at,
            decisions: engineDecision(
              at,
              'continue',
              'validation-warning',
              `Validation passed with warnings: ${warned.map((w) => `${w.metric} ${formatThreshold(w.op, w.threshold, unitOfMetric(w.metric))} ${w.arithmetic}`).join('; ')}.`,
              warned,
            ),
          };
    return {
      nowMs: output.atMs,
      finishedAtMs: output.atMs,
      decisions: engineDecision(
        withWarnings,
        'complete',
        'validation-passed',
        output.summary,
        output.evidence,
      ),
    };
  }
  if (output.status === 'failed')
    return {
      nowMs: output.atMs,
      decisions: engineDecision(
        at,
        'rollback',
        'validation-failed',
        `${output.summary} ${then}`,
        output.evidence,
      ),
    };
  return pausedFor(context, { cause: 'cluster-error', message: output.summary, sinceMs: output.atMs }, null);
}

/** The validation child's input: the release's version on `workload`, checked as `validation` says. */
export function validationInput<C extends ReleaseContextBase>(
  workloadOf: (context: C) => WorkloadRole,
  validationOf: (context: C) => Validation,
) {
  return ({ context }: { context: C }): ValidationInput => ({
    plan: context.plan,
    version: context.version,
    image: context.plan.target.image,
    workload: workloadOf(context),
    validation: validationOf(context),
  });
}

/** What the parent's `validated` action is given: the child's output, the sentence to add, where to hold. */
export interface ValidatedParams<S extends string> {
  output: ValidationOutput;
  /** Appended to a failed validation's summary (what happens next). */
  then: string;
  /** Replaces the summary of a passed validation (what happens next). */
  summary?: string;
  /** The stage a validation that could not read the cluster is retried at. */
  stuckAt?: S;
}

/** The event the parent's `onDone` of the validation child receives. */
export type ValidationDone = { event: DoneActorEvent<ValidationOutput> };

/**
 * The parent's actions around its validation child: `collectSamples` (a VALIDATION_SAMPLES event's samples
 * into the timeline) and `validated` (`ValidatedParams`: the decision or pause of `afterValidation`).
 */
export function validationActions<C extends HeldContext, E extends EventObject>() {
  return {
    collectSamples: assign<C, E, undefined, E, never>(({ context, event }) => {
      const samples = 'samples' in event && Array.isArray(event.samples) ? event.samples : [];
      return { samples: appendSamples(context.samples, samples) } as Partial<C>;
    }),
    validated: assign<C, E, ValidatedParams<NonNullable<C['stuckAt']>>, E, never>(
      ({ context }, p) =>
        ({
          ...(p.stuckAt === undefined ? {} : { stuckAt: p.stuckAt }),
          ...afterValidation(
            context,
            p.summary === undefined ? p.output : { ...p.output, summary: p.summary },
            p.then,
          ),
        }) as Partial<C>,
    ),
  };
}

/**
 * The guard `validationIs` `{ output, status }` (holds when the child ended with `status`); name it with
 * `validationIs('passed')` in the `onDone` of the validation child.
 */
export const validationGuards = {
  validationIs: (_: unknown, p: { output: ValidationOutput; status: ValidationOutput['status'] }) =>
    p.output.status === p.status,
};

/** The `validationIs` guard of an `onDone` of the validation child. */
export const validationIs = (status: ValidationOutput['status']) => ({
  type: 'validationIs' as const,
  params: ({ event }: ValidationDone) => ({ output: event.output, status }),
});

/** The `validated` action of an `onDone` of the validation child; `more` says what happens next. */
export function validated<C, S extends string = never>(
  more: (context: C, output: ValidationOutput) => Partial<Omit<ValidatedParams<S>, 'output'>> = () => ({}),
) {
  return {
    type: 'validated' as const,
    params: ({ context, event }: { context: C } & ValidationDone) => ({
      then: '',
      ...more(context, event.output),
      output: event.output,
    }),
  };
}
