import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRelease, type ReleaseHandle } from '../../../../src-main/engine/runner/release-runner.ts';
import { canaryPlan, createHarness, type Harness } from './release-harness.ts';

let h: Harness;
let handle: ReleaseHandle | undefined;
beforeEach(async () => {
  h = await createHarness({ journal: 'file' });
});
afterEach(async () => {
  await handle?.stop();
  await h.cleanup();
});

describe("a release's audit log", () => {
  it('has one entry per step change or decision, in words, and none per machine state', async () => {
    handle = await startRelease({ ...h.deps, plan: canaryPlan(), releaseId: 'audited' });
    await h.runUntil(handle, (s) => s.status === 'completed');
    const { entries } = await (await h.journal.open('audited')).load();
    expect(entries.filter((e) => e.what === 'progress')).toEqual([]);
    expect(entries.map((e) => e.why).filter((why) => /running\.|steps\.|\.waiting/.test(why))).toEqual([]);
    // Each state entry says something the one before it did not.
    const states = entries.filter((e) => e.what === 'state').map((e) => e.why);
    expect(states.length).toBeGreaterThan(0);
    states.forEach((why, i) => expect(why).not.toBe(states[i - 1]));
    // A five-step canary reads as a short list a person can go through.
    expect(entries.length).toBeLessThanOrEqual(40);
  });
});
