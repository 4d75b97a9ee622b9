import type { FlagSegment } from '../../../ports/exposure.port.ts';

/**
 * flagd targeting (JSON Logic) as Switchyard writes and reads it for a ramp between an off and a new variant:
 *
 * - no segments: `{ "fractional": [["<new>", p], ["<off>", 100 - p]] }` (weights are whole numbers, as flagd
 *   requires: 12.5 % is written `[["<new>", 1250], ["<off>", 8750]]`);
 * - with segments: `{ "if": [<segment 1>, "<variant>", <segment 2>, "<variant>", …, <fractional>] }`, so
 *   segment members get their variant first and everyone else is split by the percentage;
 * - a segment is `{"in": [{"var": attr}, [values]]}`, `{"!": {"in": …}}`, or `{"ends_with"|"starts_with":
 *   [{"var": attr}, value]}` (several values joined with `or`).
 *
 * Anything else in the targeting is kept as Switchyard found it when it rewrites the percentage, and
 * reported in `unknown`; a final rule that is neither a split nor a variant (`untouchable`) cannot be kept beside
 * a new split, so Switchyard refuses to rewrite such targeting.
 */
export interface ParsedTargeting {
  /** Percent (0..100) per variant of the final split; undefined when there is no split. */
  split?: Record<string, number>;
  /** Variant everyone outside the segments gets when there is no split (a plain variant name). */
  variant?: string;
  /** Segment rules Switchyard understands, in order. */
  segments: FlagSegment[];
  /** Rules it does not (kept verbatim on rewrite), one short JSON text each. */
  unknown: unknown[];
  /** The whole targeting or its final (else) rule, when it is neither a split nor a variant name. */
  untouchable?: unknown;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const isVar = (v: unknown, out: { attr?: string }): boolean => {
  if (!isObject(v) || Object.keys(v).length !== 1) return false;
  const name = Array.isArray(v.var) ? v.var[0] : v.var;
  if (typeof name !== 'string') return false;
  out.attr = name;
  return true;
};

/** The percentage split of a `fractional` operation (weights normalised to 100), or undefined. */
export function parseFractional(v: unknown): Record<string, number> | undefined {
  if (!isObject(v) || !Array.isArray(v.fractional) || Object.keys(v).length !== 1) return undefined;
  const buckets = v.fractional.filter(Array.isArray) as unknown[][];
  const weights = buckets.map((b) => [String(b[0]), b.length > 1 ? Number(b[1]) : 1] as const);
  if (!weights.length || weights.some(([, w]) => !(w >= 0))) return undefined;
  const total = weights.reduce((n, [, w]) => n + w, 0);
  const out: Record<string, number> = {};
  for (const [variant, w] of weights)
    out[variant] = (out[variant] ?? 0) + (total > 0 ? (w * 100) / total : 0);
  return out;
}

/** The segment a JSON Logic condition expresses, or undefined when it is not one Switchyard writes. */
export function parseSegment(cond: unknown): Omit<FlagSegment, 'name' | 'variant'> | undefined {
  if (!isObject(cond) || Object.keys(cond).length !== 1) return undefined;
  const [op, args] = Object.entries(cond)[0]!;
  const v: { attr?: string } = {};
  if (op === '!') {
    const inner = parseSegment(args);
    return inner?.operator === 'in' ? { ...inner, operator: 'not_in' } : undefined;
  }
  if (op === 'in' && Array.isArray(args) && isVar(args[0], v) && Array.isArray(args[1]))
    return { attribute: v.attr!, operator: 'in', values: args[1].map(String) };
  if ((op === 'ends_with' || op === 'starts_with') && Array.isArray(args) && isVar(args[0], v))
    return { attribute: v.attr!, operator: op, values: [String(args[1])] };
  if (op === 'or' && Array.isArray(args) && args.length > 0) {
    const parts = args.map(parseSegment);
    const first = parts[0];
    if (
      first &&
      (first.operator === 'ends_with' || first.operator === 'starts_with') &&
      parts.every((p) => p && p.operator === first.operator && p.attribute === first.attribute)
    )
      return { ...first, values: parts.flatMap((p) => p!.values) };
  }
  return undefined;
}

/** The JSON Logic condition of a segment. */
export function segmentCondition(s: FlagSegment): Json {
  const attr = { var: s.attribute };
  switch (s.operator) {
    case 'in':
      return { in: [attr, [...s.values]] };
    case 'not_in':
      return { '!': { in: [attr, [...s.values]] } };
    default: {
      const parts = s.values.map((value) => ({ [s.operator]: [attr, value] }));
      return parts.length === 1 ? parts[0]! : { or: parts };
    }
  }
}

/** Reads targeting; `names` are the segment names Switchyard recorded (by position). */
export function parseTargeting(targeting: unknown, names: readonly string[] = []): ParsedTargeting {
  const out: ParsedTargeting = { segments: [], unknown: [] };
  if (!isObject(targeting) || Object.keys(targeting).length === 0) return out;
  const tail = (v: unknown) => {
    const split = parseFractional(v);
    if (split) out.split = split;
    else if (typeof v === 'string') out.variant = v;
    else if (v !== undefined && v !== null) out.untouchable = v;
  };
  if (!Array.isArray(targeting.if) || Object.keys(targeting).length !== 1) {
    tail(targeting);
    return out;
  }
  const args = targeting.if as unknown[];
  for (let i = 0; i + 1 < args.length; i += 2) {
    const seg = parseSegment(args[i]);
    const variant = args[i + 1];
    if (seg && typeof variant === 'string') {
      const name = names[out.segments.length] ?? `${seg.attribute} ${seg.operator} ${seg.values.join(', ')}`;
      out.segments.push({ name, ...seg, variant });
    } else out.unknown.push({ if: [args[i], variant] });
  }
  if (args.length % 2 === 1) tail(args[args.length - 1]);
  return out;
}

/** The targeting for `segments` first, then `percent` % to `newVariant` and the rest to `offVariant`. */
export function buildTargeting(
  segments: readonly FlagSegment[],
  percent: number,
  newVariant: string,
  offVariant: string,
  keep: readonly unknown[] = [],
): Json {
  // flagd takes whole-number weights only: whole percentages as they are, others in hundredths of a percent.
  const hundredths = Math.round(percent * 100);
  const unit = hundredths % 100 === 0 ? 100 : 1;
  const split = {
    fractional: [
      [newVariant, hundredths / unit],
      [offVariant, (10_000 - hundredths) / unit],
    ],
  };
  const rules: unknown[] = [];
  for (const s of segments) rules.push(segmentCondition(s), s.variant ?? newVariant);
  for (const k of keep) if (isObject(k) && Array.isArray(k.if)) rules.push(...(k.if as unknown[]));
  return rules.length ? { if: [...rules, split] } : split;
}
