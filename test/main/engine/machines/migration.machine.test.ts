import { beforeEach, describe, expect, it } from 'vitest';
import { startRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import { rollingPlan, statusIs as is, useHarness, type Harness } from '../runner/release-harness.ts';
import { planCommands } from '../../../../src-shared/plan/plan-commands.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness.h();
});

const migration = {
  expand: { action: { kind: 'job' as const, command: ['migrate', 'expand'] } },
  contract: { action: { kind: 'job' as const, command: ['migrate', 'contract'] } },
};

/** The plan with the confirmation of its Jobs the user gave (the runner refuses unconfirmed commands). */
const confirmed = (plan: ReleasePlan) => ({ plan, confirmedCommands: planCommands(plan).digest });

describe('migration gates', () => {
  it('runs expand, then the strategy, then waits for CONFIRM before the contract Job', async () => {
    const handle = harness.track(
      await startRelease({ ...h.deps, ...confirmed(rollingPlan({ migration })), releaseId: 'mig-good' }),
    );
    const waiting = await h.runUntil(handle, is('paused'));
    expect(waiting.phase).toBe('contract.awaiting');
    expect(waiting.pause?.message).toMatch(/^Contract gate: Run the contract Job \(migrate contract\)\./);
    expect(waiting.steps.map((s) => `${s.label}:${s.state}`)).toEqual([
      'expand migration:done',
      'set the image:done',
      'follow the rollout:done',
      'validate:done',
      'contract migration:active',
    ]);
    // The numbering stays that of the whole release: the contract gate is the last of 5 steps.
    expect(waiting.currentStep).toBe(4);
    expect(h.ops.calls.map((c) => c.op).filter((op) => op === 'runJob' || op === 'setImage')).toEqual([
      'runJob',
      'setImage',
    ]);
    handle.send({ type: 'CONFIRM', reason: 'no old pods left' });
    const end = await h.runUntil(handle, is('completed'));
    expect(h.ops.writesOf('runJob').map((w) => (w.args[0] as { command: string[] }).command)).toEqual([
      ['migrate', 'expand'],
      ['migrate', 'contract'],
    ]);
    expect(end.decisions.map((d) => d.kind)).toEqual(['complete', 'continue', 'complete']);
  });

  it('stops before deploying anything when the expand Job fails', async () => {
    h.ops.jobFails.add('workflow-engine-expand');
    const handle = harness.track(
      await startRelease({ ...h.deps, ...confirmed(rollingPlan({ migration })), releaseId: 'mig-expand' }),
    );
    const end = await h.runUntil(handle, is('aborted'));
    expect(end.decisions.at(-1)?.summary).toBe(
      'The expand migration failed (Job workflow-engine-expand failed.); nothing was deployed.',
    );
    expect(h.ops.writesOf('setImage')).toHaveLength(0);
  });

  it('never contracts when the strategy rolls back, and keeps its evidence', async () => {
    h.ops.rollout = { failingPods: 1 };
    const handle = harness.track(
      await startRelease({ ...h.deps, ...confirmed(rollingPlan({ migration })), releaseId: 'mig-rollback' }),
    );
    const end = await h.runUntil(handle, is('rolledBack'));
    expect(end.phase).toBe('stopped');
    expect(end.decisions.at(-1)?.cause).toBe('rollout-failed');
    // The step list keeps what the rolling release did: its image set, its rollout failed, nothing after.
    expect(end.steps.map((s) => `${s.label}: ${s.state}`)).toEqual([
      'expand migration: done',
      'set the image: done',
      'follow the rollout: failed',
      'validate: skipped',
      'contract migration: skipped',
    ]);
    expect(h.ops.writesOf('runJob')).toHaveLength(1);
  });

  it('forwards operator events to the strategy while it runs', async () => {
    const handle = harness.track(
      await startRelease({ ...h.deps, ...confirmed(rollingPlan({ migration })), releaseId: 'mig-forward' }),
    );
    await h.runUntil(handle, (s) => s.phase.startsWith('strategy.live.steps.validating'));
    handle.send({ type: 'ROLLBACK' });
    const end = await h.runUntil(handle, is('rolledBack'));
    expect(end.decisions.findLast((d) => d.kind === 'rollback')?.summary).toBe(
      'alice rolled the workload back.',
    );
    expect(end.decisions.at(-1)?.summary).toMatch(
      /^Rolled back to revision \d+: all 3 pods run .* and are ready\. alice rolled the workload back\.$/,
    );
  });
});
