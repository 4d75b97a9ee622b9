import { describe, expect, it } from 'vitest';
import { cohortRuleLines, rolloutPodsWords } from '../../../src-shared/release/traffic-detail-words.ts';
import type { RolloutView } from '../../../src-shared/release/traffic-detail.schema.ts';

const rollout = (over: Partial<RolloutView> = {}): RolloutView => ({
  direction: 'forward',
  image: 'registry.platform.com/workflow-engine:v1.25.0',
  desired: 20,
  updated: 12,
  ready: 18,
  available: 18,
  pods: 21,
  maxSurge: '25%',
  maxUnavailable: 0,
  source: 'Deployment platform-production/workflow-engine status',
  readAtMs: 0,
  ...over,
});

describe('a rolling release in words', () => {
  it('reads updated/ready/total, total counting the surge pods', () => {
    expect(rolloutPodsWords(rollout())).toBe('pods 12/18/21 (updated/ready/total)');
    expect(rolloutPodsWords(rollout({ pods: null }))).toBe('pods 12/18/20 (updated/ready/total)');
  });

  it('says when the pods are not read yet, are moving back, or predate the change', () => {
    expect(rolloutPodsWords(rollout({ desired: null, updated: null, ready: null }))).toBe(
      'pods not read yet',
    );
    expect(rolloutPodsWords(rollout({ direction: 'undo', image: 'registry/app:v1.24.3' }))).toBe(
      'pods 12/18/21 (updated/ready/total), moving back to v1.24.3',
    );
    expect(rolloutPodsWords(rollout({ stale: true }))).toMatch(
      /, the controller has not taken up the change yet$/,
    );
  });
});

describe("an A/B test's rules in words", () => {
  it('one line per rule in the router’s order, then the stickiness, and whether it is routed yet', () => {
    const lines = cohortRuleLines({
      rules: [
        {
          kind: 'pin',
          match: { header: 'x-user-segment', exact: 'premium' },
          to: [{ variant: 'treatment', weight: 100 }],
          share: 12,
        },
        {
          kind: 'cohort',
          match: { header: 'x-user-segment', regex: 'free|basic' },
          to: [
            { variant: 'control', weight: 50 },
            { variant: 'treatment', weight: 50 },
          ],
          share: null,
        },
        { kind: 'default', to: [{ variant: 'control', weight: 100 }], share: 40 },
      ],
      stickyHeader: null,
      notes: [],
      routed: false,
    });
    expect(lines).toEqual([
      'pin: x-user-segment = premium → treatment (share 12 %)',
      'cohort: x-user-segment matches free|basic → control 50 % · treatment 50 % (share not known)',
      'everyone else: no rule above → control (share 40 %)',
      'not sticky: each request is routed on its own',
      'not routed yet: the rules are the plan’s',
    ]);
  });
});
