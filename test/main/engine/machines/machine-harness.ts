import { beforeEach } from 'vitest';
import { startRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import { useHarness, type Harness } from '../runner/release-harness.ts';

/** The images of the harness's workload: the one a release brings and the one it runs before. */
export const NEW = 'registry.platform.com/workflow-engine:v1.25.0';
export const OLD = 'registry.platform.com/workflow-engine:v1.24.0';

/**
 * The release harness of a machine test file (a fake cluster, metrics and clock, fresh for every test, handed
 * to `onEach` before it runs): `release(plan, releaseId)` starts a release on it, stopped after the test.
 */
export function useMachineHarness(onEach: (h: Harness) => void) {
  const harness = useHarness();
  let h: Harness;
  beforeEach(() => {
    h = harness.h();
    onEach(h);
  });
  return {
    track: harness.track,
    release: async (plan: ReleasePlan, releaseId: string) =>
      harness.track(await startRelease({ ...h.deps, plan, releaseId })),
  };
}
