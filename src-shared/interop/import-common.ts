import { ANNOTATION, type Doc } from './argo.ts';
import { obj, str } from './metric-mapping.ts';

/** What an importer makes of foreign documents: plan input (not yet validated) and what it left out, or why it could not. */
export type ConvertedPlan = { plan: Record<string, unknown>; unsupported: string[] } | { errors: string[] };

/**
 * Plan input for an imported `name`: named by the `plan` annotation (else `<name>-<strategy kind>`), with the
 * annotated description, then `fields` in their order.
 */
export function annotatedPlan(
  ann: Doc,
  name: string,
  fields: { strategy: Record<string, unknown> } & Record<string, unknown>,
): Record<string, unknown> {
  return {
    name: str(ann[ANNOTATION.plan]) ?? `${name}-${String(fields.strategy.kind)}`,
    ...(str(ann[ANNOTATION.description]) ? { description: ann[ANNOTATION.description] } : {}),
    ...fields,
  };
}

/** A foreign resource found among the documents, with its metadata, annotations and spec. */
export function findResource(
  docs: readonly unknown[],
  kind: string,
): { meta: Doc; ann: Doc; spec: Doc } | null {
  const doc = docs.map(obj).find((d) => d.kind === kind);
  if (!doc) return null;
  const meta = obj(doc.metadata);
  return { meta, ann: obj(meta.annotations), spec: obj(doc.spec) };
}
