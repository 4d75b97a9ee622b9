import type {
  ExposureReading,
  FlagCheck,
  FlagProvider,
  FlagSegment,
  FlagSummary,
} from '../../../ports/exposure.port.ts';
import { accessReview } from '../access-review.ts';
import { createKubeClient, type KubeClient, type KubeClientOptions } from '../kube-client.ts';
import { ClusterError } from '../kube-errors.ts';
import { buildTargeting } from './flag-targeting.ts';
import {
  describeDifference,
  flagHash,
  hashOfVersion,
  LAST_WRITE_ANNOTATION,
  summary,
  recordWrite,
  snapshot,
  type FeatureFlagObject,
  type FlagDefinition,
  type FlagSnapshot,
  type FlagTarget,
} from './openfeature-flag-state.ts';

export type { FlagTarget } from './openfeature-flag-state.ts';

const FF = { group: 'core.openfeature.dev', version: 'v1beta1', plural: 'featureflags' } as const;

/** A request the flag cannot take (a percentage out of range, a variant the flag lacks). */
export class FlagInvalidError extends Error {
  readonly kind = 'invalid';
  constructor(message: string) {
    super(message);
    this.name = 'FlagInvalidError';
  }
}

/** How many times a write is tried again when another writer got in between our read and our write. */
const WRITE_ATTEMPTS = 5;

/**
 * A `FlagProvider` for an OpenFeature Operator `FeatureFlag` (`core.openfeature.dev/v1beta1`), read and written
 * through the Kubernetes API with the same kubeconfig as everything else.
 *
 * - `setPercent` writes the flag's targeting as flagd JSON Logic: Switchyard's segment rules first (`if` with
 *   `in` / `ends_with` …), then `fractional` between the new and the off variant; rules it did not write are
 *   kept; the state becomes ENABLED.
 * - `kill` removes the targeting and sets `defaultVariant` to the off variant, state ENABLED (so flagd serves
 *   the off variant to everyone, rather than DISABLED, which hands the choice to each application's code
 *   default); never refused for drift.
 * - Every write replaces the object at the resourceVersion just read (optimistic concurrency). With
 *   `expected`, a flag whose definition changed since that reading, or that someone else changed after
 *   Switchyard's last write (recorded in the annotation `switchyard.dev/openfeature-last-write`), is refused
 *   with a `conflict` error naming the difference. Edits to other flags of the same object are no drift.
 */
export function createOpenFeatureProvider(
  kubeconfigYaml: string,
  target: FlagTarget,
  options: KubeClientOptions = {},
): FlagProvider {
  return openFeatureProvider(createKubeClient(kubeconfigYaml, options), target);
}

