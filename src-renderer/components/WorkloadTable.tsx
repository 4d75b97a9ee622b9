import { useConnections } from '../store/connections.store.ts';

/** Deployments and Argo Rollouts of the selected namespace, live, with the feed's state. */
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
        <FeedState connecting={namespacesStatus === 'loading' || workloadsStatus === 'loading'} />
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
      {feedError && (
        <div className="note note-warn" role="alert">
          {feedError}
        </div>
      )}
      {workloadsStatus === 'ready' && workloads.length === 0 && (
        <p className="muted">No Deployments or Argo Rollouts in this namespace.</p>
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
                <td>
                  <span className={w.kind === 'Rollout' ? 'badge badge-sandbox' : 'badge'}>{w.kind}</span>
                </td>
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

/** Whether the table follows the cluster right now: live, connecting, or interrupted (the note says why). */
function FeedState({ connecting }: { connecting: boolean }) {
  const { feedError, workloadsStatus, selectedNamespace } = useConnections();
  if (!connecting && !selectedNamespace) return null;
  const [text, cls] = connecting
    ? ['Connecting…', 'muted']
    : feedError
      ? ['Live updates interrupted', 'warn-text']
      : workloadsStatus === 'ready'
        ? ['● Live', 'ok-text']
        : ['Not live', 'muted'];
  return (
    <span role="status" aria-label="Live feed" className={cls}>
      {text}
    </span>
  );
}
