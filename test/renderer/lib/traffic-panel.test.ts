import { describe, expect, it } from 'vitest';
import { cohortRouting } from '../../../src-renderer/lib/cohort-view.ts';
import { resolvePodCount, rolloutProgress } from '../../../src-renderer/lib/rollout-view.ts';
import type {
  CohortRoutingView,
  CohortRuleView,
  RolloutView,
} from '../../../src-shared/release/traffic-detail.schema.ts';

const view = (v: Partial<RolloutView>): RolloutView => ({
  direction: 'forward',
  image: 'registry/api:v1.25.0',
  desired: 20,
  updated: 5,
  ready: 18,
  available: 18,
  pods: 25,
  maxSurge: 5,
  maxUnavailable: 2,
  source: 'Deployment shop/api status',
  readAtMs: 0,
  ...v,
});

describe('maxSurge and maxUnavailable as the Deployment controller resolves them', () => {
  it.each([
    [5, 20, 'up', 5],
    ['25%', 10, 'up', 3],
    ['25%', 10, 'down', 2],
    ['0%', 10, 'up', 0],
    ['100%', 3, 'down', 3],
  ] as const)('%s of %i rounded %s → %i', (value, desired, round, pods) =>
    expect(resolvePodCount(value, desired, round)).toBe(pods),
  );
});

describe('a rolling release as pods', () => {
  it.each([
    [
      'part-way',
      view({}),
      'pods updated 5 / ready 18 / total 25',
      '20 wanted · surge 5 of 5 allowed · unavailable 2 of 2 allowed',
      25,
    ],
    [
      'done',
      view({ updated: 20, ready: 20, available: 20, pods: 20 }),
      'pods updated 20 / ready 20 / total 20',
      '20 wanted · surge 0 of 5 allowed · unavailable 0 of 2 allowed',
      100,
    ],
    [
      'percentages',
      view({ maxSurge: '25%', maxUnavailable: '10%', pods: 23, available: 19 }),
      'pods updated 5 / ready 18 / total 23',
      '20 wanted · surge 3 of 5 allowed · unavailable 1 of 2 allowed',
      25,
    ],
    [
      'both 0: one pod may be unavailable',
      view({ maxSurge: 0, maxUnavailable: '0%', pods: null, available: 19 }),
      'pods updated 5 / ready 18 / total 20',
      '20 wanted · surge 0 of 0 allowed · unavailable 1 of 1 allowed',
      25,
    ],
  ])('%s', (_name, v, counts, inFlight, percent) => {
    const p = rolloutProgress(v);
    expect(p).toMatchObject({ read: true, counts, inFlight, updatedPercent: percent });
    expect(p.done).toBe(v.updated === 20);
  });

  it('says when the counts predate the change (the controller has not seen it), and is not done then', () => {
    const p = rolloutProgress(view({ stale: true, updated: 20, ready: 20, available: 20, pods: 20 }));
    expect(p).toMatchObject({ stale: 'the controller has not taken up the change yet', done: false });
    expect(rolloutProgress(view({})).stale).toBeNull();
  });

  it('shows the intended end state, marked, before the workload is read; never blank', () => {
    const p = rolloutProgress(
      view({ desired: null, updated: null, ready: null, available: null, pods: null }),
    );
    expect(p.read).toBe(false);
    expect(p.updatedPercent).toBe(100);
    expect(p.words).toMatch(/^Intended: every pod updated to v1\.25\.0 and ready/);
    expect(p.inFlight).toBe('allowed: surge 5, unavailable 2');
  });

  it.each([
    ['forward', 'registry/api:v1.25.0', 'Pods moving to v1.25.0', 'track-canary'],
    ['undo', 'registry/api:v1.24.0', 'Pods moving back to v1.24.0', 'track-stable'],
    ['undo', 'revision 1', 'Pods moving back to revision 1', 'track-stable'],
    ['forward', 'localhost:5000/api', 'Pods moving to localhost:5000/api', 'track-canary'],
  ] as const)('%s to %s: "%s" in %s', (direction, image, heading, colour) =>
    expect(rolloutProgress(view({ direction, image }))).toMatchObject({ heading, colour }),
  );
});

describe('an A/B test’s routing rules', () => {
  /** A rule sending the requests that match to `to` (variant → percent). */
  const rule = (
    kind: CohortRuleView['kind'],
    match: CohortRuleView['match'],
    to: Record<string, number>,
    share: number | null,
  ): CohortRuleView => ({
    kind,
    ...(match ? { match } : {}),
    to: Object.entries(to).map(([variant, weight]) => ({ variant, weight })),
    share,
  });
  const routing: CohortRoutingView = {
    rules: [
      rule('pin', { header: 'x-segment', exact: 'premium' }, { treatment: 100 }, 5),
      rule('cohort', { header: 'x-segment', regex: 'free|basic' }, { control: 50, treatment: 50 }, null),
      rule('default', undefined, { control: 100 }, null),
    ],
    stickyHeader: null,
    notes: [],
    routed: false,
  };

  it('reads as a table: which requests, where they go, which share of traffic when known', () => {
    expect(cohortRouting(routing).rows).toEqual([
      { rule: 'pin', match: 'x-segment = premium', to: 'treatment', share: '5 %' },
      {
        rule: 'cohort',
        match: 'x-segment matches free|basic',
        to: 'control\u00a050\u00a0% · treatment\u00a050\u00a0%',
        share: 'not known',
      },
      { rule: 'everyone else', match: 'no rule above', to: 'control', share: 'not known' },
    ]);
  });

  it.each([
    [null, false, /^Not sticky: .* may see both variants/, /not routed the test yet/],
    ['x-user-id', true, /^Sticky on header x-user-id/, null],
  ])('stickiness %s, routed %s', (stickyHeader, routed, stickiness, pending) => {
    const c = cohortRouting({ ...routing, stickyHeader, routed });
    expect(c.stickiness).toMatch(stickiness);
    if (pending) expect(c.pending).toMatch(pending);
    else expect(c.pending).toBeNull();
  });

  it('shows the router’s caveats as warnings', () => {
    const note = 'Stickiness on x-user-id is not enforced by the gateway-api router.';
    expect(cohortRouting({ ...routing, notes: [note], routed: true }).warnings).toEqual([note]);
  });
});
