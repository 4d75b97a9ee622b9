import { fromPromise, type AnyActorLogic } from 'xstate';
import type { Clock } from '../../ports/clock.port.ts';
import type { MetricSample } from '../../ports/metrics.port.ts';
import type { AnalysisSource, ReleaseOps } from '../../ports/release.port.ts';
import {
  MUTATING_OPS,
  type MetricReading,
  type MetricRequest,
  type OpInput,
} from '../machines/release-common.ts';

/** Called before every mutating cluster operation; resolves once the journal holds the release's state. */
export type JournalGate = (op: keyof ReleaseOps, why: string) => Promise<void>;

/** The ports a release machine's actors are bound to. */
export interface ReleasePorts {
  ops: ReleaseOps;
  analysis: AnalysisSource;
  clock: Clock;
}

const OP_NAMES = [
  'readSplit',
  'ensureCanary',
  'setCanaryWeight',
  'promoteCanary',
  'abortCanary',
  'activeColour',
  'deployColour',
  'switchTo',
  'scaleColour',
  'warmup',
  'smoke',
  'setImage',
  'undo',
  'workloadState',
  'runJob',
  'routeExperiment',
] as const satisfies readonly (keyof ReleaseOps)[];

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
export function bindReleaseActors(ports: ReleasePorts, gate: JournalGate): Record<string, AnyActorLogic> {
  const { ops, analysis, clock } = ports;
  const mutating = new Set<string>(MUTATING_OPS);
  const actors: Record<string, AnyActorLogic> = {
    now: fromPromise(async () => ({ atMs: clock.now() })),
    wait: fromPromise<{ atMs: number }, { untilMs: number }>(async ({ input, signal }) => {
      const remaining = input.untilMs - clock.now();
      if (remaining > 0) await clock.sleep(remaining, signal);
      return { atMs: Math.max(clock.now(), input.untilMs) };
    }),
    readMetrics: fromPromise<{ atMs: number; readings: MetricReading[] }, { requests: MetricRequest[] }>(
      async ({ input, signal }) => {
        const readings = await Promise.all(
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
        );
        return { atMs: clock.now(), readings };
      },
    ),
  };
  for (const name of OP_NAMES) {
    actors[name] = fromPromise(async ({ input }: { input: OpInput<typeof name> }) => {
      if (mutating.has(name)) await gate(name, input.why);
      const method = ops[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
      if (!method)
        throw new Error(
          `this cluster adapter cannot ${name === 'routeExperiment' ? 'route an A/B test' : name}`,
        );
      const result = await method.apply(ops, input.args as unknown[]);
      return { atMs: clock.now(), result };
    });
  }
  return actors;
}
