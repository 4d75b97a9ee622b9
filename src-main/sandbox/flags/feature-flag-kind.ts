import type { KubeObject } from '../selectors.ts';
import { invalid } from '../status.ts';

/** The OpenFeature Operator's flag kind, as the sandbox serves it. */
export const FEATURE_FLAGS = {
  group: 'core.openfeature.dev',
  version: 'v1beta1',
  plural: 'featureflags',
  kind: 'FeatureFlag',
  /** Storage key in the sandbox's object store. */
  storageKey: 'featureflags.core.openfeature.dev',
} as const;

/** One flag of a FeatureFlag's `spec.flagSpec.flags`, in flagd's flag definition format. */
export interface FlagDefinition {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, unknown>;
  defaultVariant: string;
  /** flagd JSON Logic; absent or `{}` = everyone gets `defaultVariant`. */
  targeting?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** The flags of a FeatureFlag object (empty when it has none). */
export function flagsOf(obj: KubeObject): Record<string, FlagDefinition> {
  const flags = obj.spec?.flagSpec?.flags;
  return flags && typeof flags === 'object' && !Array.isArray(flags)
    ? (flags as Record<string, FlagDefinition>)
    : {};
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * What the operator's CRD schema refuses (the API server answers 422 Invalid): a flag without a state of
 * ENABLED or DISABLED, without variants, with a default variant that is not one of its variants, or with
 * targeting that is not a JSON Logic object.
 */
export function checkFeatureFlag(obj: KubeObject): void {
  const name = obj.metadata.name;
  const flags = obj.spec?.flagSpec?.flags;
  if (flags === undefined) return;
  if (!isObject(flags))
    throw invalid(FEATURE_FLAGS.kind, name, [
      { field: 'spec.flagSpec.flags', message: `Invalid value: "${typeof flags}": must be an object` },
    ]);
  const causes: { field: string; message: string }[] = [];
  for (const [key, flag] of Object.entries(flags)) {
    const at = `spec.flagSpec.flags.${key}`;
    if (!isObject(flag)) {
      causes.push({ field: at, message: 'Invalid value: must be an object' });
      continue;
    }
    if (flag.state !== 'ENABLED' && flag.state !== 'DISABLED')
      causes.push({
        field: `${at}.state`,
        message: `Unsupported value: ${JSON.stringify(flag.state ?? null)}: supported values: "ENABLED", "DISABLED"`,
      });
    if (!isObject(flag.variants) || Object.keys(flag.variants).length === 0)
      causes.push({ field: `${at}.variants`, message: 'Required value: a flag needs at least one variant' });
    if (typeof flag.defaultVariant !== 'string')
      causes.push({ field: `${at}.defaultVariant`, message: 'Required value' });
    else if (isObject(flag.variants) && !(flag.defaultVariant in flag.variants))
      causes.push({
        field: `${at}.defaultVariant`,
        message: `Invalid value: "${flag.defaultVariant}": not one of the variants (${Object.keys(flag.variants).join(', ')})`,
      });
    if (flag.targeting !== undefined && !isObject(flag.targeting))
      causes.push({ field: `${at}.targeting`, message: 'Invalid value: must be a JSON Logic object' });
  }
  if (causes.length) throw invalid(FEATURE_FLAGS.kind, name, causes);
}
