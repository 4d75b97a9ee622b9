import type { CohortRoutingView } from '../../src-shared/release/traffic-detail.schema.ts';
import { cohortRuleWords, type CohortRuleWords } from '../../src-shared/release/traffic-detail-words.ts';

/** One row of the A/B routing table (the rule's words, variants kept whole with no-break spaces). */
export type CohortRow = CohortRuleWords;

/** The routing of an A/B test as the traffic panel shows it. */
export interface CohortRouting {
  rows: CohortRow[];
  /** One sentence on stickiness, from the plan. */
  stickiness: string;
  /** The router's own caveats (stickiness it cannot enforce), shown as warnings. */
  warnings: string[];
  /** Said while the router has not routed the test yet; null once it has. */
  pending: string | null;
}

/** The rows, stickiness and warnings of an A/B test's routing. */
export function cohortRouting(view: CohortRoutingView): CohortRouting {
  // Each variant's share stays on one line; the list breaks between variants only.
  const rows = view.rules.map((r) => cohortRuleWords(r, true));
  const stickiness = view.stickyHeader
    ? `Sticky on header ${view.stickyHeader}, as the plan asks.`
    : 'Not sticky: each request is routed on its own, so a user in the cohort may see both variants.';
  return {
    rows,
    stickiness,
    warnings: view.notes,
    pending: view.routed ? null : 'The router has not routed the test yet; the rules are the plan’s.',
  };
}
