import { afterEach, beforeEach } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileJournal } from '../../../../src-main/engine/journal/file-journal.ts';
import type { ReleaseHandle, ReleaseRunDeps } from '../../../../src-main/engine/runner/release-runner.ts';
import { parsePlan } from '../../../../src-shared/plan/plan.parse.ts';
import type { ReleasePlan, ReleasePlanInput } from '../../../../src-shared/plan/plan.schema.ts';
import type { ReleaseSnapshot } from '../../../../src-shared/release/release.schema.ts';
import { FakeMemoryJournal } from './fake-journal.ts';
import { FakeAnalysisSource, FakeManualClock, FakeReleaseOps } from '../../../support/fake-release-ops.ts';
import { WORKFLOW_ENGINE } from '../../../support/plan-fixtures.ts';

/** A plan parsed with the real schema (defaults applied); throws with every problem when invalid. */
export function planFrom(input: ReleasePlanInput): ReleasePlan {
  const parsed = parsePlan(input);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.plan;
}

const TARGET = WORKFLOW_ENGINE;

/** A canary plan: 10 % → pause 10m → analysis → 50 % → analysis, with the runbook's rollback triggers. */
export function canaryPlan(overrides: Partial<ReleasePlanInput> = {}): ReleasePlan {
  return planFrom({
    name: 'workflow-engine-canary',
    target: TARGET,
    router: { kind: 'istio', virtualService: 'workflow-engine', destinationRule: 'workflow-engine' },
    strategy: {
      kind: 'canary',
      steps: [
        { setWeight: 10 },
        { pause: { duration: '10m' } },
        { analysis: { templates: ['quick'] } },
        { setWeight: 50 },
        { analysis: { templates: ['quick'] } },
      ],
    },
    analysis: {
      templates: [
        {
          name: 'quick',
          metrics: [
            {
              name: 'error-rate',
              kind: 'error-rate',
              interval: '1m',
              count: 5,
              failureLimit: 3,
              inconclusiveLimit: 1,
              successCondition: { op: '<', threshold: 0.01 },
            },
            {
              name: 'latency-p95',
              kind: 'latency-p95',
              interval: '1m',
              count: 5,
              failureLimit: 3,
              inconclusiveLimit: 1,
              successCondition: { op: '<', threshold: 500 },
            },
          ],
        },
      ],
    },
    rollbackTriggers: [
      { metric: 'error-rate', op: '>', threshold: 0.02, for: '2m' },
      { metric: 'latency-p95', op: '>', threshold: 1000, for: '5m' },
      { metric: 'pod-restarts', op: '>=', threshold: 3, for: '5m' },
    ],
    ...overrides,
  });
}

/** A blue-green plan with the runbook's validation (5m, error rate > 1 % fails, p95 > 1000 ms warns). */
export function blueGreenPlan(overrides: Partial<ReleasePlanInput> = {}): ReleasePlan {
  return planFrom({
    name: 'workflow-engine-blue-green',
    target: TARGET,
    router: {
      kind: 'istio',
      virtualService: 'workflow-engine',
      destinationRule: 'workflow-engine',
      stableSubset: 'blue',
      canarySubset: 'green',
    },
    strategy: { kind: 'blue-green', smoke: { checks: [{ path: '/health/ready', expectStatus: 200 }] } },
    ...overrides,
  });
}

/** A rolling plan with the runbook's validation (300 s every 30 s, > 3 consecutive failures fail). */
export function rollingPlan(overrides: Partial<ReleasePlanInput> = {}): ReleasePlan {
  return planFrom({
    name: 'workflow-engine-rolling',
    target: TARGET,
    router: { kind: 'service-selector', service: 'workflow-engine' },
    strategy: { kind: 'rolling' },
    ...overrides,
  });
}

