import { formatThreshold, unitOfMetric } from '../../src-shared/format/number.ts';
import type {
  Decision,
  Evidence,
  ReleaseSnapshot,
  SampleRecord,
  TrafficView,
} from '../../src-shared/release/release.schema.ts';
import type { PlanCondition } from './plan-thresholds.ts';

/** One track of the traffic split: what the engine asked for and what the router holds. */
export interface TrafficRow {
  track: string;
  intended: number;
  /** null before the router was read or when the track is missing there. */
  actual: number | null;
  differs: boolean;
}

/** The traffic split per track, intended tracks first, then any the router alone reports. */
export function trafficRows(view: TrafficView): TrafficRow[] {
  const tracks = [...Object.keys(view.intended)];
  for (const t of Object.keys(view.actual ?? {})) if (!tracks.includes(t)) tracks.push(t);
  return tracks.map((track) => {
    const intended = view.intended[track] ?? 0;
    const actual = view.actual ? (view.actual[track] ?? null) : null;
    return { track, intended, actual, differs: view.actual !== null && (actual ?? 0) !== intended };
  });
}

/** One row of the analysis table. */
export interface AnalysisRow {
  key: string;
  atMs: number;
  stepIndex: number | null;
  group: string;
  metric: string;
  version: string;
  value: number | null;
  /** `<= 500`, or null when neither the decisions nor the plan state one. */
  condition: string | null;
  outcome: SampleRecord['outcome'];
  query: string;
  note: string | null;
}

/**
 * Every sample the release holds (its recent samples plus those cited as evidence), once each,
 * oldest first, with the condition it was judged against from the evidence or, failing that, the plan.
 */
export function analysisRows(
  samples: readonly SampleRecord[],
  decisions: readonly Decision[],
  planConditions: readonly PlanCondition[],
): AnalysisRow[] {
  const conditions = new Map<string, string>();
  // In the samples' unit: `< 2 %`, not `< 0.02`.
  const condition = (metric: string, op: Evidence['op'], threshold: number) =>
    formatThreshold(op, threshold, unitOfMetric(metric));
  for (const c of planConditions)
    conditions.set(`${c.group}/${c.metric}`, condition(c.metric, c.op, c.threshold));
  const all = new Map<string, SampleRecord>();
  const keyOf = (s: SampleRecord) => `${s.atMs}/${s.group}/${s.metric}/${s.version}/${s.source}`;
  for (const d of decisions)
    for (const e of d.evidence) {
      conditions.set(`${e.group}/${e.metric}`, condition(e.metric, e.op, e.threshold));
      for (const s of e.samples) all.set(keyOf(s), s);
    }
  for (const s of samples) all.set(keyOf(s), s);
  return [...all.entries()]
    .map(([key, s]) => ({
      key,
      atMs: s.atMs,
      stepIndex: s.stepIndex,
      group: s.group,
      metric: s.metric,
      version: s.version,
      value: s.value,
      condition: conditions.get(`${s.group}/${s.metric}`) ?? null,
      outcome: s.outcome,
      query: s.query,
      note: s.note ?? null,
    }))
    .sort((a, b) => a.atMs - b.atMs);
}

/** The decision that ended a release (abort, roll back), the latest one, or null. */
export function lastDecision(decisions: readonly Decision[]): Decision | null {
  return decisions.length === 0 ? null : decisions.reduce((a, b) => (b.seq > a.seq ? b : a));
}

/** A step as the step list shows it: its state word and the class that colours it. */
export interface StepRow {
  index: number;
  label: string;
  state: string;
  className: string;
  current: boolean;
}

/** How the step list ends the sentence "nothing: the release …" for a release that stopped early. */
const ENDED_WORDS: Partial<Record<ReleaseSnapshot['status'], string>> = {
  aborted: 'was aborted',
  rolledBack: 'was rolled back',
  failed: 'failed',
};

/**
 * The steps of a release for the step list, and what it does next. A release that was aborted, rolled
 * back or failed stopped in its current step: the engine keeps that step pending (a retry could run it),
 * but the list says it stopped there and that nothing comes next.
 */
export function stepRows(snapshot: ReleaseSnapshot): { rows: StepRow[]; next: string } {
  const ended = ENDED_WORDS[snapshot.status];
  const rows = snapshot.steps.map((s) => {
    const current = s.index === snapshot.currentStep;
    const stopped = ended !== undefined && current && (s.state === 'pending' || s.state === 'active');
    return {
      index: s.index,
      label: s.label,
      state: stopped ? 'stopped' : s.state,
      className: `step step-${stopped ? 'stopped' : s.state}`,
      current,
    };
  });
  const next = snapshot.steps.find((s) => s.state === 'pending');
  return {
    rows,
    next: ended ? `nothing: the release ${ended}` : next ? next.label : 'nothing: last step',
  };
}
