import { describe, expect, it } from 'vitest';
import { startRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import { canaryPlan, useHarness } from './release-harness.ts';

const harness = useHarness();

describe('pendingMeasurements', () => {
  it('reports each analysis metric with its next due time and interval, and nothing outside analysis', async () => {
    const h = harness.h();
    const handle = harness.track(await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'pending' }));
    await h.runUntil(handle, (s) => s.currentStep === 1);
    expect(handle.pendingMeasurements()).toEqual([]);
    await h.runUntil(handle, (s) => s.currentStep === 2 && s.samples.some((x) => x.source === 'analysis'));
    const pending = handle.pendingMeasurements();
    expect(pending.map((p) => [p.key, p.intervalMs])).toEqual([
      ['quick/error-rate', 60_000],
      ['quick/latency-p95', 60_000],
    ]);
    expect(pending.every((p) => p.nextAtMs > h.clock.now() && p.nextAtMs <= h.clock.now() + 60_000)).toBe(
      true,
    );
    expect(handle.getSnapshot().waitUntilMs).toBe(Math.min(...pending.map((p) => p.nextAtMs)));
  });
});
