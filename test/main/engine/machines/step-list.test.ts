import { describe, expect, it } from 'vitest';
import type { ReleaseSnapshot } from '../../../../src-shared/release/release.schema.ts';
import {
  blueGreenPlan,
  canaryPlan,
  rollingPlan,
  statusIs as is,
  type Harness,
} from '../runner/release-harness.ts';
import { useMachineHarness } from './machine-harness.ts';

let h: Harness;
const { release } = useMachineHarness((current) => (h = current));

/** The step list as a user reads it: `label: state`. */
const list = (s: ReleaseSnapshot) => s.steps.map((step) => `${step.label}: ${step.state}`);

describe('the step list of a release that did not complete', () => {
  it('a rolling release whose validation failed: the image set and the rollout followed stay done', async () => {
    h.analysis.set('latency-p95', 700, 'v1.25.0');
    const handle = await release(rollingPlan(), 'steps-validate');
    const end = await h.runUntil(handle, is('rolledBack'));
    expect(list(end)).toEqual(['set the image: done', 'follow the rollout: done', 'validate: failed']);
    expect(end.currentStep).toBeNull();
  });

  it('a rolling release whose rollout failed: validation was never reached', async () => {
    h.ops.rollout = { failingPods: 2 };
    const handle = await release(rollingPlan(), 'steps-rollout');
    // While it undoes, the list already says where it failed.
    const undoing = await h.runUntil(handle, (s) => s.phase === 'unwinding' || s.status === 'rolledBack');
    expect(list(undoing)).toEqual(['set the image: done', 'follow the rollout: failed', 'validate: skipped']);
    const end = await h.runUntil(handle, is('rolledBack'));
    expect(list(end)).toEqual(['set the image: done', 'follow the rollout: failed', 'validate: skipped']);
  });

  it('a completed rolling release: every step done', async () => {
    const handle = await release(rollingPlan(), 'steps-good');
    const end = await h.runUntil(handle, is('completed'));
    expect(end.steps.every((s) => s.state === 'done')).toBe(true);
  });

  it('a blue-green release abandoned on a failed smoke check: what ran is done, the switch never reached', async () => {
    h.ops.smokeFails = true;
    const handle = await release(blueGreenPlan(), 'steps-smoke');
    const end = await h.runUntil(handle, is('aborted'));
    const states = Object.fromEntries(end.steps.map((s) => [s.label, s.state]));
    expect(states).toMatchObject({
      'find the active colour': 'done',
      'deploy the idle colour': 'done',
      'wait until ready': 'done',
      'warm up': 'done',
      'smoke checks': 'failed',
      'switch traffic': 'skipped',
      validate: 'skipped',
    });
  });

  it('a blue-green release rolled back on validation: the switch and the settle stay done', async () => {
    h.analysis.set('error-rate', 0.05, 'v1.25.0');
    const handle = await release(blueGreenPlan(), 'steps-bg-validate');
    const end = await h.runUntil(handle, is('rolledBack'));
    const states = Object.fromEntries(end.steps.map((s) => [s.label, s.state]));
    expect(states).toMatchObject({ 'switch traffic': 'done', settle: 'done', validate: 'failed' });
    expect(end.steps.filter((s) => s.state === 'skipped').map((s) => s.label)).toEqual(
      end.steps.slice(end.steps.findIndex((s) => s.label === 'validate') + 1).map((s) => s.label),
    );
  });

  it('a blue-green release rolled back by an operator after it completed: every step done', async () => {
    const handle = await release(blueGreenPlan(), 'steps-bg-later');
    await h.runUntil(handle, is('completed'));
    handle.send({ type: 'ROLLBACK', reason: 'customer reports' });
    await h.settle(handle);
    const end = handle.getSnapshot();
    expect(end.status).toBe('rolledBack');
    expect(end.steps.every((s) => s.state === 'done')).toBe(true);
  });

  it('a canary aborted by an operator at step 2: step 1 done, step 2 stopped (it did not fail), the rest skipped', async () => {
    const handle = await release(canaryPlan(), 'steps-canary');
    await h.runUntil(handle, (s) => s.currentStep === 1);
    handle.send({ type: 'ABORT', reason: 'wrong image' });
    await h.settle(handle);
    const states = handle.getSnapshot().steps.map((s) => s.state);
    expect(states).toEqual(['done', 'stopped', 'skipped', 'skipped', 'skipped']);
  });

  it('a canary aborted by its analysis: the failed step is marked, later steps skipped', async () => {
    h.analysis.set('latency-p95', 800, 'v1.25.0');
    const handle = await release(canaryPlan(), 'steps-canary-analysis');
    const end = await h.runUntil(handle, is('aborted'));
    expect(end.steps.map((s) => s.state)).toEqual(['done', 'done', 'failed', 'skipped', 'skipped']);
  });
});
