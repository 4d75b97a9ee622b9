import { fromPromise, type AnyActorLogic } from 'xstate';
import type { Clock } from '../../ports/clock.port.ts';
import type { MetricSample } from '../../ports/metrics.port.ts';
import type { AnalysisSource, ReleaseOps, TrafficSplit } from '../../ports/release.port.ts';
import { routerExposure } from '../exposure/router-exposure.ts';
import {
  MUTATING_OPS,
  type MetricReading,
  type MetricRequest,
  type OpInput,
} from '../machines/release-common.ts';

/** Called before every mutating cluster operation; resolves once the journal holds the release's state. */
export type JournalGate = (op: keyof ReleaseOps | FlagOpName, why: string) => Promise<void>;

/** The flag ramp's writes, journaled before the flag changes as cluster operations are. */
export type FlagOpName = 'flagSetPercent' | 'flagSetSegments' | 'flagKill';

/**
 * Told when the cluster (or another system the release drives, named by `system`, e.g. `Unleash at
 * https://…`) stops answering and when it answers again. `lost` is called once per waiting actor (with what
 * failed), `back` once for each `lost` when that actor goes on (or is stopped).
 */
export interface ReachabilityWatch {
  lost(error: unknown, system?: string): void;
  back(): void;
}

/** How often an actor waiting for an unreachable cluster tries again, milliseconds of release clock. */
export const UNREACHABLE_RETRY_MS = 2_000;

/** True for a `ClusterError` (or a sample reason) saying the cluster did not answer. */
export function isUnreachable(error: unknown): boolean {
  const kind = typeof error === 'object' && error !== null && 'kind' in error ? String(error.kind) : '';
  return kind === 'unreachable' || kind === 'timeout';
}

/** The ports a release machine's actors are bound to. */
export interface ReleasePorts {
  ops: ReleaseOps;
  analysis: AnalysisSource;
  clock: Clock;
}

/** Every operation actor the runner provides: the mutating ones and the reads. */
const OP_NAMES = [
  ...MUTATING_OPS,
  'readSplit',
  'activeColour',
  'workloadState',
] as const satisfies readonly (keyof ReleaseOps)[];

/** What an optional operation gives when the adapter has none: nothing to wait for, nothing to put back. */
const ABSENT_RESULT: Partial<Record<keyof ReleaseOps, unknown>> = {
  scaleForWeight: { replicas: 0 },
  restoreRollout: undefined,
};

function failedRead(error: unknown): MetricSample {
  const kind = typeof error === 'object' && error !== null && 'kind' in error ? String(error.kind) : '';
  const message = error instanceof Error ? error.message : String(error);
  return {
    kind: 'inconclusive',
    reason: kind === 'timeout' ? 'timeout' : kind === 'unreachable' ? 'unreachable' : 'badResponse',
    message: `The metric could not be read: ${message}`,
  };
}

/**
 * The actor implementations every release machine invokes by name, bound to real ports: `now`, `wait`
 * (sleeps on `clock` until an absolute time, so a restored machine waits only the remainder),
 * `readMetrics` (reads through `analysis`; a read that throws becomes an inconclusive sample, never a pass),
 * and one actor per `ReleaseOps` method. Mutating operations first await `gate`, so the journal is written
 * before the cluster changes.
 */
