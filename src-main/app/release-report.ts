import { formatDateTime, formatTime, type TimeOptions } from '../../src-shared/format/time.ts';
import {
  formatMetricValue,
  formatThreshold,
  formatWeights,
  unitOfMetric,
} from '../../src-shared/format/number.ts';
import type { Evidence, ReleaseSnapshot, StepView } from '../../src-shared/release/release.schema.ts';
import type { AuditEntry } from '../ports/journal.port.ts';
import { redactString } from '../engine/journal/redact.ts';

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

/** A post-incident review of one release as Markdown (times with their zone, or labelled `sim`): outcome, steps, every decision with its evidence, the audit log. */
export function renderReleaseMarkdown(
  id: string,
  s: ReleaseSnapshot | null,
  audit: readonly AuditEntry[],
  integrity: string,
  /** How decision times read: a rehearsal's are on the sandbox's compressed clock (`simulated`). */
  opts: TimeOptions = {},
): string {
  const lines = [`# Release ${id}`, ''];
  const when = (ms: number | null) => (ms === null ? '—' : formatDateTime(ms, opts));
  const time = (ms: number) => formatTime(ms, opts);
  if (s) {
    lines.push(
      `- Plan: ${s.planName} (${s.strategy})`,
      `- Status: **${s.status}**${s.pause ? ` — ${s.pause.message}` : ''}`,
      `- Started: ${when(s.startedAtMs)}; finished: ${when(s.finishedAtMs)}`,
      s.traffic.actual
        ? `- Traffic (read back from ${s.traffic.source ?? 'the router'}): ${formatWeights(s.traffic.actual)}${s.traffic.mismatch ? ` — differs from the intended ${formatWeights(s.traffic.intended)}` : ''}`
        : `- Traffic (intended; the router was not read back): ${formatWeights(s.traffic.intended)}`,
      '',
      '## Steps',
      '',
      ...s.steps.map((st) => `${st.index + 1}. ${st.label} — ${stepState(st, s.status)}`),
      '',
      '## Decisions',
      '',
    );
    for (const d of s.decisions) {
      lines.push(
        `- ${when(d.atMs)} **${d.kind}** (${d.cause}, by ${d.by}${d.stepIndex === null ? '' : `, step ${d.stepIndex + 1}`}): ${d.summary}`,
      );
      for (const e of d.evidence) lines.push(...evidenceLines(e, time));
    }
    if (s.decisions.length === 0) lines.push('No decisions yet.');
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
      `| ${a.seq} | ${a.at} | ${cell(`${a.who.user}@${a.who.context}`)} | ${cell(a.what)} | ${cell(a.why)} |`,
    );
  return `${lines.join('\n')}\n`;
}

/** A step's state for the report: a step a finished release never got to was `not reached`, not pending. */
function stepState(step: StepView, status: ReleaseSnapshot['status']): string {
  if (step.state !== 'pending' || status === 'running' || status === 'paused') return step.state;
  return 'not reached';
}
