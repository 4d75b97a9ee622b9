import { formatThreshold, unitOfMetric } from '../format/number.ts';
import { trendWords } from '../format/trend.ts';
import type { Decision, Evidence } from './release.schema.ts';

/**
 * What a decision says about the new version: `pass`, `pass-with-failures` (it went on although some
 * measurements failed, within the plan's failure limit, or a `warn` check breached), `fail`, `inconclusive`
 * (no data to judge), or `info` (an operator action, a planned pause, a gate: no judgement).
 */
export type DecisionVerdict = 'pass' | 'pass-with-failures' | 'fail' | 'inconclusive' | 'info';

const FAIL_CAUSES: ReadonlySet<string> = new Set([
  'analysis-failed',
  'rollback-trigger',
  'ready-timeout',
  'warmup-failed',
  'smoke-failed',
  'validation-failed',
  'rollout-failed',
  'guardrail',
  'cluster-error',
]);

const PASS_CAUSES: ReadonlySet<string> = new Set([
  'analysis-passed',
  'validation-passed',
  'experiment-result',
  'completed',
]);

/** The verdict of one decision, from its cause, kind and the outcomes of its samples. */
export function decisionVerdict(d: Pick<Decision, 'kind' | 'cause' | 'evidence'>): DecisionVerdict {
  if (d.cause === 'analysis-inconclusive') return 'inconclusive';
  if (d.cause === 'validation-warning') return 'pass-with-failures';
  if (FAIL_CAUSES.has(d.cause) || (d.kind === 'abort' && d.cause !== 'operator')) return 'fail';
  if (PASS_CAUSES.has(d.cause)) {
    const failed = d.evidence.some((e) => e.samples.some((s) => s.outcome === 'failure'));
    return failed ? 'pass-with-failures' : 'pass';
  }
  return 'info';
}

/** The word each verdict has in the console and the CLI. */
export const VERDICT_WORDS: Readonly<Record<DecisionVerdict, string>> = {
  pass: 'passed',
  'pass-with-failures': 'passed with failures',
  fail: 'failed',
  inconclusive: 'inconclusive',
  info: 'noted',
};

const KIND_TITLES: Readonly<Record<Decision['kind'], string>> = {
  promote: 'Promoted',
  abort: 'Aborted',
  rollback: 'Rolled back',
  pause: 'Paused',
  resume: 'Resumed',
  retry: 'Retried',
  complete: 'Completed',
  continue: 'Continued',
};

/**
 * A decision's title for a toast, a card or a CLI line: what happened and, when the verdict qualifies it, how:
 * `Promoted`, `Promoted with failures`, `Paused: inconclusive`, `Aborted`, `Continued with failures`.
 */
export function decisionTitle(d: Pick<Decision, 'kind' | 'cause' | 'evidence'>): string {
  const verdict = decisionVerdict(d);
  const what = KIND_TITLES[d.kind];
  if (verdict === 'pass-with-failures')
    return `${what} with ${d.cause === 'validation-warning' ? 'warnings' : 'failures'}`;
  if (verdict === 'inconclusive') return `${what}: inconclusive`;
  if (verdict === 'fail' && (d.kind === 'pause' || d.kind === 'continue')) return `${what}: failed`;
  return what;
}

/**
 * One metric's evidence in words: its samples' trend in the metric's unit, the condition and the arithmetic,
 * e.g. `error-rate: 2.1 % → 7 %, rising (pass when < 1 %); failed 2 ≤ failureLimit 3`.
 */
export function evidenceWords(e: Evidence): string {
  const unit = unitOfMetric(e.metric);
  const values = e.samples.map((s) => s.value);
  const judged = e.result === 'breached' ? 'breach when' : 'pass when';
  return `${e.metric}: ${trendWords(values, unit)} (${judged} ${formatThreshold(e.op, e.threshold, unit)}); ${e.arithmetic}`;
}
