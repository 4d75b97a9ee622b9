import {
  CONTROL_EVENTS,
  type OperatorEventType,
  type ReleaseControls,
  type ReleaseSnapshot,
} from '../../../src-shared/release/release.schema.ts';
import { disabledReason } from '../../../src-shared/release/release-words.ts';

/** A machine snapshot as far as the controls read it (XState v5's `MachineSnapshot`). */
export interface ControllableSnapshot {
  can(event: { type: string }): boolean;
  children?: Record<string, { getSnapshot(): unknown } | undefined>;
}

/** Events a wrapper (migration gates, flag with deploy) forwards to its running child rather than taking itself. */
const FORWARDED: ReadonlySet<OperatorEventType> = new Set([
  'PAUSE',
  'RESUME',
  'PROMOTE',
  'PROMOTE_FULL',
  'ABORT',
  'ROLLBACK',
]);

const ENDED: ReadonlySet<ReleaseSnapshot['status']> = new Set([
  'completed',
  'aborted',
  'rolledBack',
  'failed',
]);

/**
 * True when the release machine in `snapshot` takes `type` now, by XState's `snapshot.can`. While a wrapper
 * runs its strategy as a child, a forwarded event counts only when the child takes it (forwarding alone
 * would accept and then drop it).
 */
export function acceptsEvent(snapshot: ControllableSnapshot, type: OperatorEventType): boolean {
  const event = { type, atMs: 0, by: '' };
  if (!snapshot.can(event)) return false;
  // A wrapper runs one phase at a time: the strategy (migration gates, a flag with deploy's deploy) or the ramp.
  const running = snapshot.children?.strategy ?? snapshot.children?.ramp;
  const child = running?.getSnapshot() as ControllableSnapshot | undefined;
  if (child && typeof child.can === 'function' && FORWARDED.has(type)) return acceptsEvent(child, type);
  return true;
}

/** Operations that finish a release and that no operator action interrupts, by state name. */
const FINISHING: readonly (readonly [string, string])[] = [
  ['promoting', 'promoting the canary to all traffic'],
  ['aborting', 'sending all traffic back to stable'],
  ['rollingBack', 'rolling traffic back to the previous colour'],
  ['undoing', 'undoing the rollout'],
  ['deploying', 'deploying the treatment to everyone'],
  ['rejecting', 'sending everyone back to stable'],
];

/** The finishing operation under way in `phase` (a dotted state path), in words, if any. */
function finishingWords(phase: string): string | undefined {
  const segments = phase.split('.');
  return FINISHING.find(([name]) => segments.includes(name))?.[1];
}

/**
 * Every operator action of the release in `snapshot` (projected as `view`): enabled when the machine takes
 * it now, otherwise disabled with the reason in words. An ended release takes none of them here (a completed
 * one is rolled back from History).
 */
export function releaseControls(snapshot: ControllableSnapshot, view: ReleaseSnapshot): ReleaseControls {
  const ended = ENDED.has(view.status);
  // Only a release that can no longer be aborted is in a finishing operation (blue-green deploys the idle
  // colour in an ordinary, abortable stage).
  const busy = !ended && !acceptsEvent(snapshot, 'ABORT') ? finishingWords(view.phase) : undefined;
  const entries = CONTROL_EVENTS.map((type) => {
    const enabled = !ended && acceptsEvent(snapshot, type);
    return [type, enabled ? { enabled } : { enabled, reason: disabledReason(type, view, busy) }] as const;
  });
  return Object.fromEntries(entries) as ReleaseControls;
}
