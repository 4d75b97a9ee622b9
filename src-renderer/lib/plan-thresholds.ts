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
  const seen = new Set<string>();
  return {
    lines: lines.filter((l) => {
      const k = `${l.metric}:${l.value}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    }),
    conditions,
  };
}
