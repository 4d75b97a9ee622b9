import { durationMs } from './duration.ts';
import type { RollbackTrigger } from './plan.schema.ts';

/** Time between two reads of a trigger, in milliseconds: an eighth of its `for`, between 5 s and 30 s. */
export function triggerIntervalMs(trigger: RollbackTrigger): number {
  return Math.min(30_000, Math.max(5_000, durationMs(trigger.for) / 8));
}

/**
 * The range window of a trigger's query: pod restarts are counted over the trigger's whole `for`
 * (one read breaches at once); every other metric is read as a 2m rate and must breach for `for`.
 */
export function triggerWindow(trigger: RollbackTrigger): string {
  return trigger.metric === 'pod-restarts' ? trigger.for : '2m';
}

/** Whether one read is enough for the trigger to fire (pod restarts), rather than a breach held for `for`. */
export function firesOnOneRead(trigger: RollbackTrigger): boolean {
  return trigger.metric === 'pod-restarts';
}
