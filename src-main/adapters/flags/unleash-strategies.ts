import type { FlagSegment } from '../../ports/exposure.port.ts';

/** A strategy of a feature in one environment, as the Admin API sends and takes it. */
export interface UnleashStrategy {
  id?: string;
  name: string;
  title?: string | null;
  disabled?: boolean | null;
  constraints?: UnleashConstraint[];
  parameters?: Record<string, string>;
  variants?: UnleashStrategyVariant[];
  segments?: number[];
  sortOrder?: number;
}

export interface UnleashConstraint {
  contextName: string;
  operator: string;
  values?: string[];
  value?: string;
  inverted?: boolean;
  caseInsensitive?: boolean;
}

export interface UnleashStrategyVariant {
  name: string;
  weight: number;
  weightType: 'variable' | 'fix';
  stickiness: string;
}

export interface UnleashFeatureEnvironment {
  name: string;
  enabled: boolean;
  strategies: UnleashStrategy[];
}

export interface UnleashFeature {
  name: string;
  description?: string | null;
  project: string;
  environments: UnleashFeatureEnvironment[];
}

/** The title of the one `flexibleRollout` strategy Switchyard ramps. */
export const RAMP_TITLE = 'Switchyard ramp';
/** Titles of Switchyard's user-targeting strategies start with this, followed by the segment's name. */
export const SEGMENT_TITLE_PREFIX = 'Switchyard segment: ';
/** Segment strategies sort first (the first matching strategy's variants win); the ramp after them. */
const RAMP_SORT_ORDER = 1000;

const OPERATORS: Record<FlagSegment['operator'], string> = {
  in: 'IN',
  not_in: 'NOT_IN',
  ends_with: 'STR_ENDS_WITH',
  starts_with: 'STR_STARTS_WITH',
};

export interface RampShape {
  /** The feature's key: the rollout's `groupId`, so the same users stay in as the percentage grows. */
  flag: string;
  stickiness: string;
  /** Served through strategy variants to users in; absent when the flag is plain on/off. */
  newVariant?: string;
}

export function isRamp(strategy: UnleashStrategy): boolean {
  return strategy.name === 'flexibleRollout' && strategy.title === RAMP_TITLE;
}

export function isSegment(strategy: UnleashStrategy): boolean {
  return strategy.title?.startsWith(SEGMENT_TITLE_PREFIX) ?? false;
}

/** The `flexibleRollout` strategy that exposes `percent` of users (by stickiness, grouped by the flag). */
export function rampStrategy(percent: number, shape: RampShape): UnleashStrategy {
  return {
    name: 'flexibleRollout',
    title: RAMP_TITLE,
    disabled: false,
    constraints: [],
    parameters: { rollout: String(percent), stickiness: shape.stickiness, groupId: shape.flag },
    variants: variantsFor(shape.newVariant, shape.stickiness),
    segments: [],
    sortOrder: RAMP_SORT_ORDER,
  };
}

/** A strategy serving everyone matching the segment's constraint (100 %), with the segment's variant. */
export function segmentStrategy(segment: FlagSegment, index: number, shape: RampShape): UnleashStrategy {
  return {
    name: 'flexibleRollout',
    title: `${SEGMENT_TITLE_PREFIX}${segment.name}`,
    disabled: false,
    constraints: [
      {
        contextName: segment.attribute,
        operator: OPERATORS[segment.operator],
        values: [...segment.values],
        inverted: false,
        caseInsensitive: false,
      },
    ],
    parameters: { rollout: '100', stickiness: shape.stickiness, groupId: shape.flag },
    variants: variantsFor(segment.variant ?? shape.newVariant, shape.stickiness),
    segments: [],
    sortOrder: index,
  };
}

function variantsFor(variant: string | undefined, stickiness: string): UnleashStrategyVariant[] {
  return variant ? [{ name: variant, weight: 1000, weightType: 'variable', stickiness }] : [];
}

/** The segment Switchyard wrote as `strategy`, read back; undefined when it is not one of ours any more. */
export function segmentOf(strategy: UnleashStrategy): FlagSegment | undefined {
  const constraint = strategy.constraints?.[0];
  if (!isSegment(strategy) || !constraint || strategy.constraints?.length !== 1) return undefined;
  const operator = (Object.keys(OPERATORS) as FlagSegment['operator'][]).find(
    (key) => OPERATORS[key] === constraint.operator,
  );
  if (!operator || constraint.inverted) return undefined;
  const variant = strategy.variants?.[0]?.name;
  return {
    name: (strategy.title ?? '').slice(SEGMENT_TITLE_PREFIX.length),
    attribute: constraint.contextName,
    operator,
    values: constraint.values ?? (constraint.value === undefined ? [] : [constraint.value]),
    ...(variant ? { variant } : {}),
  };
}

/** True when writing `desired` over `current` would change what Unleash serves. */
export function differs(current: UnleashStrategy, desired: UnleashStrategy): boolean {
  const pick = (s: UnleashStrategy) =>
    JSON.stringify({
      name: s.name,
      disabled: Boolean(s.disabled),
      constraints: (s.constraints ?? []).map((c) => [
        c.contextName,
        c.operator,
        c.values ?? [c.value],
        Boolean(c.inverted),
      ]),
      parameters: Object.entries(s.parameters ?? {}).sort(([a], [b]) => a.localeCompare(b)),
      variants: (s.variants ?? []).map((v) => [v.name, v.weight, v.stickiness]),
      segments: s.segments ?? [],
    });
  return pick(current) !== pick(desired);
}

/** The rollout percentage (0..100) one strategy gives users without constraints, or undefined when unknown. */
export function strategyPercent(strategy: UnleashStrategy): number | undefined {
  if (strategy.disabled) return 0;
  if (strategy.name === 'default') return 100;
  if (strategy.name !== 'flexibleRollout') return undefined;
  const rollout = Number(strategy.parameters?.rollout);
  return Number.isFinite(rollout) ? Math.min(100, Math.max(0, rollout)) : undefined;
}

/** One line about a strategy Switchyard did not write, e.g. `"Beta" (flexibleRollout 30 %, 1 constraint)`. */
export function describeStrategy(strategy: UnleashStrategy): string {
  const percent = strategyPercent(strategy);
  const constraints = strategy.constraints?.length ?? 0;
  const parts = [
    strategy.name + (percent === undefined || strategy.name === 'default' ? '' : ` ${percent} %`),
    ...(constraints ? [`${constraints} constraint${constraints === 1 ? '' : 's'}`] : []),
    ...(strategy.segments?.length ? [`${strategy.segments.length} segment(s)`] : []),
    ...(strategy.disabled ? ['disabled'] : []),
  ];
  return `${strategy.title ? `"${strategy.title}" ` : ''}(${parts.join(', ')})`;
}
