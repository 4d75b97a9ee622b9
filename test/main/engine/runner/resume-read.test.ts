import { describe, expect, it } from 'vitest';
import { readOnResume } from '../../../../src-main/engine/runner/resume-read.ts';
import type { ReleaseOps, TrafficSplit } from '../../../../src-main/ports/release.port.ts';

const journaled: TrafficSplit = {
  weights: { stable: 90, canary: 10 },
  source: 'VirtualService shop/api route primary',
  resourceVersion: '41',
};
const persisted = () => ({
  value: { running: 'steps' },
  context: { split: journaled, intended: { stable: 90, canary: 10 } },
});
/** Only `readSplit` is called on resume; the rest of the ops are never reached here. */
const opsReadingFake = (read: () => Promise<TrafficSplit>) => ({ readSplit: read }) as unknown as ReleaseOps;
const splitOf = (x: unknown) => (x as ReturnType<typeof persisted>).context.split as TrafficSplit;

describe('the read of the split on resume', () => {
  it('shows the weights read, keeps the journal’s drift baseline, and says what changed', async () => {
    const ops = opsReadingFake(async () => ({
      ...journaled,
      weights: { stable: 75, canary: 25 },
      resourceVersion: '52',
    }));
    const r = await readOnResume(persisted(), 'canary', ops, undefined);
    expect(splitOf(r.xstate)).toEqual({
      ...journaled,
      weights: { stable: 75, canary: 25 },
      onResume: 'read',
    });
    expect(r.sentence).toBe(
      ' Read back on resume from VirtualService shop/api route primary: stable 75 % · canary 25 % (the journal held stable 90 % · canary 10 %). It differs from what the release asked for (stable 90 % · canary 10 %): drift, reported on its next step.',
    );
  });

  it('a router that does not answer leaves the journaled weights, marked as such', async () => {
    const ops = opsReadingFake(() =>
      Promise.reject(new Error('Cannot reach the API server (ECONNREFUSED).')),
    );
    const r = await readOnResume(persisted(), 'canary', ops, undefined);
    expect(splitOf(r.xstate)).toEqual({ ...journaled, onResume: 'journaled' });
    expect(r.sentence).toContain('could not be read on resume (Cannot reach the API server (ECONNREFUSED))');
  });

  it('reads the running child of a wrapper (migration gates), and leaves a rolling update that never read a split', async () => {
    const ops = opsReadingFake(async () => ({ ...journaled, weights: { stable: 100, canary: 0 } }));
    const wrapped = { context: { split: null }, children: { strategy: { snapshot: persisted() } } };
    const r = await readOnResume(wrapped, 'migration:canary', ops, undefined);
    expect(splitOf((r.xstate as typeof wrapped).children.strategy.snapshot).weights).toEqual({
      stable: 100,
      canary: 0,
    });
    const rolling = { context: { split: null } };
    expect(await readOnResume(rolling, 'rolling', ops, undefined)).toEqual({ xstate: rolling, sentence: '' });
  });
});
