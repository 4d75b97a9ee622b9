import { groupFindings, preflightView, sortFindings } from '../../lib/preflight-view.ts';
import { useConnections } from '../../store/connections.store.ts';
import { usePlan } from '../../store/plan.store.ts';
import { Busy } from '../Busy.tsx';
import { ErrorNote } from '../ErrorNote.tsx';

/** Preflight of the plan on the selected context: RBAC, dry run, zero-downtime audit findings. */
export function PreflightPanel() {
  const { text, preflight, preflightStatus, runPreflight } = usePlan();
  const context = useConnections((s) => s.selectedContext);
  const view = preflight ? preflightView(preflight.report) : null;
  return (
    <section className="panel" aria-labelledby="preflight-heading">
      <h2 id="preflight-heading">Preflight</h2>
      <button
        type="button"
        onClick={() => context && void runPreflight(context)}
        disabled={!context || text.trim() === '' || preflightStatus.busy}
      >
        Run preflight{context ? ` on ${context}` : ''}
      </button>
      {!context && <p className="muted">Pick a context on the Connections screen first.</p>}
      {preflightStatus.busy && (
        <Busy label="Checking queries, permissions, dry run and zero-downtime readiness…" />
      )}
      {preflightStatus.error && <ErrorNote error={preflightStatus.error} />}
      {view?.kind === 'findings' && (
        <>
          {view.ok !== null && (
            <p className={view.ok ? 'ok-text' : 'error-text'} role="status">
              {view.ok ? 'Preflight passed.' : 'Preflight found blocking problems.'}
            </p>
          )}
          {view.findings.length === 0 ? (
            <p className="muted">No findings.</p>
          ) : (
            <ul className="findings" aria-label="Preflight findings">
              {sortFindings(groupFindings(view.findings)).map((f, i) => (
                <li key={i} className={`finding sev-${f.severity.toLowerCase()}`}>
                  <span className="badge">{f.severity}</span> {f.check && <code>{f.check}</code>} {f.message}
                  {f.steps && f.steps.length > 0 && (
                    <span className="finding-steps muted"> Endangers: {f.steps.join('; ')}.</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {view?.kind === 'raw' && <pre className="code">{view.json}</pre>}
    </section>
  );
}
