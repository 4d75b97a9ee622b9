import { DomainError } from '../../../src-shared/bridge/errors.ts';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';

/** The plan `text` holds; DomainError `invalidPlan` listing its problems, e.g. "…; fix them before exporting." */
export function planOrRefuse(text: string, fix: string): ReleasePlan {
  const parsed = parsePlan(text);
  if (!parsed.ok)
    throw new DomainError(
      'invalidPlan',
      `The plan has ${parsed.errors.length} problem(s); fix them ${fix}.`,
      parsed.errors,
    );
  return parsed.plan;
}
