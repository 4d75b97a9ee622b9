import {
  formatDateTime,
  formatIsoDateTime,
  formatTime,
  type TimeOptions,
} from '../../src-shared/format/time.ts';
import {
  formatMetricValue,
  formatThreshold,
  formatWeights,
  unitOfMetric,
} from '../../src-shared/format/number.ts';
import type { Evidence, ReleaseSnapshot, StepView } from '../../src-shared/release/release.schema.ts';
import type { AuditEntry } from '../ports/journal.port.ts';
import { formatDuration } from '../../src-shared/format/duration.ts';
import { decisionTitle } from '../../src-shared/release/decision-verdict.ts';
import { stateWords } from '../../src-shared/release/release-words.ts';
import { redactString } from '../../src-shared/redact/redact.ts';
import { cohortRuleLines, rolloutPodsWords } from '../../src-shared/release/traffic-detail-words.ts';

const cell = (text: string) => redactString(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function evidenceLines(e: Evidence, time: (ms: number) => string): string[] {
  const unit = unitOfMetric(e.metric);
  const samples = e.samples
    .map(
      (s) =>
        `${time(s.atMs)} ${s.version}: ${s.value === null ? `no value (${s.note ?? s.outcome})` : formatMetricValue(s.value, unit)} → ${s.outcome}`,
    )
    .map((l) => `    - ${l}`);
  return [
    `  - **${e.group}/${e.metric}**: ${e.result} (${e.arithmetic}); condition \`value ${formatThreshold(e.op, e.threshold, unit)}\``,
    `    - query: \`${redactString(e.query)}\``,
    ...samples,
  ];
}

/** `a canary` / `an ab-test`, for the summary's first line. */
function article(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** The summary a reviewer reads first: what, who, when, outcome and why, and where traffic was left. */
function summaryLines(
  s: ReleaseSnapshot,
  audit: readonly AuditEntry[],
  when: (ms: number | null) => string,
): string[] {
  const starter = audit[0]?.who;
  const operators = [...new Set(s.decisions.map((d) => d.by).filter((by) => by !== 'engine'))];
  const last = s.decisions.at(-1);
  const why =
    s.status === 'paused' && s.pause
      ? s.pause.message
      : last
        ? `${decisionTitle(last)}${last.stepIndex === null ? '' : ` at step ${last.stepIndex + 1} of ${s.steps.length}`}: ${last.summary}`
        : 'no decision was taken';
  const took =
    s.startedAtMs !== null && s.finishedAtMs !== null
      ? ` (took ${formatDuration(s.finishedAtMs - s.startedAtMs)})`
      : '';
  return [
    `- What: ${article(s.strategy.replace(/^migration:/, ''))} release of plan ${s.planName}`,
    `- Who: ${starter ? `started by ${starter.user} on ${starter.context}` : 'the starter is not in the audit log'}${operators.length ? `; operators who acted: ${operators.join(', ')}` : ''}`,
    `- When: started ${when(s.startedAtMs)}; ${s.finishedAtMs === null ? 'not finished' : `finished ${when(s.finishedAtMs)}${took}`}`,
    `- Outcome: **${stateWords(s)}**`,
    `- Why: ${why}`,
    s.traffic.actual
      ? `- Traffic (read back from ${s.traffic.source ?? 'the router'}): ${formatWeights(s.traffic.actual)}${s.traffic.mismatch ? ` — differs from the intended ${formatWeights(s.traffic.intended)}` : ''}`
      : `- Traffic (intended; the router was not read back): ${formatWeights(s.traffic.intended)}`,
  ];
}

/**
 * The report's Traffic section, for a rolling release (its pods, where they were read) and an A/B test (its
 * routing rules, one line each); empty for other strategies, whose traffic the summary states.
 */
function trafficLines(s: ReleaseSnapshot, time: (ms: number) => string): string[] {
  const lines: string[] = [];
  if (s.rollout) {
    const r = s.rollout;
    const read = r.source
      ? ` (read from ${r.source}${r.readAtMs !== null ? ` at ${time(r.readAtMs)}` : ''})`
      : '';
    lines.push(`- Rolling update to \`${r.image}\`: ${rolloutPodsWords(r)}${read}`);
  }
  if (s.cohorts) {
    lines.push('- A/B routing, in the order the router applies it:');
    lines.push(...cohortRuleLines(s.cohorts).map((l) => `  - ${l}`));
    lines.push(...s.cohorts.notes.map((n) => `  - note: ${n}`));
  }
  return lines.length ? ['', '## Traffic', '', ...lines] : [];
}

/**
 * A post-incident report of one release as Markdown: the summary first (what, who, when, outcome and why,
 * traffic), a rolling release's pods or an A/B test's routing rules, then the timeline of decisions with their evidence, the steps (a stopped release's later steps
 * `not reached`) and the audit log. Decision times carry their zone, or read `sim` on the sandbox's clock;
 * audit times are the host's wall clock.
 */
export function renderReleaseMarkdown(
  id: string,
  s: ReleaseSnapshot | null,
  audit: readonly AuditEntry[],
  integrity: string,
  /** How decision times read: a rehearsal's are on the sandbox's compressed clock (`simulated`). */
  opts: TimeOptions = {},
): string {
  const when = (ms: number | null) => (ms === null ? '—' : formatDateTime(ms, opts));
  const time = (ms: number) => formatTime(ms, opts);
  const lines = s
    ? [`# Release of ${s.planName}: ${stateWords(s)}`, '', `Release \`${id}\`.`, '']
    : [`# Release ${id}`, ''];
  if (s) {
    lines.push('## Summary', '', ...summaryLines(s, audit, when), ...trafficLines(s, time));
    lines.push('', '## Timeline', '');
    for (const d of s.decisions) {
      const step = d.stepIndex === null ? '' : ` at step ${d.stepIndex + 1} of ${s.steps.length}`;
      lines.push(`- ${when(d.atMs)} **${decisionTitle(d)}**${step}, by ${d.by}: ${d.summary}`);
      for (const e of d.evidence) lines.push(...evidenceLines(e, time));
    }
    if (s.decisions.length === 0) lines.push('No decisions were taken.');
    lines.push(
      '',
      '## Steps',
      '',
      ...s.steps.map((st) => `${st.index + 1}. ${st.label} — ${stepState(st, s.status)}`),
    );
  } else {
    lines.push('The release state could not be read; the audit log below is what remains.');
  }
  lines.push(
    '',
    '## Audit log',
    '',
    integrity,
    '',
    '| # | when | who | what | why |',
    '|---|---|---|---|---|',
  );
  for (const a of audit)
    lines.push(
      `| ${a.seq} | ${formatIsoDateTime(a.at)} | ${cell(`${a.who.user}@${a.who.context}`)} | ${cell(a.what)} | ${cell(a.why)} |`,
    );
  return `${lines.join('\n')}\n`;
}

/** A step's state for the report: a step a finished release never got to was `not reached`, not pending. */
function stepState(step: StepView, status: ReleaseSnapshot['status']): string {
  if (step.state !== 'pending' || status === 'running' || status === 'paused') return step.state;
  return 'not reached';
}
