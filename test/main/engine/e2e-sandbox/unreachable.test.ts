import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReleaseHandle } from '../../../../src-main/engine/runner/release-runner.ts';
import { startSandbox } from '../../../../src-main/sandbox/sandbox.ts';
import type { ReleaseSnapshot } from '../../../../src-shared/release/release.schema.ts';
import { planOf, startOnSandbox, untilSnapshot } from '../../../support/sandbox-release.ts';
import { startTcpGate } from '../../../support/tcp-gate.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-unreachable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A canary whose analysis reads every 10 s for 200 s; one inconclusive measurement would pause it. */
const PLAN = readFileSync(
  join(import.meta.dirname, '../../../fixtures/plans/canary-unreachable.yaml'),
  'utf8',
);

const until = (handle: ReleaseHandle, ok: (s: ReleaseSnapshot) => boolean) =>
  untilSnapshot(handle, ok, 30_000, 20);

describe('a cluster that stops answering mid-release, against the sandbox', () => {
  it('pauses saying the cluster is unreachable since when, counts nothing as inconclusive, and completes once it answers', async () => {
    const sb = await startSandbox({ speed: 50 });
    const gate = await startTcpGate(Number(new URL(sb.url).port));
    try {
      const handle = await startOnSandbox(sb, planOf(PLAN), join(dir, 'engine'), {
        kubeconfig: sb.kubeconfigYaml().replace(new URL(sb.url).port, String(gate.port)),
        metricsUrl: `http://127.0.0.1:${gate.port}`,
      });
      await until(handle, (s) => s.samples.some((x) => x.outcome === 'success'));
      await gate.shut();

      const paused = await until(handle, (s) => s.pause?.cause === 'cluster-unreachable');
      expect(paused.status).toBe('paused');
      expect(paused.pause?.message).toMatch(
        /^cluster sandbox unreachable since sim \d\d:\d\d:\d\d: .*ECONNREFUSED.*The release waits and continues by itself once the cluster answers again\.$/,
      );
      // While it stays down (a minute of release time: six analysis intervals), nothing is measured or decided.
      const since = paused.pause?.sinceMs ?? 0;
      const decisions = paused.decisions.length;
      while (sb.clock.now() < since + 60_000) await new Promise((r) => setTimeout(r, 20));
      const still = handle.getSnapshot();
      expect(still.pause?.cause).toBe('cluster-unreachable');
      expect(still.decisions).toHaveLength(decisions);
      expect(still.samples.filter((x) => x.outcome !== 'success')).toEqual([]);

      await gate.open();
      const back = await until(handle, (s) => s.pause === null);
      expect(back.status).toBe('running');
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('completed');
      expect(outcome.snapshot.samples.filter((x) => x.outcome !== 'success')).toEqual([]);
      expect(outcome.snapshot.decisions.map((d) => d.cause)).not.toContain('analysis-inconclusive');
      expect(outcome.snapshot.traffic.actual).toEqual({ stable: 100, canary: 0 });
    } finally {
      await gate.close();
      await closeSoon(sb);
    }
  }, 90_000);
});
