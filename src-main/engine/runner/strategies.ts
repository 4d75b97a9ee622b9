import type { AnyActorLogic, AnyStateMachine } from 'xstate';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import { createCanaryMachine } from '../machines/canary.machine.ts';
import { abTestMachine } from '../machines/ab-test.machine.ts';
import { blueGreenMachine } from '../machines/blue-green.machine.ts';
import {
  projectAbTest,
  projectBlueGreen,
  projectCanary,
  projectMigration,
  projectRolling,
  type SnapshotLike,
  type StateValueLike,
} from '../machines/projection.ts';
import { migrationMachine } from '../machines/migration.machine.ts';
import { rollingMachine } from '../machines/rolling.machine.ts';
import type { AnalysisCounter } from '../machines/release-common.ts';
import { createFlagRolloutMachine } from '../machines/flag-rollout.machine.ts';
import { projectFlagRollout } from '../machines/flag-rollout.projection.ts';
import { flagAfterMachine } from '../machines/flag-after.machine.ts';
import { projectFlagAfter } from '../machines/flag-after.projection.ts';
import { rampPlanOf } from '../../../src-shared/plan/flag-with-deploy.ts';

/** A strategy the runner can drive: its machine and how its state is projected for the renderer. */
export interface StrategyEntry {
  /** The machine's name as journaled, e.g. `canary`. */
  name: string;
  machine: AnyStateMachine;
  /**
   * The machines a wrapper invokes as its children, by actor name: migration gates' `strategy`, flag with
   * deploy's `strategy` (the deploy) and `ramp` (the flag ramp). Each is itself an entry (wrappers nest).
   */
  children?: Readonly<Record<string, StrategyEntry>>;
  /** The renderer's view from a machine snapshot's value and context (and, for wrappers, its children). */
  project(value: StateValueLike, context: unknown, children?: SnapshotLike['children']): ReleaseSnapshot;
}

/** Machine names the runner knows, for restoring a journaled release. */
export type MachineName =
  | 'canary'
  | 'blue-green'
  | 'rolling'
  | 'flag-rollout'
  | `flag-after:${Deploys}`
  | `migration:${'canary' | 'blue-green' | 'rolling' | 'flag-rollout' | `flag-after:${Deploys}`}`;

/** Strategies that deploy code, which a flag ramp may follow (flag with deploy). */
type Deploys = 'canary' | 'blue-green' | 'rolling';

/**
 * The machine that runs `plan`, or for a restored release the one named `name`.
 * Throws DomainError `invalidPlan` for a strategy the engine does not run yet.
 */
export function strategyFor(plan: ReleasePlan, count: AnalysisCounter, name?: string): StrategyEntry {
  const wrapped = name === undefined ? plan.migration !== undefined : name.startsWith('migration:');
  // A plan's flag ramp follows its strategy (flag with deploy); a journaled release keeps the name it ran under.
  const unwrapped = plan.flagRamp ? `flag-after:${plan.strategy.kind}` : plan.strategy.kind;
  if (wrapped) {
    const inner = strategyFor(plan, count, name?.slice('migration:'.length) ?? unwrapped);
    return {
      name: `migration:${inner.name}`,
      machine: migrationMachine,
      children: { strategy: inner },
      project: (value, context, children) =>
        projectMigration({ value, context, ...(children ? { children } : {}) }, inner.name, (s) =>
          inner.project(s.value, s.context, s.children),
        ),
    };
  }
  const kind = name ?? unwrapped;
  if (kind.startsWith('flag-after:')) {
    const deploy = strategyFor(plan, count, kind.slice('flag-after:'.length));
    const ramp = strategyFor(rampPlanOf(plan), count, 'flag-rollout');
    return {
      name: `flag-after:${deploy.name}`,
      machine: flagAfterMachine,
      children: { strategy: deploy, ramp },
      project: (value, context, children) =>
        projectFlagAfter({ value, context, ...(children ? { children } : {}) }, deploy, ramp),
    };
  }
  switch (kind) {
    case 'canary':
      return entry('canary', createCanaryMachine(count), projectCanary);
    case 'blue-green':
      return entry('blue-green', blueGreenMachine, projectBlueGreen);
    case 'rolling':
      return entry('rolling', rollingMachine, projectRolling);
    case 'ab-test':
      return entry('ab-test', abTestMachine, projectAbTest);
    case 'flag-rollout':
      return entry('flag-rollout', createFlagRolloutMachine(count), projectFlagRollout);
    default:
      throw new DomainError('invalidPlan', `The engine cannot run a ${kind} release yet.`);
  }
}

/**
 * `entry`'s machine with the runner's `actors` provided, its children's too (implementations are not inherited
 * from a parent machine).
 */
export function providedMachine(
  entry: StrategyEntry,
  actors: Record<string, AnyActorLogic>,
): AnyStateMachine {
  const own = { ...actors };
  for (const [id, child] of Object.entries(entry.children ?? {})) own[id] = providedMachine(child, actors);
  return entry.machine.provide({ actors: own });
}

/** A plain strategy's entry: its machine, projected with `project` from the machine's own context. */
function entry<Ctx>(
  name: string,
  machine: AnyStateMachine,
  project: (value: StateValueLike, context: Ctx) => ReleaseSnapshot,
): StrategyEntry {
  return { name, machine, project: (value, context) => project(value, context as Ctx) };
}
