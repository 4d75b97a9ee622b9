import { useConnections } from '../store/connections.store.ts';

/** Deployments of the selected namespace, live. */
export function WorkloadTable() {
  const {
    namespaces,
    selectedNamespace,
    selectNamespace,
    workloads,
    workloadsStatus,
    namespacesStatus,
    feedError,
  } = useConnections();
  return (
    <section className="panel grow" aria-labelledby="workloads-heading">
      <div className="panel-head">
        <h2 id="workloads-heading">Workloads</h2>
        <label>
          Namespace{' '}
          <select
            value={selectedNamespace ?? ''}
            onChange={(e) => void selectNamespace(e.target.value)}
            disabled={namespacesStatus !== 'ready'}
          >
            {namespaces.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      {(namespacesStatus === 'loading' || workloadsStatus === 'loading') && (
        <p className="muted" role="status">
          Connecting…
        </p>
      )}
      {feedError && (
        <div className="note note-warn" role="alert">
          Live refresh failed: {feedError}
        </div>
      )}
      {workloadsStatus === 'ready' && workloads.length === 0 && (
        <p className="muted">No Deployments in this namespace.</p>
      )}
      {workloads.length > 0 && (
        <table aria-label="Workloads">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Version</th>
              <th scope="col" className="num">
                Ready
              </th>
              <th scope="col" className="num">
                Updated
              </th>
              <th scope="col" className="num">
                Available
              </th>
            </tr>
          </thead>
          <tbody>
            {workloads.map((w) => (
              <tr key={`${w.kind}/${w.name}`}>
                <td>{w.name}</td>
                <td>{w.kind}</td>
                <td>
                  <code>{w.version}</code>
                </td>
                <td className="num">
                  {w.readyReplicas}/{w.replicas}
                </td>
                <td className="num">{w.updatedReplicas}</td>
                <td className="num">{w.availableReplicas}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
