import type { PlanProblem } from '../../../src-shared/bridge/contract.ts';

/** The validation problems of one field, right under it; `id` ties them to the input (aria-describedby). */
export function FieldProblems({ id, problems }: { id: string; problems: readonly PlanProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <ul id={id} className="field-problems" role="alert">
      {problems.map((p) => (
        <li key={`${p.path}:${p.message}`}>
          {p.path ? <code>{p.path}</code> : null} {p.message}
        </li>
      ))}
    </ul>
  );
}
