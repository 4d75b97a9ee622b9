import { ErrorNote } from '../components/ErrorNote.tsx';
import { ContextList } from '../components/ContextList.tsx';
import { WorkloadTable } from '../components/WorkloadTable.tsx';
import { useConnections } from '../store/connections.store.ts';

/** Contexts on the left, the selected context's workloads on the right. */
export function ConnectionsScreen() {
  const error = useConnections((s) => s.error);
  return (
    <div className="screen">
      {error && <ErrorNote error={error} />}
      <div className="columns">
        <ContextList />
        <WorkloadTable />
      </div>
    </div>
  );
}
