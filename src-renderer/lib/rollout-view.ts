import type { RolloutView } from '../../src-shared/release/traffic-detail.schema.ts';

/**
 * A maxSurge or maxUnavailable setting as a pod count of `desired`, as the Deployment controller resolves it:
 * a percentage rounds up for the surge and down for the unavailable pods.
 */
export function resolvePodCount(value: number | string, desired: number, round: 'up' | 'down'): number {
  if (typeof value === 'number') return value;
  const percent = Number.parseFloat(value);
  if (!Number.isFinite(percent)) return 0;
  const exact = (desired * percent) / 100;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

/** A rolling release as the traffic panel shows it. */
export interface RolloutProgress {
  /** False before the workload was read: the numbers are the intended end state, marked as such. */
  read: boolean;
  /** `Pods moving to v1.25.0`, or `Pods moving back to v1.24.3` while undoing. */
  heading: string;
  /** `pods updated 3 / ready 9 / total 12`: total counts every pod now, surge included (status.replicas). */
  counts: string;
  /** For screen readers and the bar's tooltip: the sentence behind the counts. */
  words: string;
  /** Percent (0..100) of the desired pods on the new revision, for the progress bar. */
  updatedPercent: number;
  /** Percent (0..100) of the desired pods ready, for the bar's second track. */
  readyPercent: number;
  /** `10 wanted · surge 2 of 5 allowed · unavailable 1 of 2 allowed`, or the settings alone before the first read. */
  inFlight: string;
  /** Said while the controller has not yet seen the new spec (the counts are from before it); null otherwise. */
  stale: string | null;
  /** True once every desired pod is updated, ready and available. */
  done: boolean;
  /** The bar's colour class: the new version's (canary) colour, the stable one while undoing. */
  colour: string;
}

const percentOf = (part: number, whole: number) =>
  whole > 0 ? Math.max(0, Math.min(100, (part / whole) * 100)) : 0;

/** The tag of an image (`registry/app:v1.25.0` → `v1.25.0`), or the image when it has none. */
function tagOf(image: string): string {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? image.slice(at + 1) : image;
}

/** The view model of the rollout panel: the counts read from the workload, or the intended end state. */
export function rolloutProgress(view: RolloutView): RolloutProgress {
  const undo = view.direction === 'undo';
  const heading = `Pods moving ${undo ? 'back ' : ''}to ${tagOf(view.image)}`;
  const colour = undo ? 'track-stable' : 'track-canary';
  const { desired, updated, ready, available } = view;
  if (desired === null || updated === null || ready === null) {
    return {
      read: false,
      heading,
      counts: 'pods updated all / ready all / total all',
      words: `Intended: every pod updated to ${tagOf(view.image)} and ready (the workload has not been read yet)`,
      updatedPercent: 100,
      readyPercent: 100,
      inFlight: `allowed: surge ${view.maxSurge}, unavailable ${view.maxUnavailable}`,
      stale: null,
      done: false,
      colour,
    };
  }
  const surgeMax = resolvePodCount(view.maxSurge, desired, 'up');
  let unavailableMax = resolvePodCount(view.maxUnavailable, desired, 'down');
  // The controller never lets both be 0: it then allows one pod unavailable.
  if (surgeMax === 0 && unavailableMax === 0) unavailableMax = 1;
  const surge = Math.max(0, (view.pods ?? desired) - desired);
  const unavailable = Math.max(0, desired - (available ?? ready));
  const done = updated >= desired && ready >= desired && (available ?? ready) >= desired;
  return {
    read: true,
    heading,
    counts: `pods updated ${updated} / ready ${ready} / total ${view.pods ?? desired}`,
    words: `${updated} of ${desired} pods updated to ${tagOf(view.image)}, ${ready} ready${view.pods !== null ? `, ${view.pods} pods in all` : ''}`,
    updatedPercent: percentOf(updated, desired),
    readyPercent: percentOf(ready, desired),
    inFlight: `${desired} wanted · surge ${surge} of ${surgeMax} allowed · unavailable ${unavailable} of ${unavailableMax} allowed`,
    stale: view.stale ? 'the controller has not taken up the change yet' : null,
    done: done && !view.stale,
    colour,
  };
}
