import { createHash } from 'node:crypto';
import type { ExposureReading, FlagSegment } from '../../../ports/exposure.port.ts';
import { parseTargeting, type ParsedTargeting } from './flag-targeting.ts';

/** The annotation where Switchyard records, per flag key, what it last wrote (a hash and its segment names). */
export const LAST_WRITE_ANNOTATION = 'switchyard.dev/openfeature-last-write';

/** A FeatureFlag object as the provider reads it (the fields it uses). */
export interface FeatureFlagObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: { flagSpec?: { flags?: Record<string, FlagDefinition> } };
  [k: string]: unknown;
}

/** One flag in flagd's definition format. */
export interface FlagDefinition {
  state?: string;
  variants?: Record<string, unknown>;
  defaultVariant?: string;
  targeting?: Record<string, unknown>;
  [k: string]: unknown;
}

export type LastWrites = Record<string, { hash: string; segments?: string[] }>;

/** Which flag of which FeatureFlag, and which of its variants are "off" and "new". */
export interface FlagTarget {
  namespace: string;
  /** The FeatureFlag object's name. */
  name: string;
  /** The flag key inside `spec.flagSpec.flags`. */
  flag: string;
  /** Default `on`. */
  newVariant?: string;
  /** Default `off`. */
  offVariant?: string;
}

/** What one read of the flag says, with what drift detection needs. */
export interface FlagSnapshot {
  obj: FeatureFlagObject;
  flag: FlagDefinition | undefined;
  hash: string;
  parsed: ParsedTargeting;
  lastWrite: { hash: string; segments?: string[] } | undefined;
  reading: ExposureReading;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** A short hash of a flag's definition (key order does not matter). */
export function flagHash(flag: FlagDefinition | undefined): string {
  return createHash('sha256')
    .update(stable(flag ?? null))
    .digest('hex')
    .slice(0, 16);
}

export function lastWrites(obj: FeatureFlagObject): LastWrites {
  try {
    const raw = obj.metadata.annotations?.[LAST_WRITE_ANNOTATION];
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return parsed && typeof parsed === 'object' ? (parsed as LastWrites) : {};
  } catch {
    return {};
  }
}

/** Reads a FeatureFlag object as the exposure of `target.flag`. */
export function snapshot(obj: FeatureFlagObject, target: FlagTarget): FlagSnapshot {
  const newVariant = target.newVariant ?? 'on';
  const offVariant = target.offVariant ?? 'off';
  const flag = obj.spec?.flagSpec?.flags?.[target.flag];
  const hash = flagHash(flag);
  const lastWrite = lastWrites(obj)[target.flag];
  const parsed = parseTargeting(flag?.targeting, lastWrite?.segments);
  const enabled = flag?.state !== 'DISABLED';
  const fallback = flag?.defaultVariant ?? offVariant;
  const percent: Record<string, number> = { [offVariant]: 0, [newVariant]: 0 };
  const share = !enabled ? { [fallback]: 100 } : (parsed.split ?? { [parsed.variant ?? fallback]: 100 });
  for (const [v, p] of Object.entries(share)) percent[v] = Math.round(((percent[v] ?? 0) + p) * 100) / 100;
  const notes: string[] = [];
  if (!enabled)
    notes.push(
      `Flag ${target.flag} is DISABLED: applications get their code default, counted as ${fallback}.`,
    );
  if (parsed.unknown.length)
    notes.push(
      `Flag ${target.flag} has targeting rules Switchyard did not write (kept as they are): ${parsed.unknown.map((u) => JSON.stringify(u)).join('; ')}.`,
    );
  if (parsed.untouchable !== undefined)
    notes.push(
      `Flag ${target.flag} ends its targeting with a rule Switchyard cannot keep beside a percentage: ${JSON.stringify(parsed.untouchable)}.`,
    );
  if (lastWrite && lastWrite.hash !== hash)
    notes.push(`Flag ${target.flag} was changed by someone else since Switchyard last wrote it.`);
  const rv = obj.metadata.resourceVersion ?? '';
  const reading: ExposureReading = {
    percent,
    newVariant,
    enabled,
    source: `FeatureFlag ${obj.metadata.namespace ?? target.namespace}/${obj.metadata.name} (resourceVersion ${rv})`,
    version: `${rv}:${hash}`,
    ...(parsed.segments.length ? { segments: parsed.segments } : {}),
    ...(notes.length ? { notes } : {}),
  };
  return { obj, flag, hash, parsed, lastWrite, reading };
}

/** The hash part of a reading's `version` token (`<resourceVersion>:<hash>`). */
export function hashOfVersion(version: string | undefined): string | undefined {
  const i = version?.lastIndexOf(':') ?? -1;
  return i >= 0 ? version!.slice(i + 1) : undefined;
}

function segmentsText(s: readonly FlagSegment[] | undefined): string {
  return s?.length
    ? s.map((x) => `${x.name} (${x.attribute} ${x.operator} ${x.values.join(', ')})`).join('; ')
    : 'none';
}

/** How `now` differs from `before`, in words (`on 10 % → 25 %; segments none → beta testers (…)`). */
export function describeDifference(before: ExposureReading, now: ExposureReading): string {
  const parts: string[] = [];
  if (before.enabled !== now.enabled)
    parts.push(`state ${before.enabled ? 'ENABLED' : 'DISABLED'} → ${now.enabled ? 'ENABLED' : 'DISABLED'}`);
  for (const v of new Set([...Object.keys(before.percent), ...Object.keys(now.percent)])) {
    const a = before.percent[v] ?? 0;
    const b = now.percent[v] ?? 0;
    if (a !== b) parts.push(`${v} ${a} % → ${b} %`);
  }
  const sa = segmentsText(before.segments);
  const sb = segmentsText(now.segments);
  if (sa !== sb) parts.push(`segments ${sa} → ${sb}`);
  return parts.length ? parts.join('; ') : 'its variants, default variant or targeting changed';
}

/** A reading in words: `ENABLED; on 25 %, off 75 %; segments none`. */
export function summary(r: ExposureReading): string {
  const shares = Object.entries(r.percent)
    .map(([v, p]) => `${v} ${p} %`)
    .join(', ');
  return `${r.enabled ? 'ENABLED' : 'DISABLED'}; ${shares}; segments ${segmentsText(r.segments)}`;
}

/** The annotations with Switchyard's record of what it wrote to `flag` now. */
export function recordWrite(
  obj: FeatureFlagObject,
  flag: string,
  written: FlagDefinition,
  segments: readonly FlagSegment[],
): Record<string, string> {
  const all = lastWrites(obj);
  all[flag] = {
    hash: flagHash(written),
    ...(segments.length ? { segments: segments.map((s) => s.name) } : {}),
  };
  return { ...(obj.metadata.annotations ?? {}), [LAST_WRITE_ANNOTATION]: JSON.stringify(all) };
}
