import { ErrorNote } from '../components/ErrorNote.tsx';
import { ContextList } from '../components/ContextList.tsx';
import { WorkloadDetailPanel } from '../components/WorkloadDetailPanel.tsx';
import { WorkloadTable } from '../components/WorkloadTable.tsx';
import { useConnections } from '../store/connections.store.ts';
import { useCredentialMessages } from '../store/credential.store.ts';

/** Contexts on the left, the selected context's workloads on the right, a picked workload's pods below. */
export function ConnectionsScreen() {
  const error = useConnections((s) => s.error);
  return (
    <div className="screen">
      {error && <ErrorNote error={error} />}
      <SignInNotes />
      <div className="columns">
        <ContextList />
        <WorkloadTable />
      </div>
      <WorkloadDetailPanel />
    </div>
  );
}

/** What credential plugins asked of the user while signing in (e.g. a device code to enter in a browser). */
function SignInNotes() {
  const messages = useCredentialMessages((s) => s.messages);
  const dismiss = useCredentialMessages((s) => s.dismiss);
  return messages.map((m) => (
    <div key={m.context} className="note note-warn" role="status">
      Sign-in for {m.context}: <code>{m.line}</code>{' '}
      <button type="button" onClick={() => dismiss(m.context)}>
        Dismiss
      </button>
    </div>
  ));
}
