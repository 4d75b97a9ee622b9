import type { ContextStatus } from '../../src-shared/bridge/contract.ts';
import { useConnections } from '../store/connections.store.ts';

/** Kubeconfig contexts plus the built-in sandbox; production contexts are marked. */
export function ContextList() {
  const { contexts, problems, selectedContext, selectContext, contextsStatus, statuses } = useConnections();
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
              <ContextHealth status={statuses[c.name]} />
            </button>
          </li>
        ))}
      </ul>
      {contextsStatus === 'ready' && contexts.length === 0 && <p className="muted">No contexts found.</p>}
    </section>
  );
}

/** A picked context's reachability and who it says we are; nothing before it is picked. */
function ContextHealth({ status }: { status: ContextStatus | 'probing' | undefined }) {
  if (status === undefined) return null;
  if (status === 'probing')
    return <span className="context-server muted">Checking reachability and identity…</span>;
  if (!status.reachable)
    return (
      <span className="context-server error-text" style={{ whiteSpace: 'normal' }}>
        Unreachable: {status.note}
      </span>
    );
  const who = status.identity
    ? `Signed in as ${status.identity.username}${status.identity.groups.length ? ` (${status.identity.groups.join(', ')})` : ''}`
    : (status.note ?? 'Identity not reported by this cluster.');
  return (
    <span className="context-server" style={{ whiteSpace: 'normal' }}>
      <span className="ok-text">Reachable</span> · {who}
    </span>
  );
}
