import { useEffect, useState } from 'react';
import type { BridgeError } from '../../src-shared/bridge/errors.ts';
import { Busy } from '../components/Busy.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { AuditLog } from '../components/history/AuditLog.tsx';
import { ReleaseTable } from '../components/history/ReleaseTable.tsx';
import { ReleaseLiveView } from '../components/release/ReleaseLiveView.tsx';
import { useHistory } from '../store/history.store.ts';
import { useRelease } from '../store/release.store.ts';
import { useUi } from '../store/ui.store.ts';

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
  const resume = useRelease((s) => s.resume);
  const go = useUi((s) => s.go);
  const [resumeError, setResumeError] = useState<BridgeError | null>(null);
  const item = releases.find((r) => r.id === selected);
  const unfinished = item && !item.rehearsal && (item.status === 'running' || item.status === 'paused');
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
            <p className="note note-warn">
              The journal holds no readable state for this release; its audit log follows.
            </p>
          )}
          <AuditLog lines={detail.audit} integrity={detail.integrity} />
        </>
      )}
    </div>
  );
}
