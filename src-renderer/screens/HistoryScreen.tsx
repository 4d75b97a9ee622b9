import { useEffect, useState } from 'react';
import type { BridgeError } from '../../src-shared/bridge/errors.ts';
import { Busy } from '../components/Busy.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { AuditLog } from '../components/history/AuditLog.tsx';
import { LiveDriverNote } from '../components/history/LiveDriverNote.tsx';
import { ReleaseTable } from '../components/history/ReleaseTable.tsx';
import { ConfirmDialog } from '../components/release/ConfirmDialog.tsx';
import { ReleaseLiveView } from '../components/release/ReleaseLiveView.tsx';
import type { ControlSpec } from '../lib/controls.ts';
import { useHistory } from '../store/history.store.ts';
import { useRelease } from '../store/release.store.ts';
import { useUi } from '../store/ui.store.ts';

const ROLL_BACK_COMPLETED: ControlSpec = { event: 'ROLLBACK', label: 'Roll back', key: '', confirm: true };

/** Releases from the journal; an opened one shows its timeline, decisions and audit log, and exports. */
export function HistoryScreen() {
  const {
    load,
    loading,
    error,
    detail,
    detailHealth,
    detailLoading,
    detailError,
    exportAs,
    exportStatus,
    selected,
  } = useHistory();
  const releases = useHistory((s) => s.releases);
  const rollback = useHistory((s) => s.rollback);
  const rollbackCompleted = useHistory((s) => s.rollbackCompleted);
  const [confirming, setConfirming] = useState<ControlSpec | null>(null);
  const resume = useRelease((s) => s.resume);
  const go = useUi((s) => s.go);
  const [resumeError, setResumeError] = useState<BridgeError | null>(null);
  const item = releases.find((r) => r.id === selected);
  const live = item && (item.status === 'running' || item.status === 'paused');
  const driven = live && item.driver ? { ...item, driver: item.driver } : null;
  const unfinished = live && !item.rehearsal && !driven;
  const stopped = live && item.rehearsal && !driven;
  const completed = item && !item.rehearsal && (item.status === 'succeeded' || item.status === 'completed');
  const pickUp = async (then: 'continue' | 'abort', takeOver = false) => {
    if (!item) return;
    const error = await resume(item.id, then, item.context, takeOver);
    setResumeError(error);
    if (!error) go('Run');
  };
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <div className="screen">
      <div className="row">
        <button type="button" onClick={() => void load()} disabled={loading}>
          Refresh
        </button>
        {loading && <Busy label="Reading the journal…" />}
      </div>
      {error && <ErrorNote error={error} />}
      <ReleaseTable />
      {detailLoading && <Busy label="Opening the release…" />}
      {detailError && <ErrorNote error={detailError} />}
      {selected && detail && (
        <>
          {driven && <LiveDriverNote item={driven} />}
          {stopped && (
            <section className="panel" aria-labelledby="stopped-heading">
              <h2 id="stopped-heading">Stopped rehearsal</h2>
              <p>
                The journal last saw this rehearsal {item.status}, but nothing drives it any more: the console
                that ran it was closed, and the sandbox it ran on went with it, so it cannot be resumed. Its
                decisions and audit log below are kept; rehearse the plan again from the Rehearse screen.
              </p>
            </section>
          )}
          {unfinished && (
            <section className="panel" aria-labelledby="unfinished-heading">
              <h2 id="unfinished-heading">Unfinished release</h2>
              <p>
                This release on {item.context} is {item.status}. If nothing drives it any more (the console or
                runner that started it was closed or killed), resume it: it reconciles with the cluster before
                acting. Or roll it back now.
              </p>
              <div className="row">
                <button type="button" onClick={() => void pickUp('continue')}>
                  Resume release
                </button>
                <button type="button" className="danger" onClick={() => void pickUp('abort')}>
                  Roll back release
                </button>
              </div>
              {resumeError && <ErrorNote error={resumeError} />}
              {resumeError?.canTakeOver && (
                <button type="button" onClick={() => void pickUp('continue', true)}>
                  Take over and resume
                </button>
              )}
            </section>
          )}
          {(completed || rollback.message) && (
            <section className="panel" aria-labelledby="completed-heading">
              <h2 id="completed-heading">Completed release</h2>
              {completed && (
                <>
                  <p>
                    Roll this release back on {item.context}:{' '}
                    {item.strategy.endsWith('blue-green')
                      ? 'traffic goes back to the colour it kept (scaled up first if it was scaled down). It is refused if another release changed the workload since.'
                      : item.strategy.endsWith('flag-rollout')
                        ? "the flag's kill switch: everyone gets the off variant again, read back from the flag system."
                        : item.strategy.includes('flag-after:')
                          ? "the flag's kill switch first (everyone gets the off variant again), then the workload gets the image it ran before this release. It is refused if another release changed the workload since."
                          : 'the workload gets the image it ran before this release. It is refused if another release changed the workload since.'}
                  </p>
                  <button
                    type="button"
                    className="danger"
                    disabled={rollback.busy}
                    onClick={() => setConfirming(ROLL_BACK_COMPLETED)}
                  >
                    Roll back completed release
                  </button>
                </>
              )}
              {rollback.busy && <Busy label="Rolling back…" />}
              {rollback.message && (
                <p className="ok-text" role="status">
                  {rollback.message}
                </p>
              )}
              {rollback.error && <ErrorNote error={rollback.error} />}
            </section>
          )}
          <ConfirmDialog
            control={confirming}
            typeName={null}
            onConfirm={(reason) => {
              setConfirming(null);
              void rollbackCompleted(reason);
            }}
            onCancel={() => setConfirming(null)}
          />
          <section className="panel" aria-labelledby="export-release-heading">
            <h2 id="export-release-heading">Post-incident export</h2>
            <div className="row">
              <button type="button" onClick={() => void exportAs('markdown')} disabled={exportStatus.busy}>
                Export Markdown
              </button>
              <button type="button" onClick={() => void exportAs('json')} disabled={exportStatus.busy}>
                Export JSON
              </button>
            </div>
            {exportStatus.message && (
              <p className="ok-text" role="status">
                {exportStatus.message}
              </p>
            )}
            {exportStatus.error && <ErrorNote error={exportStatus.error} />}
          </section>
          {detail.snapshot ? (
            <ReleaseLiveView
              key={detail.snapshot.id}
              snapshot={detail.snapshot}
              health={detailHealth}
              planText={detail.planText}
              context={null}
              readOnly
            />
          ) : (
            <p className="note note-warn" role="status">
              {detail.problem
                ? `This release's saved state cannot be read: ${detail.problem} Its audit log follows.`
                : 'The journal holds no readable state for this release; its audit log follows.'}
            </p>
          )}
          <AuditLog lines={detail.audit} integrity={detail.integrity} />
        </>
      )}
    </div>
  );
}