export function bindReleaseActors(
  ports: ReleasePorts,
  gate: JournalGate,
  reach?: ReachabilityWatch,
): Record<string, AnyActorLogic> {
  const { ops, analysis, clock } = ports;
  const mutating = new Set<string>(MUTATING_OPS);
  // A canary's weight is an exposure percentage like a flag's: it is set through the exposure port.
  const exposure = routerExposure(ops);
  const viaExposure: Partial<Record<keyof ReleaseOps, (...args: never[]) => Promise<unknown>>> = {
    setCanaryWeight: async (percent: number): Promise<TrafficSplit> => {
      const r = await exposure.setPercent(percent);
      return {
        weights: r.percent,
        source: r.source,
        ...(r.version !== undefined ? { resourceVersion: r.version } : {}),
        ...(r.notes ? { notes: r.notes } : {}),
      };
    },
  };
  /** The probe's error when the cluster does not answer at all (a read of the router object), else null. */
  const clusterDown = async (): Promise<unknown> => {
    try {
      await ops.readSplit();
      return null;
    } catch (error) {
      return isUnreachable(error) ? error : null;
    }
  };
  /**
   * Runs `attempt` until it settles with the cluster answering. While the cluster does not answer at all, the
   * actor waits (told to `reach`) and tries again: operations re-read before they write, so a retry reconciles.
   * A failure while the cluster answers (a 500, a readiness deadline) is the attempt's own and is thrown.
   */
  async function untilReachable<T>(
    attempt: () => Promise<T>,
    unreachableIn: (result: T) => boolean,
    signal: AbortSignal,
  ): Promise<T> {
    let waiting = false;
    let retried = false;
    try {
      for (;;) {
        let result: T | undefined;
        let failure: unknown = null;
        try {
          result = await attempt();
        } catch (error) {
          if (!reach || !isUnreachable(error)) throw error;
          failure = error;
        }
        if (failure === null && !(reach && unreachableIn(result as T))) return result as T;
        const down = await clusterDown();
        if (down === null) {
          // The cluster came back between the attempt and the probe: the attempt is made once more.
          if (waiting && !retried) {
            retried = true;
            continue;
          }
          if (failure !== null) throw failure;
          return result as T;
        }
        retried = false;
        if (!waiting) {
          waiting = true;
          reach?.lost(down);
        }
        await clock.sleep(UNREACHABLE_RETRY_MS, signal);
      }
    } finally {
      if (waiting) reach?.back();
    }
  }
  const actors: Record<string, AnyActorLogic> = {
    now: fromPromise(async () => ({ atMs: clock.now() })),
    wait: fromPromise<{ atMs: number }, { untilMs: number }>(async ({ input, signal }) => {
      const remaining = input.untilMs - clock.now();
      if (remaining > 0) await clock.sleep(remaining, signal);
      return { atMs: Math.max(clock.now(), input.untilMs) };
    }),
    readMetrics: fromPromise<{ atMs: number; readings: MetricReading[] }, { requests: MetricRequest[] }>(
      async ({ input, signal }) => {
        const readAll = async () => ({
          atMs: clock.now(),
          readings: await Promise.all(
            input.requests.map(async (r): Promise<MetricReading> => {
              try {
                const { query, sample } = await analysis.read(r.source, r.params, signal);
                return { key: r.key, query, sample, atMs: clock.now() };
              } catch (error) {
                return {
                  key: r.key,
                  query: r.source.query ?? r.source.kind,
                  sample: failedRead(error),
                  atMs: clock.now(),
                };
              }
            }),
          ),
        });
        // A read that failed because the cluster is gone is no measurement: it is read again once it answers.
        const res = await untilReachable(
          readAll,
          (r) =>
            r.readings.some(
              (x) => x.sample.kind === 'inconclusive' && isUnreachable({ kind: x.sample.reason }),
            ),
          signal,
        );
        return { atMs: clock.now(), readings: res.readings };
      },
    ),
  };
  for (const name of OP_NAMES) {
    actors[name] = fromPromise(
      async ({ input, signal }: { input: OpInput<typeof name>; signal: AbortSignal }) => {
        if (mutating.has(name)) await gate(name, input.why);
        const method = (viaExposure[name] ?? ops[name]) as
          ((...args: unknown[]) => Promise<unknown>) | undefined;
        if (!method && name in ABSENT_RESULT) return { atMs: clock.now(), result: ABSENT_RESULT[name] };
        if (!method)
          throw new Error(
            `this cluster adapter cannot ${name === 'routeExperiment' ? 'route an A/B test' : name}`,
          );
        const result = await untilReachable(
          () => method.apply(ops, input.args as unknown[]),
          () => false,
          signal,
        );
        return { atMs: clock.now(), result };
      },
    );
  }
  return actors;
}
