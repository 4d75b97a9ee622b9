import type {
  FlagPrerequisite,
  FlagRolloutPlanStrategy,
  FlagStep,
} from '../../../src-shared/plan/flag-rollout.schema.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { ExposureReading, FlagSegment } from '../../ports/exposure.port.ts';
import type { TrafficSplit } from '../../ports/release.port.ts';

/** The flag ramp strategy of a plan (the machine runs only flag-rollout plans). */
export function flagStrategy(plan: ReleasePlan): FlagRolloutPlanStrategy {
  return plan.strategy as FlagRolloutPlanStrategy;
}

/** The plan's steps. */
export function flagSteps(plan: ReleasePlan): FlagStep[] {
  return flagStrategy(plan).steps;
}

/** Percent per variant when `percent` of users get the new variant. */
export function exposureFor(plan: ReleasePlan, percent: number): Record<string, number> {
  const s = flagStrategy(plan);
  return { [s.offVariant]: 100 - percent, [s.newVariant]: percent };
}

/** Percent of users the new variant reaches in a reading (0 when the flag is disabled). */
export function newPercent(reading: ExposureReading): number {
  return reading.enabled ? (reading.percent[reading.newVariant] ?? 0) : 0;
}

/** True when nobody is served the new variant: the flag is disabled, or at 0 % with no user segment. */
export function offForEveryone(reading: ExposureReading): boolean {
  if (!reading.enabled) return true;
  return newPercent(reading) === 0 && (reading.segments ?? []).length === 0;
}

/** A reading as the traffic view shows it: percent per variant read back, and where it was read. */
export function splitOf(reading: ExposureReading): TrafficSplit {
  const weights = reading.enabled
    ? reading.percent
    : Object.fromEntries(Object.keys(reading.percent).map((k) => [k, k === reading.newVariant ? 0 : 100]));
  return {
    weights,
    source: reading.source,
    ...(reading.version ? { resourceVersion: reading.version } : {}),
    ...(reading.notes?.length ? { notes: reading.notes } : {}),
  };
}

/** The plan's segments as the provider takes them: each serves the new variant unless it names another. */
export function providerSegments(plan: ReleasePlan): FlagSegment[] {
  const s = flagStrategy(plan);
  return s.segments.map((g) => ({
    name: g.name,
    attribute: g.attribute,
    operator: g.operator,
    values: g.values,
    variant: g.variant ?? s.newVariant,
  }));
}

/** True when two readings expose the same users to the same variants (the version token aside). */
export function sameExposure(a: ExposureReading, b: ExposureReading): boolean {
  if (a.enabled !== b.enabled) return false;
  const keys = new Set([...Object.keys(a.percent), ...Object.keys(b.percent)]);
  return [...keys].every((k) => Math.abs((a.percent[k] ?? 0) - (b.percent[k] ?? 0)) < 0.01);
}

const shown = (r: ExposureReading) =>
  r.enabled
    ? Object.entries(r.percent)
        .map(([k, v]) => `${k} ${Math.round(v * 100) / 100} %`)
        .join(', ')
    : 'disabled (everyone off)';

/** One sentence naming a drift: what Switchyard last read or wrote, and what the flag shows now. */
export function exposureDifference(expected: ExposureReading, now: ExposureReading, what: string): string {
  return `Someone else changed ${what}: Switchyard left it at ${shown(expected)}, it now shows ${shown(now)} (${now.source}). The ramp is paused and does not overwrite the change; resume to go on from what the flag shows now, or pull the kill switch.`;
}

/** Why a prerequisite flag does not allow a move yet, or null when it does. */
export function unmetPrerequisite(p: FlagPrerequisite, reading: ExposureReading): string | null {
  if (p.variant !== undefined) {
    const at = reading.enabled ? (reading.percent[p.variant] ?? 0) : 0;
    return at >= 100
      ? null
      : `prerequisite flag "${p.flag}" serves ${p.variant} to ${Math.round(at)} % of users, not everyone`;
  }
  const at = newPercent(reading);
  if (!reading.enabled) return `prerequisite flag "${p.flag}" is disabled`;
  return at >= 100 ? null : `prerequisite flag "${p.flag}" is at ${Math.round(at)} %, not 100 %`;
}

/**
 * When a scheduled step may start, milliseconds since the Unix epoch, or null when it has no schedule.
 * The step's `at` is absolute, so a restored machine waits for the same instant.
 */
export function scheduledAt(step: FlagStep | undefined): number | null {
  return step?.at === undefined ? null : Date.parse(step.at);
}
