import { formatWeights } from '../../../src-shared/format/number.ts';
import type { FlagProvider } from '../../ports/exposure.port.ts';
import type { ReleaseOps, TrafficSplit } from '../../ports/release.port.ts';
import { splitOf } from '../machines/flag-ramp.ts';
import { splitDiffers } from '../machines/traffic-detail.ts';

/** A persisted machine snapshot as far as the read on resume looks into it. */
interface PersistedLike {
  context?: { split?: TrafficSplit | null; intended?: Record<string, number>; reading?: unknown };
  children?: Record<string, { snapshot?: PersistedLike } | undefined>;
}

/** What the read on resume found: the snapshot to restore, and a sentence for the resume's audit entry. */
export interface ResumeRead {
  xstate: unknown;
  /** E.g. ` Read back on resume: on 100 % · off 0 % (the journal held on 10 % · off 90 %).`; empty when nothing was read. */
  sentence: string;
}

/**
 * Reads the split a resumed release shows (the router's, or the flag system's for a flag ramp) once before its
 * machine starts, so its first view is what holds now, not what the journal last saw. The restored snapshot's
 * split (of the innermost running machine) gets the weights read, marked `onResume: 'read'`; its drift baseline
 * (resourceVersion, a flag's last reading) stays the journal's, so the machine still reports the change as drift
 * on its next step. A read that fails marks the journaled split `onResume: 'journaled'`. A release that never
 * read a split (a rolling update), an A/B test (its routes are cohorts, not a split) and a read of other tracks
 * than the journal's are left as they are.
 */
export async function readOnResume(
  xstate: unknown,
  machine: string,
  ops: ReleaseOps,
  flags: FlagProvider | undefined,
): Promise<ResumeRead> {
  if (machine.endsWith('ab-test')) return { xstate, sentence: '' };
  const copy = structuredClone(xstate) as PersistedLike | null;
  let leaf = copy;
  for (;;) {
    const child = leaf?.children?.strategy ?? leaf?.children?.ramp;
    if (!child?.snapshot) break;
    leaf = child.snapshot;
  }
  const context = leaf?.context;
  const journaled = context?.split;
  if (!context || !journaled) return { xstate, sentence: '' };
  const isFlag = 'reading' in context && flags !== undefined;
  try {
    const read = isFlag ? splitOf(await (flags as FlagProvider).read()) : await ops.readSplit();
    if (!sameTracks(read.weights, journaled.weights)) return { xstate, sentence: '' };
    context.split = { ...journaled, weights: read.weights, source: read.source, onResume: 'read' };
    const differs = splitDiffers(read.weights, journaled.weights);
    const intended = context.intended;
    const drift =
      intended && splitDiffers(read.weights, intended)
        ? ` It differs from what the release asked for (${formatWeights(intended)}): drift, reported on its next step.`
        : '';
    return {
      xstate: copy,
      sentence: ` Read back on resume from ${read.source}: ${formatWeights(read.weights)}${differs ? ` (the journal held ${formatWeights(journaled.weights)})` : ''}.${drift}`,
    };
  } catch (error) {
    context.split = { ...journaled, onResume: 'journaled' };
    const why = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
    return {
      xstate: copy,
      sentence: ` The ${isFlag ? 'flag' : 'traffic split'} could not be read on resume (${why}); the journaled ${formatWeights(journaled.weights)} is shown until the release reads it.`,
    };
  }
}

const sameTracks = (a: Record<string, number>, b: Record<string, number>): boolean =>
  Object.keys(a).sort().join() === Object.keys(b).sort().join();
