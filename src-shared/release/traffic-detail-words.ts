import { formatPercent } from '../format/number.ts';
import type { CohortRoutingView, CohortRuleView, RolloutView } from './traffic-detail.schema.ts';

/** One routing rule of an A/B test in words: a row of the console's table, a line of `status` and the report. */
export interface CohortRuleWords {
  /** `pin`, `cohort` or `everyone else`. */
  rule: string;
  /** `x-user-segment = premium`, `x-user-segment matches free|basic`, or `no rule above`. */
  match: string;
  /** `treatment`, or the cohort's split `control 50 % · treatment 50 %`. */
  to: string;
  /** The share of all traffic the rule catches, e.g. `12 %`, or `not known`. */
  share: string;
}

const RULE_WORDS: Record<CohortRuleView['kind'], string> = {
  pin: 'pin',
  cohort: 'cohort',
  default: 'everyone else',
};

/**
 * A rule of an A/B test in words. `keepVariantWhole` joins each variant and its weight with no-break spaces,
 * so a narrow table cell breaks between variants only.
 */
export function cohortRuleWords(r: CohortRuleView, keepVariantWhole = false): CohortRuleWords {
  const m = r.match;
  const variant = (t: { variant: string; weight: number }) => {
    const words = `${t.variant} ${formatPercent(t.weight)}`;
    return keepVariantWhole ? words.replace(/ /g, '\u00a0') : words;
  };
  return {
    rule: RULE_WORDS[r.kind],
    match: !m
      ? 'no rule above'
      : m.exact !== undefined
        ? `${m.header} = ${m.exact}`
        : `${m.header} matches ${m.regex ?? ''}`,
    to: r.to.length === 1 && r.to[0]?.weight === 100 ? r.to[0].variant : r.to.map(variant).join(' · '),
    share: r.share === null ? 'not known' : formatPercent(r.share),
  };
}

/**
 * An A/B test's rules, one line each, in the order the router applies them:
 * `pin: x-user-segment = premium → treatment (share 12 %)`, then the stickiness.
 */
export function cohortRuleLines(view: CohortRoutingView): string[] {
  return [
    ...view.rules.map((r) => {
      const w = cohortRuleWords(r);
      return `${w.rule}: ${w.match} → ${w.to} (share ${w.share})`;
    }),
    view.stickyHeader
      ? `sticky on header ${view.stickyHeader}`
      : 'not sticky: each request is routed on its own',
    ...(view.routed ? [] : ['not routed yet: the rules are the plan’s']),
  ];
}

/** The tag of an image (`registry/app:v1.25.0` → `v1.25.0`), or the image when it has none. */
function tagOf(image: string): string {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? image.slice(at + 1) : image;
}

/**
 * A rolling release's pods in one phrase: `pods 12/18/20 (updated/ready/total)`, where total counts every pod
 * now, surge included; `pods not read yet` before the workload was read. Undoing says where the pods go back to;
 * counts from before the controller took up the change say so.
 */
export function rolloutPodsWords(r: RolloutView): string {
  const back = r.direction === 'undo' ? `, moving back to ${tagOf(r.image)}` : '';
  if (r.desired === null || r.updated === null || r.ready === null) return `pods not read yet${back}`;
  const stale = r.stale ? ', the controller has not taken up the change yet' : '';
  return `pods ${r.updated}/${r.ready}/${r.pods ?? r.desired} (updated/ready/total)${back}${stale}`;
}