/** `createOpenFeatureProvider` over an existing client. */
export function openFeatureProvider(k: KubeClient, target: FlagTarget): FlagProvider {
  const newVariant = target.newVariant ?? 'on';
  const offVariant = target.offVariant ?? 'off';
  const where = `FeatureFlag ${target.namespace}/${target.name}`;
  const described = `${where}, flag ${target.flag}`;

  const get = async (name = target.name): Promise<FeatureFlagObject> =>
    (await k.read(`reading FeatureFlag ${target.namespace}/${name}`, () =>
      k.custom.getNamespacedCustomObject({ ...FF, namespace: target.namespace, name }),
    )) as FeatureFlagObject;

  const replace = async (body: FeatureFlagObject): Promise<FeatureFlagObject> =>
    (await k.write(`writing ${described}`, () =>
      k.custom.replaceNamespacedCustomObject({
        ...FF,
        namespace: target.namespace,
        name: target.name,
        body,
        fieldManager: 'switchyard',
      }),
    )) as FeatureFlagObject;

  const current = async (): Promise<FlagSnapshot> => {
    const snap = snapshot(await get(), target);
    if (!snap.flag) throw new ClusterError('notFound', `${where} has no flag ${target.flag}.`);
    return snap;
  };

  const requireVariants = (flag: FlagDefinition) => {
    const missing = [newVariant, offVariant].filter((v) => !(v in (flag.variants ?? {})));
    if (missing.length)
      throw new FlagInvalidError(
        `${described} has no variant ${missing.join(' or ')} (it has ${Object.keys(flag.variants ?? {}).join(', ') || 'none'}).`,
      );
  };

  const refuseDrift = (snap: FlagSnapshot, expected: ExposureReading | undefined) => {
    if (!expected) return;
    const expectedHash = hashOfVersion(expected.version);
    if (expectedHash !== undefined && expectedHash !== snap.hash)
      throw new ClusterError(
        'conflict',
        `${described} changed since Switchyard read it (${expected.source} → resourceVersion ${snap.obj.metadata.resourceVersion}): ${describeDifference(expected, snap.reading)}. Switchyard does not overwrite it.`,
      );
    if (snap.lastWrite && snap.lastWrite.hash !== snap.hash)
      throw new ClusterError(
        'conflict',
        `${described} is not what Switchyard last wrote: someone else changed it since (now ${summary(snap.reading)}). Switchyard does not overwrite it.`,
      );
  };

  /** Reads, checks drift, applies `change` and replaces at the read resourceVersion; again on a lost race. */
  const write = async (
    change: (snap: FlagSnapshot) => { flag: FlagDefinition; segments: readonly FlagSegment[] },
    expected: ExposureReading | undefined,
  ): Promise<ExposureReading> => {
    for (let attempt = 1; ; attempt++) {
      const snap = await current();
      refuseDrift(snap, expected);
      const { flag, segments } = change(snap);
      const obj = structuredClone(snap.obj);
      obj.spec!.flagSpec!.flags![target.flag] = flag;
      obj.metadata.annotations = recordWrite(obj, target.flag, flag, segments);
      // Nothing to change (a step repeated after a restart): no write, the resourceVersion stays.
      if (
        flagHash(flag) === snap.hash &&
        obj.metadata.annotations[LAST_WRITE_ANNOTATION] ===
          snap.obj.metadata.annotations?.[LAST_WRITE_ANNOTATION]
      )
        return snap.reading;
      try {
        await replace(obj);
        return (await current()).reading;
      } catch (error) {
        if (!(error instanceof ClusterError && error.kind === 'conflict') || attempt >= WRITE_ATTEMPTS)
          throw error;
        // Someone wrote between our read and our write: read again (and check drift again).
      }
    }
  };

  const ramp = (percent: number, segments: readonly FlagSegment[] | undefined, snap: FlagSnapshot) => {
    const flag = structuredClone(snap.flag!);
    requireVariants(flag);
    if (snap.parsed.untouchable !== undefined)
      throw new FlagInvalidError(
        `${described} has targeting Switchyard cannot rewrite without losing it (${JSON.stringify(snap.parsed.untouchable)}); change it by hand or use the kill switch first.`,
      );
    const rules = segments ?? snap.parsed.segments;
    const { targeting: _old, ...rest } = flag;
    void _old;
    return {
      flag: {
        ...rest,
        state: 'ENABLED',
        targeting: buildTargeting(rules, percent, newVariant, offVariant, snap.parsed.unknown),
      },
      segments: rules,
    };
  };

  return {
    kind: 'openfeature',
    describe: () => described,

    async read(signal) {
      signal?.throwIfAborted();
      return (await current()).reading;
    },

    async setPercent(percent, expected) {
      if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100))
        throw new FlagInvalidError(`A percentage must be between 0 and 100, got ${String(percent)}.`);
      return write((snap) => ramp(percent, undefined, snap), expected);
    },

    async setSegments(segments, expected) {
      for (const s of segments)
        if (!s.attribute || !s.values.length)
          throw new FlagInvalidError(`Segment "${s.name}" needs an attribute and at least one value.`);
      return write((snap) => {
        const on = snap.reading.enabled ? (snap.reading.percent[newVariant] ?? 0) : 0;
        return ramp(on, segments, snap);
      }, expected);
    },

    async kill() {
      return write((snap) => {
        const flag = structuredClone(snap.flag!);
        if (!(offVariant in (flag.variants ?? {})))
          throw new FlagInvalidError(`${described} has no variant ${offVariant} to fall back to.`);
        const { targeting: _old, ...rest } = flag;
        void _old;
        return { flag: { ...rest, state: 'ENABLED', defaultVariant: offVariant }, segments: [] };
      }, undefined);
    },

    async listFlags(signal) {
      signal?.throwIfAborted();
      const list = (await k.read(`listing FeatureFlags in ${target.namespace}`, () =>
        k.custom.listNamespacedCustomObject({ ...FF, namespace: target.namespace }),
      )) as { items?: FeatureFlagObject[] };
      const out: FlagSummary[] = [];
      for (const ff of list.items ?? [])
        for (const [key, flag] of Object.entries(ff.spec?.flagSpec?.flags ?? {}))
          out.push({
            key: ff.metadata.name === target.name ? key : `${ff.metadata.name}/${key}`,
            variants: Object.keys(flag.variants ?? {}),
            enabled: flag.state !== 'DISABLED',
            description: `FeatureFlag ${target.namespace}/${ff.metadata.name}`,
          });
      return out;
    },

    async readFlag(key, signal) {
      signal?.throwIfAborted();
      const [name, flag] = key.includes('/') ? key.split('/', 2) : [target.name, key];
      const snap = snapshot(await get(name), { ...target, name: name!, flag: flag! });
      if (!snap.flag)
        throw new ClusterError('notFound', `FeatureFlag ${target.namespace}/${name} has no flag ${flag}.`);
      return snap.reading;
    },

    async check(signal) {
      signal?.throwIfAborted();
      const out: FlagCheck[] = [];
      let obj: FeatureFlagObject | undefined;
      try {
        obj = await get();
        out.push({
          check: 'reachable',
          ok: true,
          detail: `${where} answers through context "${k.context}".`,
        });
      } catch (error) {
        const e = error as ClusterError;
        if (e.kind !== 'notFound') {
          out.push({ check: 'reachable', ok: false, detail: e.message });
          return out;
        }
        out.push({ check: 'reachable', ok: true, detail: `The cluster of context "${k.context}" answers.` });
      }
      out.push(...(await access()));
      const flag = obj?.spec?.flagSpec?.flags?.[target.flag];
      out.push({
        check: 'flag exists',
        ok: !!flag,
        detail: !obj
          ? `There is no ${where}.`
          : flag
            ? `${where} has flag ${target.flag}.`
            : `${where} has no flag ${target.flag} (it has ${Object.keys(obj.spec?.flagSpec?.flags ?? {}).join(', ') || 'none'}).`,
      });
      if (flag) {
        const have = Object.keys(flag.variants ?? {});
        const missing = [newVariant, offVariant].filter((v) => !have.includes(v));
        out.push({
          check: 'variants exist',
          ok: missing.length === 0,
          detail: missing.length
            ? `Flag ${target.flag} has no variant ${missing.join(' or ')} (it has ${have.join(', ') || 'none'}).`
            : `Flag ${target.flag} has the variants ${newVariant} (new) and ${offVariant} (off).`,
        });
      }
      return out;
    },
  };

  async function access(): Promise<FlagCheck[]> {
    const can = async (verb: string) =>
      (
        await accessReview(k, {
          verb,
          group: FF.group,
          resource: FF.plural,
          namespace: target.namespace,
          name: target.name,
        })
      ).allowed;
    try {
      const [read, update] = await Promise.all([can('get'), can('update')]);
      return [
        {
          check: 'authorised',
          ok: read,
          detail: read
            ? `Context "${k.context}" may read ${where}.`
            : `Context "${k.context}" may not read ${where} (RBAC: get featureflags.core.openfeature.dev).`,
        },
        {
          check: 'can edit',
          ok: update,
          detail: update
            ? `Context "${k.context}" may change ${where}.`
            : `Context "${k.context}" may not change ${where} (RBAC: update featureflags.core.openfeature.dev in ${target.namespace}).`,
        },
      ];
    } catch (error) {
      return [{ check: 'authorised', ok: false, detail: (error as Error).message }];
    }
  }
}
