import { memo } from 'react';
import type { WorkloadSummary } from '../../src-shared/bridge/contract.ts';
import { useConnections } from '../store/connections.store.ts';
import { planReleaseOf } from '../store/plan-prefill.ts';
import { useWorkloadDetail } from '../store/workload-detail.store.ts';
import { TableHead, type Column } from './TableHead.tsx';
import { useVisibleRows } from './use-visible-rows.ts';

/** Height of one workload row in pixels (fixed, so the table can render only the rows in view). */
const ROW_PX = 33;

const WORKLOAD_COLUMNS: Column[] = [
  { label: 'Name' },
  { label: 'Kind' },
  { label: 'Version' },
  { label: 'Ready', num: true },
  { label: 'Updated', num: true },
  { label: 'Available', num: true },
  { label: 'Plan', hidden: true },
];

/** Deployments and Argo Rollouts of the selected namespace, live, with the feed's state. */
export function WorkloadTable() {
  const {
    namespaces,
    selectedNamespace,
    selectNamespace,
    refreshNamespaces,
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
            onFocus={() => void refreshNamespaces()}
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
      {workloads.length > 0 && <VirtualTable workloads={workloads} />}
    </section>
  );
}

/** The workload rows, only those in view rendered; a row opens its pods, events and logs. */
const VirtualTable = memo(function VirtualTable({ workloads }: { workloads: WorkloadSummary[] }) {
  const { box, rows, onScroll } = useVisibleRows(workloads.length, ROW_PX);
  const show = useWorkloadDetail((s) => s.show);
  const open = useWorkloadDetail((s) => s.open);
  return (
    <div className="virtual-scroll" ref={box} onScroll={onScroll} data-testid="workload-scroll">
      <table aria-label="Workloads" aria-rowcount={workloads.length + 1} className="virtual-table">
        <TableHead columns={WORKLOAD_COLUMNS} />
        <tbody>
          {rows.padTop > 0 && <tr aria-hidden="true" style={{ height: rows.padTop }} />}
          {workloads.slice(rows.first, rows.last).map((w, i) => (
            <WorkloadRow
              key={`${w.kind}/${w.name}`}
              workload={w}
              rowIndex={rows.first + i + 2}
              selected={open?.kind === w.kind && open.name === w.name}
              show={show}
            />
          ))}
          {rows.padBottom > 0 && <tr aria-hidden="true" style={{ height: rows.padBottom }} />}
        </tbody>
      </table>
    </div>
  );
});

/**
 * One workload row. Memoised: a scroll step renders only the rows it brings into view, and a watch event only
 * the rows it changed (the store keeps unchanged rows' objects).
 */
const WorkloadRow = memo(function WorkloadRow({
  workload: w,
  rowIndex,
  selected,
  show,
}: {
  workload: WorkloadSummary;
  rowIndex: number;
  selected: boolean;
  show: (w: WorkloadSummary) => void;
}) {
  return (
    <tr
      aria-rowindex={rowIndex}
      aria-selected={selected}
      className={selected ? 'row-link selected' : 'row-link'}
      onClick={() => show(w)}
    >
      <td>
        <button type="button" className="link" onClick={(e) => (e.stopPropagation(), show(w))}>
          {w.name}
        </button>
      </td>
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
      <td>
        <button
          type="button"
          className="row-plan"
          aria-label={`Plan a release of ${w.name}`}
          title={`Plan a release of ${w.name}`}
          onClick={(e) => (e.stopPropagation(), void planReleaseOf(w))}
        >
          Plan
        </button>
      </td>
    </tr>
  );
});

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
