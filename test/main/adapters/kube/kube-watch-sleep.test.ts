import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { watchPods, type WatchState } from '../../../../src-main/adapters/kube/kube-watch.ts';
import { createKubeReleaseOps } from '../../../../src-main/adapters/kube/release-ops.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { defaultPlan } from '../../../../src-shared/plan/plan.defaults.ts';
import { closeSoon, startFastSandbox, until } from './sandbox-fixture.ts';

const NS = 'platform-production';

describe('a pod watch when the laptop sleeps', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await startFastSandbox(40);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await closeSoon(sb);
  });

  it('restarts its stream when the wall clock jumps 30 minutes, then follows changes again', async () => {
    const states: WatchState[] = [];
    const h = watchPods(sb.kubeconfigYaml(), {
      namespace: NS,
      labelSelector: 'app=agent-manager',
      onChange: () => undefined,
      onState: (s) => states.push(s),
    });
    try {
      await until('watching', () => states.some((s) => s.state === 'watching'));
      const watchingBefore = states.filter((s) => s.state === 'watching').length;

      // The wall clock moves on 30 minutes while timers (monotonic) do not: what a suspend looks like.
      const realNow = Date.now.bind(Date);
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 30 * 60_000);

      await until('restart after the jump', () =>
        states.some((s) => s.state === 'reconnecting' && s.reason === 'the computer slept'),
      );
      await until(
        'watching again',
        () => states.filter((s) => s.state === 'watching').length > watchingBefore,
      );
      expect(states.filter((s) => s.state === 'reconnecting')).toHaveLength(1);

      const plan = defaultPlan(
        'rolling',
        { namespace: NS, name: 'agent-manager', image: 'registry.platform.com/agent-manager:v1.25.0' },
        { router: 'service-selector' },
      );
      await createKubeReleaseOps(sb.kubeconfigYaml(), plan).setImage(plan.target.image);
      await until('the new pods seen by the restarted watch', () =>
        h.items().some((p) => p.image.endsWith(':v1.25.0')),
      );
    } finally {
      h.stop();
    }
  }, 30_000);
});
