import { formatPlanDuration } from '../../src-shared/format/duration.ts';
import { formatThreshold, unitOfMetric } from '../../src-shared/format/number.ts';
import { parsePlan } from '../../src-shared/plan/plan.parse.ts';
import type { ComparisonOp, MetricKind } from '../../src-shared/plan/plan.schema.ts';
import type { ThresholdLine } from './timeline-marks.ts';
import type { HealthMetric } from './timeline-series.ts';

const SERIES_OF_KIND: Partial<Record<MetricKind, HealthMetric>> = {
  'error-rate': 'errorRate',
  'latency-p95': 'p95Ms',
  'latency-p99': 'p99Ms',
};

/** A plan's condition for one metric of one analysis template (or `rollbackTriggers`, as the engine names that group). */
export interface PlanCondition {
  group: string;
  metric: string;
  op: ComparisonOp;
  threshold: number;
}

/** What the timeline and the analysis table need from a plan. */
export interface PlanThresholds {
  lines: ThresholdLine[];
  conditions: PlanCondition[];
}

/**
 * Threshold lines (analysis success conditions and rollback triggers that map to a drawn series)
 * and every condition by group and metric, from plan text.
 * @returns empty lists when the plan does not parse.
 */
export function planThresholds(text: string | null): PlanThresholds {
  if (!text) return { lines: [], conditions: [] };
  const parsed = parsePlan(text);
  if (!parsed.ok) return { lines: [], conditions: [] };
  const lines: ThresholdLine[] = [];
  const conditions: PlanCondition[] = [];
  const s = parsed.plan.strategy;
  const background = new Set(s.kind === 'canary' ? (s.background?.templates ?? []) : []);
  for (const t of parsed.plan.analysis.templates) {
    for (const m of t.metrics) {
      const { op, threshold } = m.successCondition;
      conditions.push({ group: t.name, metric: m.name, op, threshold });
      const series = SERIES_OF_KIND[m.kind];
      if (series)
        lines.push({
          metric: series,
          value: threshold,
          label: `${m.name} ${formatThreshold(op, threshold, unitOfMetric(m.kind))}`,
          ...(background.has(t.name) ? {} : { appliesTo: { analysis: [t.name] } }),
        });
    }
  }
  for (const t of parsed.plan.rollbackTriggers) {
    conditions.push({ group: 'rollbackTriggers', metric: t.metric, op: t.op, threshold: t.threshold });
    const series = SERIES_OF_KIND[t.metric];
    if (series)
      lines.push({
        metric: series,
        value: t.threshold,
        label: `roll back if ${formatThreshold(t.op, t.threshold, unitOfMetric(t.metric))} for ${formatPlanDuration(t.for)}`,
      });
  }
  if (s.kind === 'blue-green' || s.kind === 'rolling')
    for (const c of s.validation.checks) {
      const series = SERIES_OF_KIND[c.metric];
      if (series)
        lines.push({
          metric: series,
          value: c.threshold,
          label: `validation ${c.severity === 'fail' ? 'fails' : 'warns'} if ${formatThreshold(c.op, c.threshold, unitOfMetric(c.metric))}`,
          appliesTo: 'validation',
        });
    }
  return { lines: mergeSameLines(lines), conditions };
}

/**
 * One line per metric and value: the first one's label, applying whenever any of them applies (several
 * analysis templates' names together; all along when one of them applies all along).
 */
function mergeSameLines(lines: readonly ThresholdLine[]): ThresholdLine[] {
  const byKey = new Map<string, ThresholdLine>();
  for (const l of lines) {
    const k = `${l.metric}:${l.value}`;
    const prev = byKey.get(k);
    if (!prev) byKey.set(k, l);
    else if (prev.appliesTo === undefined || l.appliesTo === undefined) {
      const { appliesTo: _dropped, ...always } = prev;
      byKey.set(k, always);
    } else if (typeof prev.appliesTo === 'object' && typeof l.appliesTo === 'object')
      byKey.set(k, {
        ...prev,
        appliesTo: { analysis: [...prev.appliesTo.analysis, ...l.appliesTo.analysis] },
      });
  }
  return [...byKey.values()];
}