/** The A/B strategy of `abPlan`: control and treatment 50/50 for the free and basic cohort, 2 h on conversion. */
const AB_TEST: ReleasePlanInput['strategy'] = {
  kind: 'ab-test',
  variants: [
    { name: 'control', version: 'v1.24.0', weight: 50 },
    { name: 'treatment', version: 'v1.25.0', weight: 50 },
  ],
  cohort: { header: 'x-user-segment', regex: 'free|basic' },
  defaultVariant: 'control',
  primaryMetrics: [
    {
      name: 'conversion_rate',
      goal: 'maximize',
      minEffect: 0.05,
      successQuery: 'sum(increase(conversions_total{variant="{{variant}}"}[2h]))',
      totalQuery: 'sum(increase(sessions_total{variant="{{variant}}"}[2h]))',
    },
  ],
  guardrails: [{ metric: 'error-rate', op: '>', threshold: 0.02, severity: 'fail' }],
  duration: '2h',
};

/** An A/B test of workflow-engine under Istio (see `AB_TEST`). */
export function abPlan(overrides: Partial<ReleasePlanInput> = {}): ReleasePlan {
  const router = {
    kind: 'istio',
    virtualService: 'workflow-engine',
    destinationRule: 'workflow-engine',
  } as const;
  return planFrom({ name: 'workflow-engine-ab', target: TARGET, router, strategy: AB_TEST, ...overrides });
}

/**
 * Fakes and helpers to drive time. The journal is the real file journal in a temporary directory
 * (`journal: 'file'`) or, for speed where persistence is not the point, an in-memory double.
 */
export async function createHarness(options: { journal?: 'file' | 'memory' } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-runner-'));
  const clock = new FakeManualClock();
  const ops = new FakeReleaseOps();
  const analysis = new FakeAnalysisSource(clock);
  const journal =
    options.journal === 'file'
      ? createFileJournal({ dir, user: 'alice', now: () => clock.now() })
      : new FakeMemoryJournal(() => clock.now());
  const deps: ReleaseRunDeps = { ops, analysis, clock, journal, who: { user: 'alice', context: 'sandbox' } };
  // Healthy numbers unless a test says otherwise.
  analysis.set('error-rate', 0.001).set('latency-p95', 120).set('pod-restarts', 0).set('success-rate', 0.999);

  /** Waits until the run has gone quiet: journal flushed and nothing touched the clock for a few turns. */
  async function settle(handle: ReleaseHandle): Promise<void> {
    let quiet = 0;
    let last = -1;
    while (quiet < 4) {
      await handle.flushed();
      await new Promise((r) => setImmediate(r));
      if (clock.activity === last) quiet++;
      else {
        quiet = 0;
        last = clock.activity;
      }
    }
  }

  /** Moves the clock from deadline to deadline until `done` holds; fails when time runs past `limitMs`. */
  async function runUntil(
    handle: ReleaseHandle,
    done: (s: ReleaseSnapshot) => boolean,
    limitMs = 6 * 3_600_000,
  ): Promise<ReleaseSnapshot> {
    await settle(handle);
    const end = clock.now() + limitMs;
    let idle = 0;
    while (!done(handle.getSnapshot())) {
      const due = clock.nextDue();
      // Work that does I/O without touching the clock (a real journal write) may still be finishing.
      if (due === null && idle++ < 100) {
        await new Promise((r) => setTimeout(r, 10));
        await settle(handle);
        continue;
      }
      idle = 0;
      const s = handle.getSnapshot();
      if (due === null || due > end)
        throw new Error(`The release stopped moving in ${s.phase} (${s.status}): ${s.pause?.message ?? ''}`);
      clock.set(due);
      await settle(handle);
    }
    return handle.getSnapshot();
  }

  return {
    dir,
    clock,
    ops,
    analysis,
    journal,
    deps,
    settle,
    runUntil,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/**
 * Registers a fresh harness per test (and stops the test's release afterwards). Returns accessors:
 * `h()` the harness, `track(handle)` to have a handle stopped after the test.
 */
export function useHarness(options: { journal?: 'file' | 'memory' } = {}) {
  let current: Harness | undefined;
  const handles: ReleaseHandle[] = [];
  beforeEach(async () => {
    current = await createHarness(options);
  });
  afterEach(async () => {
    for (const x of handles.splice(0)) await x.stop();
    await current?.cleanup();
  });
  return {
    h: () => current as Harness,
    track: (x: ReleaseHandle) => (handles.push(x), x),
  };
}

/** A predicate on the release status, for `runUntil`. */
export const statusIs = (status: ReleaseSnapshot['status']) => (s: ReleaseSnapshot) => s.status === status;
