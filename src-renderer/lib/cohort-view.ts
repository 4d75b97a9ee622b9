import { formatPercent } from '../../src-shared/format/number.ts';
import type { CohortRoutingView, CohortRuleView } from '../../src-shared/release/traffic-detail.schema.ts';

/** One row of the A/B routing table. */
export interface CohortRow {
  /** `pin`, `cohort` or `everyone else`. */
  rule: string;
  /** `x-user-segment = premium`, `x-user-segment matches free|basic`, or `no rule above`. */
  match: string;
  /** `treatment`, or the cohort's split `control 50 % · treatment 50 %` (no-break spaces within a variant). */
  to: string;
  /** The share of all traffic the rule catches, e.g. `12 %`, or `not known`. */
  share: string;
}

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

function matchWords(rule: CohortRuleView): string {
  const m = rule.match;
  if (!m) return 'no rule above';
  return m.exact !== undefined ? `${m.header} = ${m.exact}` : `${m.header} matches ${m.regex ?? ''}`;
}

const RULE_WORDS: Record<CohortRuleView['kind'], string> = {
  pin: 'pin',
  cohort: 'cohort',
  default: 'everyone else',
};

/** The rows, stickiness and warnings of an A/B test's routing. */
export function cohortRouting(view: CohortRoutingView): CohortRouting {
  const rows = view.rules.map((r) => ({
    rule: RULE_WORDS[r.kind],
    match: matchWords(r),
    to:
      r.to.length === 1 && r.to[0]?.weight === 100
        ? r.to[0].variant
        : // Each variant's share stays on one line; the list breaks between variants only.
          r.to.map((t) => `${t.variant} ${formatPercent(t.weight)}`.replace(/ /g, '\u00a0')).join(' · '),
    share: r.share === null ? 'not known' : formatPercent(r.share),
  }));
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
