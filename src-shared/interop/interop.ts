import { parseAllDocuments, stringify } from 'yaml';
import { parsePlan } from '../plan/plan.parse.ts';
import type { ReleasePlan } from '../plan/plan.schema.ts';
import { argoToPlan } from './argo-import.ts';
import { planToArgo } from './argo.ts';
import { flaggerToPlan } from './flagger-import.ts';
import { planToFlagger } from './flagger.ts';
import { runbookToPlan } from './runbook.ts';

export const IMPORT_FORMATS = ['argo', 'flagger', 'runbook'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
export const EXPORT_FORMATS = ['argo', 'flagger'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The outcome of `importPlan`: a validated plan and what could not be carried over, or every problem. */
export type ImportResult =
  | { ok: true; plan: ReleasePlan; format: ImportFormat; unsupported: string[] }
  | { ok: false; errors: string[] };

/** Reads every YAML document of `text`; syntax errors come back as `document N, line L, column C: message`. */
export function readDocuments(text: string): { ok: true; docs: unknown[] } | { ok: false; errors: string[] } {
  const parsed = parseAllDocuments(text, { prettyErrors: true });
  const all = Array.isArray(parsed) ? parsed : [parsed];
  const errors = all.flatMap((d, i) =>
    d.errors.map((e) => {
      const pos = e.linePos?.[0];
      const msg = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
      return `${all.length > 1 ? `document ${i + 1}, ` : ''}${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${msg}`;
    }),
  );
  if (errors.length) return { ok: false, errors };
  try {
    return {
      ok: true,
      docs: all
        .map((d) => d.toJS({ maxAliasCount: 100 }) as unknown)
        .filter((d) => d !== null && d !== undefined),
    };
  } catch (err) {
    // toJS rejects what the parser lets through: aliases without anchors, alias bombs.
    return { ok: false, errors: [err instanceof Error ? err.message : String(err)] };
  }
}

/** Target fields given on the command line that replace (or fill in) what the source says. */
export interface TargetOverrides {
  namespace?: string;
  name?: string;
  image?: string;
}

/** Which format a set of documents is in: a Rollout → argo, a Canary → flagger, canary_rollout/ab_testing → runbook. */
export function detectFormat(docs: readonly unknown[]): ImportFormat | null {
  const kinds = docs.map((d) => (d !== null && typeof d === 'object' ? (d as Record<string, unknown>) : {}));
  if (kinds.some((d) => d.kind === 'Rollout')) return 'argo';
  if (kinds.some((d) => d.kind === 'Canary')) return 'flagger';
  if (kinds.some((d) => 'canary_rollout' in d || 'ab_testing' in d)) return 'runbook';
  return null;
}

/**
 * Imports a plan from Argo Rollouts (Rollout + AnalysisTemplates), Flagger (Canary + MetricTemplates) or the
 * runbook's canary_rollout / ab_testing YAML; the format is detected when not given. Never throws: returns
 * the validated plan with the features that could not be carried over, or every problem found.
 */
export function importPlan(text: string, from?: ImportFormat, overrides: TargetOverrides = {}): ImportResult {
  const read = readDocuments(text);
  if (!read.ok) return read;
  const format = from ?? detectFormat(read.docs);
  if (!format)
    return {
      ok: false,
      errors: ['not an Argo Rollout, a Flagger Canary or runbook canary_rollout / ab_testing YAML'],
    };
  const converted =
    format === 'argo'
      ? argoToPlan(read.docs)
      : format === 'flagger'
        ? flaggerToPlan(read.docs)
        : runbookToPlan(read.docs.find((d) => detectFormat([d]) === 'runbook') ?? read.docs[0]);
  if ('errors' in converted) return { ok: false, errors: converted.errors };
  const target = { ...(converted.plan.target as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) target[key] = value;
  const complete =
    overrides.namespace !== undefined && overrides.name !== undefined && overrides.image !== undefined;
  const unsupported = complete
    ? converted.unsupported.filter((u) => !u.startsWith('target: '))
    : converted.unsupported;
  if (!target.image)
    return {
      ok: false,
      errors: ['target.image: the source names no image; give the new image (plan import --image IMAGE)'],
    };
  const parsed = parsePlan({ ...converted.plan, target });
  if (!parsed.ok)
    return {
      ok: false,
      errors: [...parsed.errors, ...unsupported.map((u) => `(not imported) ${u}`)],
    };
  return { ok: true, plan: parsed.plan, format, unsupported };
}

/**
 * Exports a plan as Argo Rollouts or Flagger YAML (several documents separated by `---`), with what the
 * target format cannot express listed in `unsupported` (and as comments at the top of the YAML).
 */
export function exportPlan(
  plan: ReleasePlan,
  to: ExportFormat,
): { yaml: string; documents: Record<string, unknown>[]; unsupported: string[] } {
  const { documents, unsupported } = to === 'argo' ? planToArgo(plan) : planToFlagger(plan);
  const header = [
    `# ${to === 'argo' ? 'Argo Rollouts' : 'Flagger'} resources for plan ${plan.name}, written by switchyard.`,
    ...(unsupported.length
      ? ['# Not expressible in this format:', ...unsupported.map((u) => `#  - ${u}`)]
      : []),
  ].join('\n');
  const yaml = `${header}\n${documents.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n')}`;
  return { yaml, documents, unsupported };
}
