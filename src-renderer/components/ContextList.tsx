import { useConnections } from '../store/connections.store.ts';

/** Kubeconfig contexts plus the built-in sandbox; production contexts are marked. */
export function ContextList() {
  const { contexts, problems, selectedContext, selectContext, contextsStatus } = useConnections();
  return (
    <section className="panel" aria-labelledby="contexts-heading">
      <h2 id="contexts-heading">Contexts</h2>
      {contextsStatus === 'loading' && (
        <p className="muted" role="status">
          Reading kubeconfig…
        </p>
      )}
      {problems.map((p) => (
        <div key={p.file} className="note note-warn" role="alert">
          <strong>{p.file}</strong>: {p.message}
        </div>
      ))}
      <ul className="context-list" role="listbox" aria-label="Contexts">
        {contexts.map((c) => (
          <li key={c.name} role="option" aria-selected={c.name === selectedContext}>
            <button
              type="button"
              className={`context ${c.name === selectedContext ? 'selected' : ''}`}
              onClick={() => void selectContext(c.name)}
              aria-label={`Context ${c.name}`}
            >
              <span className="context-name">{c.name}</span>
              {c.isProduction && <span className="badge badge-prod">production</span>}
              {c.isSandbox && <span className="badge badge-sandbox">sandbox</span>}
              {c.isCurrent && <span className="badge">current</span>}
              <span className="context-server muted">{c.server}</span>
            </button>
          </li>
        ))}
      </ul>
      {contextsStatus === 'ready' && contexts.length === 0 && <p className="muted">No contexts found.</p>}
    </section>
  );
}
