import { usePlan } from '../../store/plan.store.ts';
import { exportFilename } from '../../lib/download.ts';
import { Busy } from '../Busy.tsx';
import { CopyDownload } from '../CopyDownload.tsx';
import { ErrorNote } from '../ErrorNote.tsx';

/** The plan as Argo Rollouts or Flagger YAML, with what that format cannot express. */
export function ExportPanel() {
  const { text, exported, exportStatus, exportTo } = usePlan();
  const empty = text.trim() === '';
  return (
    <section className="panel" aria-labelledby="export-heading">
      <h2 id="export-heading">Export</h2>
      <div className="row">
        <button type="button" onClick={() => void exportTo('argo')} disabled={empty || exportStatus.busy}>
          Export to Argo Rollouts
        </button>
        <button type="button" onClick={() => void exportTo('flagger')} disabled={empty || exportStatus.busy}>
          Export to Flagger
        </button>
      </div>
      {exportStatus.busy && <Busy label="Exporting…" />}
      {exportStatus.error && <ErrorNote error={exportStatus.error} />}
      {exported && (
        <>
          {exported.unsupported.length > 0 && (
            <div className="note note-warn" role="status">
              {exported.to === 'argo' ? 'Argo Rollouts' : 'Flagger'} cannot express:
              <ul>
                {exported.unsupported.map((u) => (
                  <li key={u}>{u}</li>
                ))}
              </ul>
            </div>
          )}
          <CopyDownload
            text={exported.yaml}
            filename={exportFilename(text, exported.to)}
            type="application/yaml"
          />
          <pre className="code code-wrap" aria-label={`${exported.to} YAML`}>
            {exported.yaml}
          </pre>
        </>
      )}
    </section>
  );
}
