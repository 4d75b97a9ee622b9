import type { CohortRoutingView } from '../../../src-shared/release/traffic-detail.schema.ts';
import { cohortRouting } from '../../lib/cohort-view.ts';

/**
 * How an A/B test routes requests, beside its weighted split: pins, the cohort and everyone else, in the order
 * the router applies them, with the share of traffic each rule catches when known; stickiness, and the
 * router's caveats (e.g. Gateway API cannot keep a user on one variant) as warnings.
 */
export function CohortRules({ cohorts, ended }: { cohorts: CohortRoutingView; ended: boolean }) {
  const c = cohortRouting(cohorts);
  return (
    <div className="cohort-rules">
      <h3 className="small-heading">{ended ? 'Routing while the test ran' : 'Routing rules'}</h3>
      <table aria-label="Cohort routing">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Requests</th>
            <th scope="col">Go to</th>
            <th scope="col" className="num" title="The share of all traffic the rule catches">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {c.rows.map((r) => (
            <tr key={`${r.rule}/${r.match}`}>
              <th scope="row">{r.rule}</th>
              <td className="wrap">{r.match}</td>
              <td>{r.to}</td>
              <td className="num muted nowrap">{r.share}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="small">{c.stickiness}</p>
      {c.pending && <p className="muted small">{c.pending}</p>}
      {c.warnings.map((w) => (
        <div key={w} className="note note-warn small" role="note">
          {w}
        </div>
      ))}
    </div>
  );
}
