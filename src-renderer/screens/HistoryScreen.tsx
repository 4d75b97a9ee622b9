import { useEffect } from 'react';
import { Busy } from '../components/Busy.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { AuditLog } from '../components/history/AuditLog.tsx';
import { ReleaseTable } from '../components/history/ReleaseTable.tsx';
import { ReleaseLiveView } from '../components/release/ReleaseLiveView.tsx';
import { useHistory } from '../store/history.store.ts';

/** Releases from the journal; an opened one shows its timeline, decisions and audit log, and exports. */
export function HistoryScreen() {
  const { load, loading, error, detail, detailLoading, detailError, exportAs, exportStatus, selected } =
    useHistory();
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
              snapshot={detail.snapshot}
              health={detail.health}
              planText={null}
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
