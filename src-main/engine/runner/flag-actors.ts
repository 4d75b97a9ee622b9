import { fromPromise, type AnyActorLogic } from 'xstate';
import type { Clock } from '../../ports/clock.port.ts';
import type { ExposureReading, FlagProvider, FlagSegment } from '../../ports/exposure.port.ts';
import type { FlagPrerequisite } from '../../../src-shared/plan/flag-rollout.schema.ts';
import { exposureDifference, sameExposure, unmetPrerequisite } from '../machines/flag-ramp.ts';
import {
  isUnreachable,
  UNREACHABLE_RETRY_MS,
  type JournalGate,
  type ReachabilityWatch,
} from './release-actors.ts';

/** A flag changed by someone else since Switchyard last read it: the ramp pauses, it never overwrites. */
export class FlagDriftError extends Error {
  readonly kind = 'conflict';
  constructor(
    message: string,
    readonly reading: ExposureReading,
  ) {
    super(message);
  }
}

/** Output of every flag actor: the exposure read back and the clock time it was read. */
export interface FlagOpOutput {
  atMs: number;
  reading: ExposureReading;
  /** False when the flag already showed what was asked (after a crash), so nothing was written. */
  wrote?: boolean;
}

/**
 * The actors a flag ramp invokes by name, bound to `provider`: `flagRead`, `flagSegments`, `flagMove`,
 * `flagKill` and `flagPrereqs`. Writes first await `gate` (the journal holds the state that asked for them).
 * `flagMove` and `flagSegments` read first: when the flag already shows what is asked they write nothing
 * (a resumed ramp never moves the flag twice); when it differs from `expected` (what Switchyard last read
 * or wrote) they throw `FlagDriftError` naming the difference. While the provider does not answer, they
 * wait (told to `reach`, naming the provider's `system` when it is not the cluster) and try again, as
 * cluster operations do.
 */
export function bindFlagActors(
  provider: FlagProvider,
  clock: Clock,
  gate: JournalGate,
  reach?: ReachabilityWatch,
): Record<string, AnyActorLogic> {
  async function untilAnswered<T>(attempt: () => Promise<T>, signal: AbortSignal): Promise<T> {
    let waiting = false;
    try {
      for (;;) {
        try {
          return await attempt();
        } catch (error) {
          if (!reach || !isUnreachable(error) || signal.aborted) throw error;
          if (!waiting) reach.lost(error, provider.system);
          waiting = true;
        }
        await clock.sleep(UNREACHABLE_RETRY_MS, signal);
      }
    } finally {
      if (waiting) reach?.back();
    }
  }
  const done = (reading: ExposureReading, wrote?: boolean): FlagOpOutput => ({
    atMs: clock.now(),
    reading,
    ...(wrote === undefined ? {} : { wrote }),
  });
  /** Reads the flag; throws FlagDriftError when it no longer shows `expected`. */
  const readChecked = async (expected: ExposureReading | null, signal: AbortSignal) => {
    const now = await provider.read(signal);
    if (expected && !sameExposure(now, expected))
      throw new FlagDriftError(exposureDifference(expected, now, provider.describe()), now);
    return now;
  };
  /** Maps the provider's own `conflict` (a change between our read and write) to the difference. */
  const drifted = async (error: unknown, expected: ExposureReading): Promise<never> => {
    const kind = typeof error === 'object' && error !== null && 'kind' in error ? error.kind : '';
    if (kind !== 'conflict' || error instanceof FlagDriftError) throw error;
    const now = await provider.read();
    // The same shares but another definition (variants, default, someone's own rule): the provider names it.
    const message = sameExposure(now, expected)
      ? `${error instanceof Error ? error.message.replace(/\.$/, '') : String(error)}. The ramp is paused and does not overwrite the change; resume to go on from what the flag shows now, or pull the kill switch.`
      : exposureDifference(expected, now, provider.describe());
    throw new FlagDriftError(message, now);
  };

  return {
    flagRead: fromPromise<FlagOpOutput, void>(async ({ signal }) =>
      done(await untilAnswered(() => provider.read(signal), signal)),
    ),
    flagMove: fromPromise<FlagOpOutput, { percent: number; expected: ExposureReading | null; why: string }>(
      async ({ input, signal }) =>
        untilAnswered(async () => {
          const now = await provider.read(signal);
          const at = now.percent[now.newVariant] ?? 0;
          if (now.enabled && Math.abs(at - input.percent) < 0.01) return done(now, false);
          if (input.expected && !sameExposure(now, input.expected))
            throw new FlagDriftError(exposureDifference(input.expected, now, provider.describe()), now);
          await gate('flagSetPercent', input.why);
          const after = await provider.setPercent(input.percent, now).catch((e: unknown) => drifted(e, now));
          return done(after, true);
        }, signal),
    ),
    flagSegments: fromPromise<
      FlagOpOutput,
      { segments: FlagSegment[]; expected: ExposureReading | null; why: string }
    >(async ({ input, signal }) =>
      untilAnswered(async () => {
        const now = await readChecked(input.expected, signal);
        if (sameSegments(now.segments ?? [], input.segments)) return done(now, false);
        await gate('flagSetSegments', input.why);
        const after = await provider.setSegments(input.segments, now).catch((e: unknown) => drifted(e, now));
        return done(after, true);
      }, signal),
    ),
    flagKill: fromPromise<FlagOpOutput, { why: string }>(async ({ input, signal }) =>
      untilAnswered(async () => {
        await gate('flagKill', input.why);
        return done(await provider.kill(), true);
      }, signal),
    ),
    flagPrereqs: fromPromise<{ atMs: number; unmet: string[] }, { prerequisites: FlagPrerequisite[] }>(
      async ({ input, signal }) =>
        untilAnswered(async () => {
          const unmet: string[] = [];
          for (const p of input.prerequisites) {
            const problem = unmetPrerequisite(p, await provider.readFlag(p.flag, signal));
            if (problem) unmet.push(problem);
          }
          return { atMs: clock.now(), unmet };
        }, signal),
    ),
  };
}

function sameSegments(a: readonly FlagSegment[], b: readonly FlagSegment[]): boolean {
  const key = (s: FlagSegment) =>
    JSON.stringify([s.name, s.attribute, s.operator, [...s.values], s.variant ?? null]);
  return a.length === b.length && a.every((s, i) => key(s) === key(b[i] as FlagSegment));
}
