import type { Decision, SampleRecord, StepView } from '../../src-shared/release/release.schema.ts';
import type { HealthMetric } from './timeline-series.ts';

/** The metric names the engine's samples use for a timeline series (best effort, by name). */
function sampleMatchesMetric(sampleMetric: string, metric: HealthMetric): boolean {
  const m = sampleMetric.toLowerCase();
  if (metric === 'errorRate') return m.includes('error') || m.includes('success');
  if (metric === 'p95Ms') return m.includes('p95');
  if (metric === 'p99Ms') return m.includes('p99');
  return m.includes('rps') || m.includes('request-rate') || m.includes('throughput');
}

/**
 * The engine sample nearest to a hovered time for a series and version, so hover can show its query.
 * @returns the sample, or null when none matches.
 */
export function nearestSample(
  samples: readonly SampleRecord[],
  metric: HealthMetric,
  version: string,
  x: number,
): SampleRecord | null {
  let best: SampleRecord | null = null;
  for (const s of samples) {
    if (s.version !== version || !sampleMatchesMetric(s.metric, metric)) continue;
    if (!best || Math.abs(s.atMs - x) < Math.abs(best.atMs - x)) best = s;
  }
  return best;
}

/** A vertical marker on the timeline for a decision the operator should see. */
export interface Marker {
  atMs: number;
  kind: 'promote' | 'pause' | 'abort' | 'rollback';
  label: string;
  summary: string;
}

const MARKER_KINDS = new Set<Marker['kind']>(['promote', 'pause', 'abort', 'rollback']);

/** Markers for promotions, pauses, aborts and roll-backs, oldest first. */
export function decisionMarkers(decisions: readonly Decision[]): Marker[] {
  return decisions
    .filter((d): d is Decision & { kind: Marker['kind'] } => MARKER_KINDS.has(d.kind as Marker['kind']))
    .map((d) => ({
      atMs: d.atMs,
      kind: d.kind,
      label: d.kind === 'rollback' ? 'roll back' : d.kind,
      summary: d.summary,
    }))
    .sort((a, b) => a.atMs - b.atMs);
}

/** A shaded time span of one plan step. */
export interface PhaseBand {
  stepIndex: number;
  label: string;
  fromMs: number;
  toMs: number;
}

/**
 * Time spans of the plan steps, from the times of the samples and decisions that name each step;
 * each band runs until the next one starts (the last until `nowMs`).
 */
export function phaseBands(
  steps: readonly StepView[],
  decisions: readonly Decision[],
  samples: readonly SampleRecord[],
  nowMs: number,
): PhaseBand[] {
  const first = new Map<number, number>();
  for (const e of [...decisions, ...samples]) {
    if (e.stepIndex === null) continue;
    const at = first.get(e.stepIndex);
    if (at === undefined || e.atMs < at) first.set(e.stepIndex, e.atMs);
  }
  const starts = [...first.entries()].sort((a, b) => a[1] - b[1]);
  return starts.map(([stepIndex, fromMs], i) => ({
    stepIndex,
    label: steps.find((s) => s.index === stepIndex)?.label ?? `step ${stepIndex + 1}`,
    fromMs,
    toMs: Math.max(fromMs, starts[i + 1]?.[1] ?? nowMs),
  }));
}

/**
 * Label positions (SVG y, down is larger) moved apart so no two are closer than `gap`: each label keeps
 * its place unless the one below it is too close, then it moves up. Returned in the input's order.
 */
export function spreadLabels(ys: readonly number[], gap: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => b.y - a.y);
  const out = new Array<number>(ys.length);
  let below = Infinity;
  for (const { y, i } of order) {
    const placed = Math.min(y, below - gap);
    out[i] = placed;
    below = placed;
  }
  return out;
}

/** A horizontal threshold line from the plan. */
export interface ThresholdLine {
  metric: HealthMetric;
  value: number;
  label: string;
  /**
   * When the threshold applies: during an analysis step running one of `analysis` (template names), during
   * the blue-green or rolling `validation` step, or all along (absent: rollback triggers, background analysis).
   */
  appliesTo?: { analysis: readonly string[] } | 'validation';
}

/** The step the release is at: the active one, else the one that failed; null when neither (not started, done). */
export function currentStep(steps: readonly StepView[]): StepView | null {
  return steps.find((s) => s.state === 'active') ?? steps.find((s) => s.state === 'failed') ?? null;
}

/**
 * Whether a threshold applies at `step` (the current step): every threshold does when there is no current
 * step, so a finished release shows them all alike.
 */
export function thresholdApplies(line: ThresholdLine, step: Pick<StepView, 'label'> | null): boolean {
  if (!step || line.appliesTo === undefined) return true;
  if (line.appliesTo === 'validation') return step.label === 'validate';
  const m = /^analysis (.+)$/.exec(step.label);
  const running = m ? m[1]!.split(', ') : [];
  return line.appliesTo.analysis.some((name) => running.includes(name));
}

/** A threshold as drawn: `current` when it applies at the current step (emphasised), faint otherwise. */
export type DrawnThreshold = ThresholdLine & { current: boolean };

/** The thresholds marked current or not at step `stepLabel` (null: no current step), the current ones last (drawn on top). */
export function drawnThresholds(lines: readonly ThresholdLine[], stepLabel: string | null): DrawnThreshold[] {
  const step = stepLabel === null ? null : { label: stepLabel };
  const out = lines.map((l) => ({ ...l, current: thresholdApplies(l, step) }));
  return [...out.filter((l) => !l.current), ...out.filter((l) => l.current)];
}
