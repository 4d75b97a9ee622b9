/** One preflight finding as the Plan screen lists it. */
export interface FindingView {
  severity: string;
  message: string;
  /** The check or area it came from, when the report says. */
  check: string | null;
  /** The report's id for it (`zero-downtime:workload`), when it has one. */
  id?: string | null;
  /** The finding's headline and its explanation, when the report gives them apart. */
  title?: string | null;
  explanation?: string | null;
  /** The plan steps it endangers, by their labels. */
  steps?: string[];
}

/** A preflight report shown as findings when it has them, else as formatted JSON. */
export type PreflightView =
  { kind: 'findings'; ok: boolean | null; findings: FindingView[] } | { kind: 'raw'; json: string };

function asFinding(v: unknown): FindingView | null {
  if (!v || typeof v !== 'object') return null;
  const f = v as Record<string, unknown>;
  const title = typeof f.title === 'string' ? f.title : null;
  const detail = f.message ?? f.explanation ?? f.text ?? f.detail;
  const message = typeof detail === 'string' ? (title ? `${title}: ${detail}` : detail) : title;
  if (message === null) return null;
  const severity = f.severity ?? f.level ?? f.status;
  const check = f.check ?? f.area ?? f.kind ?? f.name;
  const steps = Array.isArray(f.steps)
    ? f.steps.flatMap((st: unknown) =>
        st && typeof st === 'object' && typeof (st as { label?: unknown }).label === 'string'
          ? [(st as { label: string }).label]
          : [],
      )
    : [];
  return {
    severity: typeof severity === 'string' ? severity : 'info',
    message,
    check: typeof check === 'string' ? check : null,
    id: typeof f.id === 'string' ? f.id : null,
    title,
    explanation: typeof detail === 'string' ? detail : null,
    steps,
  };
}

/**
 * Reads a preflight report defensively (the contract leaves its shape open): an array of findings,
 * or an object with `findings`/`checks`/`results` (plus `passed` checks, listed last); a finding
 * needs a `message`/`explanation` or a `title`. Anything else is shown as JSON.
 */
export function preflightView(report: unknown): PreflightView {
  const list = Array.isArray(report)
    ? report
    : report && typeof report === 'object'
      ? ((report as Record<string, unknown>).findings ??
        (report as Record<string, unknown>).checks ??
        (report as Record<string, unknown>).results)
      : undefined;
  if (Array.isArray(list)) {
    const passed =
      report && typeof report === 'object' ? (report as Record<string, unknown>).passed : undefined;
    const findings = [
      ...list.map(asFinding),
      ...(Array.isArray(passed) ? passed.map(asFinding).map((f) => f && { ...f, severity: 'passed' }) : []),
    ];
    if (findings.every((f): f is FindingView => f !== null)) {
      const ok =
        report && typeof report === 'object' && !Array.isArray(report)
          ? (report as { ok?: unknown }).ok
          : undefined;
      return { kind: 'findings', ok: typeof ok === 'boolean' ? ok : null, findings };
    }
  }
  return { kind: 'raw', json: JSON.stringify(report, null, 2) ?? 'null' };
}

const ORDER = ['blocker', 'error', 'fail', 'failed', 'warning', 'warn', 'info', 'ok', 'pass', 'passed'];

/**
 * How far down its severity a finding goes: a missing workload first (everything else follows from it), then
 * other things that do not exist, then the rest.
 */
function causeRank(f: FindingView): number {
  if (f.id === 'zero-downtime:workload') return 0;
  return /does not exist/.test(f.message) ? 1 : 2;
}

/**
 * Findings sorted worst first (unknown severities after the known ones), and within a severity the root cause
 * first (a missing workload, then other missing objects); stable otherwise.
 */
export function sortFindings(findings: readonly FindingView[]): FindingView[] {
  const rank = (s: string) => {
    const i = ORDER.indexOf(s.toLowerCase());
    return i === -1 ? ORDER.length : i;
  };
  return [...findings].sort((a, b) => rank(a.severity) - rank(b.severity) || causeRank(a) - causeRank(b));
}

/** An explanation without its parenthesised particulars (the backend's own message, which names the metric). */
function paragraph(f: FindingView): string | null {
  return f.explanation ? f.explanation.replace(/\s*\([^()]*\)/g, '').trim() : null;
}

/**
 * Findings that say the same paragraph (same severity and check, the same explanation but for its
 * parenthesised particulars) as one finding naming each headline and listing every step they endanger, so
 * eleven "no usable number" findings read as one; findings without an explanation stay as they are.
 */
export function groupFindings(findings: readonly FindingView[]): FindingView[] {
  const groups = new Map<string, FindingView[]>();
  const out: (FindingView | FindingView[])[] = [];
  for (const f of findings) {
    const text = paragraph(f);
    if (text === null || !f.title) {
      out.push(f);
      continue;
    }
    const key = `${f.severity}|${f.check ?? ''}|${text}`;
    const group = groups.get(key);
    if (group) group.push(f);
    else {
      const fresh = [f];
      groups.set(key, fresh);
      out.push(fresh);
    }
  }
  return out.map((g) => {
    if (!Array.isArray(g)) return g;
    const [first] = g as [FindingView, ...FindingView[]];
    if (g.length === 1) return first;
    const titles = g.map((f) => f.title ?? '');
    return {
      ...first,
      id: null,
      title: `${g.length} findings: ${titles.join('; ')}`,
      message: `${g.length} findings: ${titles.join('; ')}: ${paragraph(first)}`,
      steps: [...new Set(g.flatMap((f) => f.steps ?? []))],
    };
  });
}
