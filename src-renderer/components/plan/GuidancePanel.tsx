import { CHANGE_KINDS, type ChangeKind } from '../../../src-shared/decision/decision.rules.ts';
import { usePlan } from '../../store/plan.store.ts';
import { Busy } from '../Busy.tsx';
import { ErrorNote } from '../ErrorNote.tsx';
import { GuidanceWorkload } from './GuidanceWorkload.tsx';
import { withoutSource } from '../../store/plan-prefill.ts';

const CHANGE_LABELS: Record<ChangeKind, string> = {
  hotfix: 'Hotfix',
  'new-service': 'New microservice',
  'api-breaking': 'API breaking change',
  'ui-redesign': 'UI redesign',
  performance: 'Performance optimisation',
  'schema-change': 'Database schema change',
  algorithm: 'Algorithm change',
  'security-patch': 'Security patch',
  infrastructure: 'Infrastructure upgrade',
  'minor-fix': 'Minor bug fix',
};

const QUESTIONS = [
  ['critical', 'Is this a critical change (major release, infrastructure)?'],
  ['realUserValidation', 'Does it need validation with real users?'],
  ['testsUxOrAlgorithm', 'Does it test a UX or algorithm variant?'],
  ['touchesSchema', 'Does it change the database schema?'],
  ['breaksApi', 'Does it break an API?'],
] as const;

/** Decision guidance inputs: a scenario or the decision-tree answers, and the environment. */
export function GuidancePanel() {
  const { guidance, change, answers, environment, prefill, set, recommend, recommendStatus } = usePlan();
  const source = (key: string) =>
    prefill?.sources[key] ? (
      <span className="field-source muted" id={`source-${key}`} data-testid={`source-${key}`}>
        from {prefill.sources[key]}
      </span>
    ) : null;
  return (
    <section className="panel" aria-labelledby="guidance-heading">
      <h2 id="guidance-heading">Decision guidance</h2>
      <fieldset className="row">
        <legend>Describe the change by</legend>
        <label>
          <input
            type="radio"
            name="guidance"
            checked={guidance === 'scenario'}
            onChange={() => set({ guidance: 'scenario' })}
          />{' '}
          picking a scenario
        </label>
        <label>
          <input
            type="radio"
            name="guidance"
            checked={guidance === 'questions'}
            onChange={() => set({ guidance: 'questions' })}
          />{' '}
          answering questions
        </label>
      </fieldset>
      {guidance === 'scenario' ? (
        <label className="field">
          Scenario
          <select
            aria-label="Scenario"
            value={change}
            onChange={(e) => set({ change: e.target.value as ChangeKind })}
          >
            {CHANGE_KINDS.map((k) => (
              <option key={k} value={k}>
                {CHANGE_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <fieldset>
          <legend>Decision tree</legend>
          {QUESTIONS.map(([key, q]) => (
            <label key={key} className="check">
              <input
                type="checkbox"
                checked={answers[key]}
                onChange={(e) => set({ answers: { ...answers, [key]: e.target.checked } })}
              />{' '}
              {q}
            </label>
          ))}
        </fieldset>
      )}
      <fieldset className="row wrap">
        <legend>Environment</legend>
        <label className="field">
          Service mesh
          <select
            aria-label="Service mesh"
            {...(prefill?.sources.mesh ? { 'aria-describedby': 'source-mesh' } : {})}
            value={environment.mesh}
            onChange={(e) =>
              set({
                environment: { ...environment, mesh: e.target.value as typeof environment.mesh },
                ...withoutSource(prefill, 'mesh'),
              })
            }
          >
            <option value="istio">Istio</option>
            <option value="gateway-api">Gateway API</option>
            <option value="none">None</option>
          </select>
          {source('mesh')}
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={environment.argoRollouts}
            onChange={(e) => set({ environment: { ...environment, argoRollouts: e.target.checked } })}
          />{' '}
          Argo Rollouts installed
        </label>
        <label className="field">
          Replicas
          <input
            type="number"
            aria-label="Replicas"
            {...(prefill?.sources.replicas ? { 'aria-describedby': 'source-replicas' } : {})}
            min={1}
            value={environment.replicas ?? ''}
            placeholder="unknown"
            onChange={(e) => {
              const replicas = Number(e.target.value);
              set({
                environment: {
                  ...environment,
                  replicas: Number.isInteger(replicas) && replicas > 0 ? replicas : undefined,
                },
                ...withoutSource(prefill, 'replicas'),
              });
            }}
          />
          {source('replicas')}
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={environment.spareCapacity}
            onChange={(e) => set({ environment: { ...environment, spareCapacity: e.target.checked } })}
          />{' '}
          Spare capacity for a second copy
        </label>
        <label className="field">
          Requests per second
          <input
            type="number"
            min={1}
            value={environment.rps ?? ''}
            onChange={(e) => {
              const rps = Number(e.target.value);
              set({
                environment: { ...environment, rps: e.target.value === '' || !(rps > 0) ? undefined : rps },
              });
            }}
          />
        </label>
      </fieldset>
      <GuidanceWorkload />
      <button
        type="button"
        className="primary"
        onClick={() => void recommend()}
        disabled={recommendStatus.busy}
      >
        Recommend strategies
      </button>
      {recommendStatus.busy && <Busy label="Ranking strategies…" />}
      {recommendStatus.error && <ErrorNote error={recommendStatus.error} />}
    </section>
  );
}
