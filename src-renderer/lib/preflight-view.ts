/** One preflight finding as the Plan screen lists it. */
export interface FindingView {
  severity: string;
  message: string;
  /** The check or area it came from, when the report says. */
  check: string | null;
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
  return {
    severity: typeof severity === 'string' ? severity : 'info',
    message,
    check: typeof check === 'string' ? check : null,
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

/** Findings sorted worst first (unknown severities after the known ones, stable otherwise). */
export function sortFindings(findings: readonly FindingView[]): FindingView[] {
  const rank = (s: string) => {
    const i = ORDER.indexOf(s.toLowerCase());
    return i === -1 ? ORDER.length : i;
  };
  return [...findings].sort((a, b) => rank(a.severity) - rank(b.severity));
}
