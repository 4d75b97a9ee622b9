import { describe, expect, it } from 'vitest';
import type { ReleaseSnapshot } from '../../../../src-shared/release/release.schema.ts';
import type { AbContext } from '../../../../src-main/engine/machines/ab-test-readings.ts';
import type { MigrationContext } from '../../../../src-main/engine/machines/migration.machine.ts';
import {
  projectAbTest,
  projectMigration,
  projectRolling,
  type SnapshotLike,
} from '../../../../src-main/engine/machines/projection.ts';
import type { RollingContext } from '../../../../src-main/engine/machines/rolling.machine.ts';
import type { WorkloadState } from '../../../../src-main/ports/release.port.ts';
import { planOf } from '../../../support/sandbox-release.ts';

const TARGET = '{ namespace: shop, name: api, image: registry/api:v2 }';
const rolling = planOf(`
name: r
target: ${TARGET}
router: { kind: service-selector, service: api }
strategy: { kind: rolling, maxSurge: 25%, maxUnavailable: 1 }
`);
const ab = planOf(`
name: ab
target: ${TARGET}
router: { kind: istio, virtualService: api, destinationRule: api }
strategy:
  kind: ab-test
  variants: [{ name: control, version: stable, weight: 80 }, { name: treatment, version: v2, weight: 20 }]
  cohort: { header: x-segment, regex: 'free|basic' }
  pins: [{ match: { header: x-segment, exact: premium }, variant: treatment }]
  defaultVariant: control
  stickyHeader: x-user-id
  primaryMetrics: [{ name: conversion_rate, goal: maximize, minEffect: 0.05 }]
`);

const base = {
  releaseId: 'r1',
  intended: {},
  split: null,
  decisions: [],
  samples: [],
  startedAtMs: 1,
  nowMs: 5,
};
const workload = (w: Partial<WorkloadState>): WorkloadState => ({
  desired: 8,
  current: 10,
  ready: 7,
  updated: 4,
  available: 7,
  image: 'registry/api:v2',
  revision: 2,
  restarts: 0,
  failingPods: 0,
  progressDeadlineExceeded: false,
  ...w,
});
const rollingContext = (c: Partial<RollingContext>) =>
  ({ ...base, plan: rolling, previousRevision: 1, workload: null, stuckAt: null, ...c }) as RollingContext;

describe('a rolling release projects its pods', () => {
  it('projects no counts before the workload is read (the panel shows the intended state)', () => {
    const s = projectRolling({ live: { steps: 'setting' } }, rollingContext({}));
    expect(s.rollout).toMatchObject({
      direction: 'forward',
      image: 'registry/api:v2',
      desired: null,
      updated: null,
      ready: null,
      source: null,
      maxSurge: '25%',
      maxUnavailable: 1,
    });
  });

  it('projects the counts read, where they were read and when', () => {
    const s = projectRolling(
      { live: { steps: { following: 'sleeping' } } },
      rollingContext({ workload: workload({}), workloadReadAtMs: 4 }),
    );
    expect(s.rollout).toMatchObject({ desired: 8, updated: 4, ready: 7, pods: 10, readAtMs: 4 });
    expect(s.rollout?.source).toBe('Deployment shop/api status');
    expect(s.rollout?.stale).toBeUndefined();
    const before = projectRolling('live', rollingContext({ workload: workload({ observed: false }) }));
    expect(before.rollout?.stale).toBe(true);
  });

  it.each([
    ['undoing', { workload: workload({}) }, 'revision 1'],
    ['unwinding', { workload: workload({ image: 'registry/api:v1' }) }, 'registry/api:v1'],
    ['rolledBack', { workload: workload({ image: 'registry/api:v1' }) }, 'registry/api:v1'],
    ['held while undoing', { workload: workload({}), stuckAt: 'unwinding' as const }, 'revision 1'],
  ])('projects an undo (%s) back to the previous image, never the new one', (phase, c, image) => {
    const value = phase.startsWith('held') ? { live: { steps: 'held' } } : phase;
    expect(projectRolling(value, rollingContext(c)).rollout).toMatchObject({ direction: 'undo', image });
  });
});

describe('a migration around a rolling release', () => {
  it('shows the wrapped release’s pods while it runs', () => {
    const child: SnapshotLike = {
      value: { live: { steps: { following: 'sleeping' } } },
      context: rollingContext({ workload: workload({}), workloadReadAtMs: 4 }),
    };
    const outer = {
      ...base,
      plan: rolling,
      strategyOutcome: null,
      stuckAt: null,
    } as unknown as MigrationContext;
    const s = projectMigration(
      { value: 'strategy', context: outer, children: { strategy: { getSnapshot: () => child } } },
      'rolling',
      (inner) => projectRolling(inner.value, inner.context as RollingContext),
    );
    expect(s.rollout).toMatchObject({ updated: 4, ready: 7, desired: 8 });
  });
});

describe('an A/B test projects its routing', () => {
  const abContext = (c: Partial<AbContext>) => ({ ...base, plan: ab, stuckAt: null, ...c }) as AbContext;

  it('lists pins, the cohort and everyone else in the order the router applies them', () => {
    const s = projectAbTest({ live: { steps: 'starting' } }, abContext({}));
    expect(s.cohorts?.rules).toEqual([
      {
        kind: 'pin',
        match: { header: 'x-segment', exact: 'premium' },
        to: [{ variant: 'treatment', weight: 100 }],
        share: null,
      },
      {
        kind: 'cohort',
        match: { header: 'x-segment', regex: 'free|basic' },
        to: [
          { variant: 'control', weight: 80 },
          { variant: 'treatment', weight: 20 },
        ],
        share: null,
      },
      { kind: 'default', to: [{ variant: 'control', weight: 100 }], share: null },
    ]);
    expect(s.cohorts).toMatchObject({ stickyHeader: 'x-user-id', routed: false, notes: [] });
  });

  it('shows the cohort split the plan asks for as intended before routing, never a blank split', () => {
    const s = projectAbTest({ live: { steps: 'starting' } }, abContext({}));
    expect(s.traffic).toMatchObject({ intended: { control: 80, treatment: 20 }, actual: null });
  });

  it('carries the router’s notes once it routed', () => {
    const note = 'Stickiness on x-user-id is not enforced by the gateway-api router.';
    const s = projectAbTest({ live: { steps: 'running' } }, abContext({ routingNotes: [note] }));
    expect(s.cohorts).toMatchObject({ routed: true, notes: [note] });
  });
});

describe('the step list of a rolling release held or journaled by an older build', () => {
  const states = (s: ReleaseSnapshot) => s.steps.map((step) => step.state);

  it.each([
    [
      'held at the rollout: that step is current',
      { stuckAt: 'following', reached: 'following' },
      ['done', 'active', 'pending'],
      1,
    ],
    [
      'held while undoing: the step it failed at',
      { stuckAt: 'unwinding', reached: 'validating' },
      ['done', 'done', 'failed'],
      null,
    ],
    [
      'journaled before the reached stage was kept: current where it is held',
      { stuckAt: 'following' },
      ['done', 'active', 'pending'],
      1,
    ],
  ] as const)('%s', (_, c, expected, current) => {
    const s = projectRolling({ live: { steps: 'held' } }, rollingContext(c));
    expect(s.status).toBe('paused');
    expect(states(s)).toEqual(expected);
    expect(s.currentStep).toBe(current);
  });
});
