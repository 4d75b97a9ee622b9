import type { Evidence, ReleaseSnapshot } from '../../src-shared/release/release.schema.ts';
import type { AuditEntry } from '../ports/journal.port.ts';
import { redactString } from '../../src-shared/redact/redact.ts';

const iso = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString());
const cell = (text: string) => redactString(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function evidenceLines(e: Evidence): string[] {
  const samples = e.samples
    .map(
      (s) =>
        `${iso(s.atMs)} ${s.version}: ${s.value === null ? `no value (${s.note ?? s.outcome})` : s.value} → ${s.outcome}`,
    )
    .map((l) => `    - ${l}`);
  return [
    `  - **${e.group}/${e.metric}**: ${e.result} (${e.arithmetic}); condition \`value ${e.op} ${e.threshold}\``,
    `    - query: \`${redactString(e.query)}\``,
    ...samples,
  ];
}

/** A post-incident review of one release as Markdown: outcome, steps, every decision with its evidence, the audit log. */
export function renderReleaseMarkdown(
  id: string,
  s: ReleaseSnapshot | null,
  audit: readonly AuditEntry[],
  integrity: string,
): string {
  const lines = [`# Release ${id}`, ''];
  if (s) {
    lines.push(
      `- Plan: ${s.planName} (${s.strategy})`,
      `- Status: **${s.status}**${s.pause ? ` — ${s.pause.message}` : ''}`,
      `- Started: ${iso(s.startedAtMs)}; finished: ${iso(s.finishedAtMs)}`,
      `- Traffic (read back from ${s.traffic.source ?? 'the router'}): ${JSON.stringify(s.traffic.actual ?? {})}${s.traffic.mismatch ? ' — differs from intended ' + JSON.stringify(s.traffic.intended) : ''}`,
      '',
      '## Steps',
      '',
      ...s.steps.map((st) => `${st.index + 1}. ${st.label} — ${st.state}`),
      '',
      '## Decisions',
      '',
    );
    for (const d of s.decisions) {
      lines.push(
        `- ${iso(d.atMs)} **${d.kind}** (${d.cause}, by ${d.by}${d.stepIndex === null ? '' : `, step ${d.stepIndex + 1}`}): ${d.summary}`,
      );
      for (const e of d.evidence) lines.push(...evidenceLines(e));
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
