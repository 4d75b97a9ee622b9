import { DomainError } from '../../../src-shared/bridge/errors.ts';
import type { ExposureProvider, ExposureReading } from '../../ports/exposure.port.ts';
import type { ReleaseOps, TrafficSplit } from '../../ports/release.port.ts';
import type { TrafficRouter } from '../../ports/traffic-router.port.ts';

/** What `routerExposure` drives: a traffic router, or the machines' `ReleaseOps` (which composes one). */
export type WeightedTraffic =
  | Pick<TrafficRouter, 'kind' | 'describe' | 'readSplit' | 'setCanaryWeight' | 'abort'>
  | Pick<ReleaseOps, 'readSplit' | 'setCanaryWeight' | 'abortCanary'>;

/**
 * A router's canary weight as "something that sets an exposure percentage", so a ramp can drive a router and a
 * feature flag alike: `read` is the split as percent `{ stable, canary }` (new variant `canary`), `setPercent`
 * sets the canary's weight (scaling what must scale first, as the router does; with `expected`, refused with a
 * `conflict` when the router object's version changed since), `kill` sends all traffic back to stable and scales
 * the canary to 0, even over someone else's edit. `kind` defaults to the router's (`release` for a `ReleaseOps`).
 */
export function routerExposure(traffic: WeightedTraffic, kind?: string): ExposureProvider {
  const isRouter = 'abort' in traffic;
  const reading = (split: TrafficSplit): ExposureReading => ({
    percent: { stable: split.weights.stable ?? 0, canary: split.weights.canary ?? 0 },
    newVariant: 'canary',
    enabled: true,
    source: split.source,
    ...(split.resourceVersion !== undefined ? { version: split.resourceVersion } : {}),
    ...(split.notes?.length ? { notes: split.notes } : {}),
  });
  let described: string | undefined;
  return {
    kind: kind ?? (isRouter ? traffic.kind : 'release'),
    describe: () => (isRouter ? traffic.describe() : (described ?? 'the release router')),
    async read() {
      const r = reading(await traffic.readSplit());
      described = r.source;
      return r;
    },
    async setPercent(percent, expected) {
      if (!Number.isFinite(percent) || percent < 0 || percent > 100)
        throw new RangeError(`An exposure is a percent from 0 to 100, not ${percent}.`);
      if (expected?.version !== undefined) {
        const now = reading(await traffic.readSplit());
        if (now.version !== expected.version)
          throw new DomainError(
            'conflict',
            `${now.source} was changed since it was read (version ${expected.version}, now ${now.version ?? 'unknown'}): canary ${now.percent.canary} %, stable ${now.percent.stable} %. Nothing was changed.`,
          );
      }
      return reading(await traffic.setCanaryWeight(percent));
    },
    async kill() {
      const abort = () => (isRouter ? traffic.abort() : traffic.abortCanary());
      try {
        return reading(await abort());
      } catch (error) {
        // Someone else's edit is reported once (the router takes what it found as its new baseline): the kill
        // switch is never refused for drift, so it goes through on what is there now.
        if (!(error instanceof Error && 'kind' in error && error.kind === 'conflict')) throw error;
        return reading(await abort());
      }
    },
  };
}
