import type { HealthPoint } from '../../src-shared/bridge/contract.ts';
import { DomainError } from '../../src-shared/bridge/errors.ts';
import type { ReleasePlan } from '../../src-shared/plan/plan.schema.ts';
import type { ControlEvent, OperatorEvent } from '../../src-shared/release/release.schema.ts';
import { CONTROL_LABELS } from '../../src-shared/release/release-words.ts';
import type { EventHub } from '../bridge/dispatch.ts';
import type { ReleaseHandle } from '../engine/runner/release-runner.ts';
import { REHEARSAL_CONTEXT } from './release-history.ts';
import type { SleepAwareClock, SleepGap } from './sleep-detector.ts';
import { actOnSleep } from './sleep-report.ts';

/** A release this console drives. */
export interface LiveRelease {
  readonly handle: ReleaseHandle;
  readonly plan: ReleasePlan;
  /** The context it is journaled under (`rehearsal` for rehearsals). */
  readonly context: string;
  readonly health: HealthPoint[];
  readonly clock: SleepAwareClock;
  /** Stops following it (health, notices, control); resolves when its health log is written. */
  readonly stop: () => Promise<void>;
}

const unfinished = (l: LiveRelease) => {
  const status = l.handle.getSnapshot().status;
  return status === 'running' || status === 'paused';
};

/** The releases this console drives, by id. */
export class LiveReleases {
  readonly #live = new Map<string, LiveRelease>();

  constructor(
    private readonly hub: EventHub,
    /** Real milliseconds a release gets to act on waking before the sleep notice describes it. */
    private readonly wakeSettleMs: number,
  ) {}

  get(id: string): LiveRelease | undefined {
    return this.#live.get(id);
  }

  add(live: LiveRelease): void {
    this.#live.set(live.handle.id, live);
  }

  /** Refuses (DomainError `conflict`) a start while an unfinished release of the same workload runs on `context`. */
  assertWorkloadFree(context: string, plan: ReleasePlan): void {
    for (const live of this.#live.values()) {
      const s = live.handle.getSnapshot();
      const sameTarget =
        live.plan.target.name === plan.target.name && live.plan.target.namespace === plan.target.namespace;
      if (unfinished(live) && live.context === context && sameTarget) {
        throw new DomainError(
          'conflict',
          `Release ${live.handle.id} of ${plan.target.name} is still ${s.status}; finish or abort it first.`,
        );
      }
    }
  }

  /** Stops driving the releases `which` picks (they stay resumable) and forgets them. */
  async stopWhere(which: (live: LiveRelease) => boolean): Promise<void> {
    for (const [id, live] of this.#live) {
      if (!which(live)) continue;
      await live.stop();
      await live.handle.stop();
      this.#live.delete(id);
    }
  }

  /**
   * Sends an operator event to release `id` when it is driven here (undefined otherwise); a state that does not
   * take it answers `accepted: false` with the reason.
   */
  send(id: string, event: OperatorEvent, by: string): { accepted: boolean; message: string } | undefined {
    const live = this.#live.get(id);
    if (!live) return undefined;
    try {
      live.handle.send(event, by);
      return {
        accepted: true,
        message: `${CONTROL_LABELS[event.type as ControlEvent] ?? event.type} sent to ${id}.`,
      };
    } catch (error) {
      if (error instanceof DomainError && (error.kind === 'conflict' || error.kind === 'badRequest')) {
        return { accepted: false, message: error.message };
      }
      throw error;
    }
  }

  /**
   * After the computer slept: each unfinished release's clock moves on by the time slept (a pause that ended
   * meanwhile is over), then, once the release has acted on that, a `slept` notice and an audit entry say
   * what it did.
   */
  async onSleep(gap: SleepGap): Promise<void> {
    await Promise.all(
      [...this.#live.values()].filter(unfinished).map(async (l) => {
        const report = await actOnSleep({
          gap,
          plan: l.plan,
          handle: l.handle,
          clock: l.clock,
          rehearsal: l.context === REHEARSAL_CONTEXT,
          settleMs: this.wakeSettleMs,
        });
        this.hub.emit('release:notice', {
          id: l.handle.id,
          kind: 'slept',
          title: report.title,
          body: report.body,
        });
      }),
    );
  }
}
