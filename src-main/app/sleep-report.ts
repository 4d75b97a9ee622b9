import { formatTime } from '../../src-shared/format/time.ts';
import type { ReleasePlan } from '../../src-shared/plan/plan.schema.ts';
import type { ReleaseSnapshot } from '../../src-shared/release/release.schema.ts';
import type { PendingMeasurement, ReleaseHandle } from '../engine/runner/release-runner.ts';
import type { SleepAwareClock, SleepGap } from './sleep-detector.ts';

/** What the operator is told about one release after the computer slept. */
export interface SleepReport {
  title: string;
  /** Plain sentences, one topic a line: how long, what the release did on waking, what to check. */
  body: string;
  /** The facts behind the sentences, for the audit entry. */
  data: {
    fromMs: number;
    toMs: number;
    sleptMs: number;
    before: { status: string; step: number | null; waitUntilMs: number | null };
    after: { status: string; step: number | null };
    /** Analysis measurements per metric that fell due during the sleep and were not taken. */
    missedMeasurements: Record<string, number>;
  };
}

export interface SleepReportInput {
  gap: SleepGap;
  plan: ReleasePlan;
  /** The release as it was when the sleep was noticed, before its clock was moved on. */
  before: ReleaseSnapshot;
  /** Its analysis schedule at that moment (`ReleaseHandle.pendingMeasurements`). */
  pending: readonly PendingMeasurement[];
  /** The release a moment after its clock was moved on. */
  after: ReleaseSnapshot;
  /** The release clock's time once the sleep was counted, milliseconds since the Unix epoch. */
  wokeAtMs: number;
  /** True for a rehearsal, whose sandbox slept too. */
  rehearsal: boolean;
  /** IANA zone the times are shown in; the machine's own when absent. */
  timeZone?: string;
}

/** A duration for a sentence: `45 s`, `30 min`, `2 h 5 min`. */
export function spokenDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min`;
  return `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

function stepName(s: ReleaseSnapshot, index: number | null): string {
  if (index === null) return `phase ${s.phase}`;
  const label = s.steps[index]?.label;
  return `step ${index + 1}${label ? ` (${label})` : ''}`;
}

/** Per metric, the measurements its schedule put inside the sleep: the one due next, then one every interval until waking. */
function missedMeasurements(input: SleepReportInput): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of input.pending) {
    if (m.nextAtMs <= input.wokeAtMs)
      out[m.key] = Math.floor((input.wokeAtMs - m.nextAtMs) / Math.max(1, m.intervalMs)) + 1;
  }
  return out;
}

/**
 * The notice and audit entry for a release after a sleep, from what the release reported before and after
 * its clock was moved on; it states only what the snapshots and the plan show.
 */
export function sleepReport(input: SleepReportInput): SleepReport {
  const { gap, before, after, wokeAtMs } = input;
  const zone = input.timeZone ? { timeZone: input.timeZone } : {};
  // The sleep is the computer's, on the wall clock; a rehearsal's waits are on the sandbox's compressed clock.
  const clock = (ms: number) => formatTime(ms, zone);
  const releaseClock = (ms: number) => formatTime(ms, { ...zone, simulated: input.rehearsal });
  const duration = spokenDuration(gap.sleptMs);
  const lines: string[] = [
    `The computer slept for ${duration}, from ${clock(gap.fromMs)} to ${clock(gap.toMs)}. ${before.planName} was ${before.status} at ${stepName(before, before.currentStep)}.`,
  ];
  const moved = after.currentStep !== before.currentStep || after.status !== before.status;
  const where = `${stepName(after, after.currentStep)}${after.status !== 'running' ? `, ${after.status}` : ''}`;
  if (before.waitUntilMs !== null && before.waitUntilMs <= wokeAtMs) {
    const label = before.currentStep === null ? '' : (before.steps[before.currentStep]?.label ?? '');
    const what = label.startsWith('pause') ? `The ${label.replace(/^pause /, '')} pause` : 'The wait';
    lines.push(
      `${what} at ${stepName(before, before.currentStep)} was due to end at ${releaseClock(before.waitUntilMs)}, during the sleep; the sleep counts as elapsed time, so ${moved ? `the release moved on to ${where}` : `the release went on from there and is at ${where}`}.`,
    );
  } else if (before.waitUntilMs !== null) {
    lines.push(
      `The sleep counted toward the wait at ${stepName(before, before.currentStep)}, which now ends at ${releaseClock(before.waitUntilMs)}.`,
    );
  } else if (moved) {
    lines.push(`On waking the release moved on to ${where}.`);
  }
  const missed = missedMeasurements(input);
  const counts = Object.entries(missed);
  if (counts.length > 0) {
    lines.push(
      `Analysis measurements fell due during the sleep and were not taken (${counts.map(([k, n]) => `${k}: ${n}`).join(', ')}); nothing is filled in for them: a missing measurement counts as neither a pass nor a failure, and the analysis counts only the measurements it takes from waking on.`,
    );
  }
  if (input.plan.rollbackTriggers.length > 0 && before.status === 'running')
    lines.push(
      'The rollback triggers were not read during the sleep, so a breach that began and ended while asleep was not seen.',
    );
  if (after.status === 'paused' && after.pause && after.pause.message !== before.pause?.message)
    lines.push(`It is now paused: ${after.pause.message}`);
  lines.push(
    'The release engine reads the cluster afresh for each step and keeps no watch stream open, so no watch had to be restarted; Switchyard took no health samples while asleep, so the timeline has a gap there.',
  );
  lines.push(
    input.rehearsal
      ? 'This is a rehearsal: the sandbox slept too, so it served no traffic during the gap.'
      : `Check the service's dashboards for ${clock(gap.fromMs)}–${clock(gap.toMs)}, the traffic split now, and whether anyone changed the release's objects meanwhile.`,
  );
  return {
    title: `The computer slept for ${duration}`,
    body: lines.join('\n'),
    data: {
      fromMs: gap.fromMs,
      toMs: gap.toMs,
      sleptMs: gap.sleptMs,
      before: { status: before.status, step: before.currentStep, waitUntilMs: before.waitUntilMs },
      after: { status: after.status, step: after.currentStep },
      missedMeasurements: missed,
    },
  };
}

/**
 * What a shell does for one unfinished release after a sleep: moves its clock on by the time slept, gives it
 * `settleMs` real milliseconds to act on that, then writes the `slept` audit entry and returns the report
 * for the operator. Never rejects (a release whose journal closed meanwhile only misses the entry).
 */
export async function actOnSleep(input: {
  gap: SleepGap;
  plan: ReleasePlan;
  handle: ReleaseHandle;
  clock: SleepAwareClock;
  rehearsal: boolean;
  settleMs: number;
}): Promise<SleepReport> {
  const { handle, clock, gap } = input;
  const before = handle.getSnapshot();
  const pending = handle.pendingMeasurements();
  clock.credit(gap.sleptMs);
  const wokeAtMs = clock.now();
  await new Promise((r) => setTimeout(r, input.settleMs));
  await handle.flushed().catch(() => undefined);
  const after = handle.getSnapshot();
  const report = sleepReport({
    gap,
    plan: input.plan,
    before,
    pending,
    after,
    wokeAtMs,
    rehearsal: input.rehearsal,
  });
  await handle
    .note({ what: 'slept', why: report.body, data: report.data, who: { user: 'engine' } })
    .catch(() => undefined);
  return report;
}
