import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import type { RolloutView } from '../../../../src-shared/release/traffic-detail.schema.ts';
import { onSandbox, planOf, startOnSandbox } from '../../../support/sandbox-release.ts';

const NS = 'platform-production';
const APP = 'workflow-engine';
const IMAGE = `registry.platform.com/${APP}`;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-rolling-pods-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rollingPlan(tag: string): ReleasePlan {
  return planOf(`
name: rolling-pods
target: { namespace: ${NS}, name: ${APP}, image: ${IMAGE}:${tag} }
router: { kind: service-selector, service: ${APP} }
strategy:
  kind: rolling
  maxSurge: 25%
  maxUnavailable: 0
  minReadySeconds: 5
  validation: { duration: 40s, interval: 10s, window: 30s, checks: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }] }
`);
}

/** Every rollout view the release projects, in order, until it ends. */
async function rolloutViews(
  start: () => Promise<{ getSnapshot(): { rollout?: RolloutView }; done: Promise<{ kind: string }> }>,
) {
  const handle = await start();
  const views: RolloutView[] = [];
  let ended = false;
  const done = handle.done.then((o) => {
    ended = true;
    return o;
  });
  while (!ended) {
    const v = handle.getSnapshot().rollout;
    if (v) views.push(v);
    await new Promise((r) => setTimeout(r, 10));
  }
  const last = handle.getSnapshot().rollout;
  return { views, last, outcome: await done };
}

describe('a rolling release projects its pods as read from the Deployment', () => {
  it('moves pods updated / ready / total from part-way to 20 / 20 / 20, with the plan’s surge', async () => {
    await onSandbox({ speed: 50 }, async (sb) => {
      const { views, last, outcome } = await rolloutViews(() =>
        startOnSandbox(sb, rollingPlan('v1.25.0'), join(dir, 'good')),
      );
      expect(outcome.kind).toBe('completed');
      const read = views.filter((v) => v.updated !== null);
      expect(read.some((v) => (v.updated ?? 0) > 0 && (v.updated ?? 0) < 20)).toBe(true);
      expect(read.every((v) => v.direction === 'forward' && v.desired === 20)).toBe(true);
      expect(read[0]?.source).toBe(`Deployment ${NS}/${APP} status`);
      expect([last?.updated, last?.ready, last?.desired]).toEqual([20, 20, 20]);
      expect([last?.maxSurge, last?.maxUnavailable]).toEqual(['25%', 0]);
    });
  }, 60_000);

  it('after a failed rollout, shows the undo and ends with every pod back on the previous image', async () => {
    await onSandbox({ speed: 50 }, async (sb) => {
      const { views, last, outcome } = await rolloutViews(() =>
        startOnSandbox(sb, rollingPlan('v1.25.1-bad'), join(dir, 'bad')),
      );
      expect(outcome.kind).toBe('rolledBack');
      expect(views.some((v) => v.direction === 'undo')).toBe(true);
      expect(last).toMatchObject({
        direction: 'undo',
        image: `${IMAGE}:v1.24.0`,
        updated: 20,
        ready: 20,
        desired: 20,
      });
    });
  }, 60_000);
});
