import { useEffect } from 'react';
import { formatDuration } from '../../src-shared/format/duration.ts';
import type { WorkloadDetail } from '../../src-shared/bridge/contract.ts';
import { planReleaseOf } from '../store/plan-prefill.ts';
import { useWorkloadDetail } from '../store/workload-detail.store.ts';
import { ErrorNote } from './ErrorNote.tsx';
import { TableHead, type Column } from './TableHead.tsx';

const RS_COLUMNS: Column[] = [
  { label: 'Name' },
  { label: 'Revision' },
  { label: 'Version' },
  { label: 'Ready', num: true },
  { label: 'Age' },
];
const POD_COLUMNS: Column[] = [
  { label: 'Name' },
  { label: 'Status' },
  { label: 'Restarts', num: true },
  { label: 'Node' },
  { label: 'Age' },
  { label: 'Log', hidden: true },
];
const EVENT_COLUMNS: Column[] = [
  { label: 'Type' },
  { label: 'Reason' },
  { label: 'Object' },
  { label: 'Message' },
  { label: 'Last seen' },
];

/**
 * A workload's ReplicaSets, pods, events and log, as Lens or Headlamp show them; live while open (main watches
 * the cluster), and the watches end when it closes or the screen is left.
 */
export function WorkloadDetailPanel() {
  const { open, detail, error, feedError, close } = useWorkloadDetail();
  useEffect(() => () => useWorkloadDetail.getState().close(), []);
  if (!open) return null;
  return (
    <section className="panel workload-detail" aria-label={`Workload ${open.name}`}>
      <div className="panel-head">
        <h2>
          {open.kind} {open.name}
        </h2>
        <span className="muted">{open.namespace}</span>
        <span role="status" aria-label="Drill-down live state" className={liveClass(detail, feedError)}>
          {feedError
            ? /reconnecting/.test(feedError)
              ? 'Reconnecting…'
              : 'Not live'
            : detail
              ? '● Live'
              : 'Connecting…'}
        </span>
        <button type="button" onClick={() => void planReleaseOf(open)}>
          Plan a release of this
        </button>
        <button type="button" onClick={close} aria-label="Close workload details">
          Close
        </button>
      </div>
      {error && <ErrorNote error={error} />}
      {feedError && (
        <div className="note note-warn" role="alert">
          {feedError}
          {detail ? ' The last good reading stays on screen.' : ''}
        </div>
      )}
      {!detail && !error && <p className="muted">Reading pods, events and logs…</p>}
      {detail && <DetailBody detail={detail} />}
    </section>
  );
}

function liveClass(detail: WorkloadDetail | null, feedError: string | null): string {
  return feedError ? 'warn-text' : detail ? 'ok-text' : 'muted';
}

function DetailBody({ detail }: { detail: WorkloadDetail }) {
  const now = useWorkloadDetail((s) => s.readAt);
  return (
    <>
      <h3>ReplicaSets</h3>
      {detail.replicaSets.length === 0 ? (
        <p className="muted">No ReplicaSets.</p>
      ) : (
        <table className="dense" aria-label="ReplicaSets">
          <TableHead columns={RS_COLUMNS} />
          <tbody>
            {detail.replicaSets.map((rs) => (
              <tr key={rs.name}>
                <td>{rs.name}</td>
                <td>{rs.revision}</td>
                <td>
                  <code>{rs.version}</code>
                </td>
                <td className="num">
                  {rs.readyReplicas}/{rs.replicas}
                </td>
                <td>{age(rs.created, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Pods</h3>
      <PodTable detail={detail} now={now} />
      <h3>Events</h3>
      {detail.events.length === 0 ? (
        <p className="muted">No events about this workload, its ReplicaSets or pods.</p>
      ) : (
        <table className="dense" aria-label="Events">
          <TableHead columns={EVENT_COLUMNS} />
          <tbody>
            {detail.events.map((e, i) => (
              <tr key={`${e.object}-${e.reason}-${i}`} className={e.type === 'Warning' ? 'warn-text' : ''}>
                <td>{e.type}</td>
                <td>{e.reason}</td>
                <td>{e.object}</td>
                <td>
                  {e.message}
                  {e.count > 1 ? ` (×${e.count})` : ''}
                </td>
                <td>{age(e.last, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Log{detail.logPod ? ` of ${detail.logPod}` : ''}</h3>
      {detail.logNote && <p className="warn-text">The log cannot be read: {detail.logNote}</p>}
      {detail.log.length > 0 ? (
        <pre className="pod-log" aria-label="Pod log">
          {detail.log.join('\n')}
        </pre>
      ) : (
        !detail.logNote && <p className="muted">{detail.logPod ? 'No log lines yet.' : 'No pods.'}</p>
      )}
    </>
  );
}

function PodTable({ detail, now }: { detail: WorkloadDetail; now: number }) {
  const showLog = useWorkloadDetail((s) => s.showLog);
  if (detail.pods.length === 0) return <p className="muted">No pods.</p>;
  return (
    <table className="dense" aria-label="Pods">
      <TableHead columns={POD_COLUMNS} />
      <tbody>
        {detail.pods.map((p) => (
          <tr key={p.name}>
            <td>{p.name}</td>
            <td className={p.ready ? 'ok-text' : 'warn-text'}>{p.status}</td>
            <td className="num">{p.restarts}</td>
            <td>{p.node || '—'}</td>
            <td>{age(p.created, now)}</td>
            <td>
              <button
                type="button"
                aria-pressed={detail.logPod === p.name}
                aria-label={`Show log of ${p.name}`}
                onClick={() => showLog(p.name)}
              >
                Log
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** kubectl's AGE, in the console's duration words; '—' when the server gave no time. */
function age(iso: string | undefined, now: number): string {
  if (!iso) return '—';
  return formatDuration(now - Date.parse(iso));
}
