import { formatRelative } from '../../../src-shared/format/duration.ts';
import { formatWeights } from '../../../src-shared/format/number.ts';
import { formatDateTime, formatTime } from '../../../src-shared/format/time.ts';
import type { ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import { stepWords } from '../../../src-shared/release/release-words.ts';
import { cohortRuleLines, rolloutPodsWords } from '../../../src-shared/release/traffic-detail-words.ts';

/** Where a release stands, for `switchyard status`: its step, weights, what it waits for and since when. */
export interface ReleaseWhereabouts {
  /** `step 2 of 3 (pause until promoted)`; null when it stands at no step. */
  step: string | null;
  /** Traffic per track in percent: read back from the router, else the intended split. */
  weights: Record<string, number>;
  /** True when `weights` were read back from the router, false when they are only what the engine asked for. */
  weightsRead: boolean;
  /**
   * A resumed release's weights before it read them itself, in words: `read back on resume` (with what it asked
   * for when that differs) or `as journaled; not read back on resume`. Absent otherwise.
   */
  weightsNote?: string;
  /** What the release waits for, in words; null when it has ended. */
  waitingFor: string | null;
  /** A rolling release's pods, `pods 12/18/20 (updated/ready/total)`; absent for other strategies. */
  pods?: string;
  /** An A/B test's routing rules, one line each (then its stickiness); absent for other strategies. */
  cohortRules?: string[];
  /** Since when it stands there, milliseconds since the Unix epoch (the release's clock); null when unknown. */
  sinceMs: number | null;
}

/** The whereabouts of a release from its projection. */
export function whereabouts(s: ReleaseSnapshot, nowMs: number): ReleaseWhereabouts {
  const live = s.status === 'running' || s.status === 'paused';
  let waitingFor: string | null = null;
  if (s.pause) waitingFor = s.pause.message;
  else if (live && s.waitUntilMs !== null)
    waitingFor = `the next check, due ${formatRelative(s.waitUntilMs, nowMs)}`;
  else if (live) waitingFor = 'the current step to finish';
  return {
    step: stepWords(s) || null,
    weights: s.traffic.actual ?? s.traffic.intended,
    weightsRead: s.traffic.actual !== null,
    ...(s.traffic.onResume ? { weightsNote: resumeWeightsNote(s) } : {}),
    waitingFor,
    sinceMs: s.pause?.sinceMs ?? s.updatedAtMs,
    ...(s.rollout ? { pods: rolloutPodsWords(s.rollout) } : {}),
    ...(s.cohorts ? { cohortRules: cohortRuleLines(s.cohorts) } : {}),
  };
}

/**
 * `    step 2 of 3 (…) · traffic stable 80 % · canary 20 % · waiting for … · since 14:03:25 CET (3 minutes ago)`,
 * with a rolling release's pods after the traffic, and an A/B test's rules below, one line each.
 */
export function whereaboutsLine(w: ReleaseWhereabouts, simulated: boolean, nowMs: number): string {
  const parts = [
    ...(w.step ? [w.step] : []),
    `traffic ${formatWeights(w.weights)}${w.weightsNote ? ` (${w.weightsNote})` : w.weightsRead ? '' : ' (intended)'}`,
    ...(w.pods ? [w.pods] : []),
    ...(w.waitingFor ? [`waiting for ${w.waitingFor.replace(/\.$/, '')}`] : []),
  ];
  if (w.sinceMs !== null) {
    // A sandbox's clock runs fast: its times are labelled, and "ago" would compare it with the wall clock.
    const since = simulated
      ? formatTime(w.sinceMs, { simulated })
      : `${formatTime(w.sinceMs)} (${formatRelative(w.sinceMs, nowMs)})`;
    parts.push(`since ${since}`);
  }
  return [`    ${parts.join(' · ')}`, ...(w.cohortRules ?? []).map((rule) => `      ${rule}`)].join('\n');
}

/**
 * How a resumed release's weights were had, e.g. `read back on resume; the release asked for stable 90 % · canary
 * 10 %`, or `as journaled; not read back on resume`; empty when the release has read them itself since.
 */
export function resumeWeightsNote(s: ReleaseSnapshot): string {
  if (s.traffic.onResume === 'journaled') return 'as journaled; not read back on resume';
  if (s.traffic.onResume !== 'read') return '';
  return s.traffic.mismatch
    ? `read back on resume; the release asked for ${formatWeights(s.traffic.intended)}`
    : 'read back on resume';
}

/** A release's start for the list: `2026-12-06 14:03:25 CET`, or `sim …` on a sandbox's clock. */
export function startedWords(ms: number, simulated: boolean): string {
  return formatDateTime(ms, { simulated });
}
