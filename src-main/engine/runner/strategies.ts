import type { AnyStateMachine } from 'xstate';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import { createCanaryMachine, type CanaryContext } from '../machines/canary.machine.ts';
import { projectCanary, type StateValueLike } from '../machines/projection.ts';
import type { AnalysisCounter } from '../machines/release-common.ts';

/** A strategy the runner can drive: its machine and how its state is projected for the renderer. */
export interface StrategyEntry {
  /** The machine's name as journaled, e.g. `canary`. */
  name: string;
  machine: AnyStateMachine;
  project(value: StateValueLike, context: unknown): ReleaseSnapshot;
}

/** Machine names the runner knows, for restoring a journaled release. */
export type MachineName = 'canary';

/**
 * The machine that runs `plan`, or for a restored release the one named `name`.
 * Throws DomainError `invalidPlan` for a strategy the engine does not run yet.
 */
export function strategyFor(plan: ReleasePlan, count: AnalysisCounter, name?: string): StrategyEntry {
  const kind = name ?? plan.strategy.kind;
  switch (kind) {
    case 'canary':
      return {
        name: 'canary',
        machine: createCanaryMachine(count),
        project: (value, context) => projectCanary(value, context as CanaryContext),
      };
    default:
      throw new DomainError('invalidPlan', `The engine cannot run a ${kind} release yet.`);
  }
}
