import type { AuditLine } from '../../../src-shared/bridge/contract.ts';
import { formatIsoDateTime } from '../../../src-shared/format/time.ts';

/** The release's audit log, and whether its hash chain is intact. */
export function AuditLog({ lines, integrity }: { lines: readonly AuditLine[]; integrity: string }) {
  return (
    <section className="panel" aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit log</h2>
      <p className="muted">{integrity}</p>
      <div className="scroll">
        <table aria-label="Audit log" className="dense">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.seq}>
                <td>{l.seq}</td>
                <td>{formatIsoDateTime(l.at)}</td>
                <td>{l.who}</td>
                <td>{l.what}</td>
                <td>{l.why}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
