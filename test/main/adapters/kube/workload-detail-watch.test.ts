import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient } from '../../../../src-main/adapters/kube/kube-client.ts';
import { watchWorkloadDetail } from '../../../../src-main/adapters/kube/workload-detail-watch.ts';
import type { WatchState } from '../../../../src-main/ports/cluster.port.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import type { WorkloadDetail } from '../../../../src-shared/bridge/contract.ts';
import { scaleDeployment } from '../../../support/sandbox-workloads.ts';
import { closeSoon, startFastSandbox } from './sandbox-fixture.ts';

const NS = 'platform-production';
let sb: SandboxHandle;

beforeAll(async () => {
  sb = await startFastSandbox(40);
});
afterAll(() => closeSoon(sb));

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Watches of this test's drill-down that the sandbox holds open: by the workload's selector or its objects' events. */
const drillDownWatches = () =>
  sb.openWatches().filter((u) => /labelSelector=app%3Dagent-manager|involvedObject/.test(u));

describe("a workload's drill-down follows the cluster through watches", () => {
  it('shows a pod added and a pod deleted without asking again, with the events about them', async () => {
    const seen: WorkloadDetail[] = [];
    const states: WatchState[] = [];
    const w = watchWorkloadDetail(createKubeClient(sb.kubeconfigYaml(), { context: 'sandbox' }), {
      namespace: NS,
      kind: 'Deployment',
      name: 'agent-manager',
      batchMs: 20,
      onChange: (d) => seen.push(d),
      onState: (s) => states.push(s),
    });
    try {
      await until('the first detail', () => (seen.at(-1)?.pods.length ?? 0) > 0);
      const first = seen.at(-1)!;
      expect(first.replicaSets[0]?.version).toBe('v1.24.0');
      // Events are watched per object (field selector), never the whole namespace's.
      await until('events watches', () =>
        drillDownWatches().some((u) => /involvedObject.name%3Dagent-manager/.test(u)),
      );
      expect(sb.openWatches().some((u) => /\/events\?(?!.*fieldSelector)/.test(u))).toBe(false);
      // Pods and ReplicaSets by the workload's selector: 2, plus one events watch per object.
      expect(drillDownWatches().filter((u) => /labelSelector/.test(u))).toHaveLength(2);

      await scaleDeployment(sb, 'agent-manager', first.pods.length + 1);
      await until('the added pod', () => seen.at(-1)!.pods.length === first.pods.length + 1);
      await until('the scaling event', () =>
        seen.at(-1)!.events.some((e) => /Scaled up replica set agent-manager-/.test(e.message)),
      );
      await until('the log of the first pod', () => seen.at(-1)!.log.length > 0);

      const victim = seen.at(-1)!.pods[0]!.name;
      const kc = new KubeConfig();
      kc.loadFromString(sb.kubeconfigYaml());
      await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: victim, namespace: NS });
      await until('the deleted pod gone', () => !seen.at(-1)!.pods.some((p) => p.name === victim));
      expect(states.some((s) => s.state === 'watching')).toBe(true);
    } finally {
      w.stop();
    }
    // No leaked watch: every watch this drill-down opened is closed once it stops.
    await until('its watches closed', () => drillDownWatches().length === 0, 10_000);
  });

  it('says it is reconnecting when the stream goes silent, and recovers', async () => {
    const states: WatchState[] = [];
    const seen: WorkloadDetail[] = [];
    const w = watchWorkloadDetail(createKubeClient(sb.kubeconfigYaml(), { context: 'sandbox' }), {
      namespace: NS,
      kind: 'Deployment',
      name: 'agent-manager',
      // Sooner than the sandbox's bookmarks: the watches are restarted as silent connections.
      stallMs: 400,
      onChange: (d) => seen.push(d),
      onState: (s) => states.push(s),
    });
    try {
      await until('reconnecting', () => states.some((s) => s.state === 'reconnecting'));
      const r = states.find((s) => s.state === 'reconnecting');
      expect(r).toMatchObject({ reason: expect.stringMatching(/no event or bookmark/) });
      const lost = states.indexOf(r!);
      await until('watching again', () => states.slice(lost + 1).some((s) => s.state === 'watching'));
      expect(seen.length).toBeGreaterThan(0);
    } finally {
      w.stop();
    }
    await until('its watches closed', () => drillDownWatches().length === 0, 10_000);
  });

  it('stops with the reason when the workload is not there', async () => {
    const states: WatchState[] = [];
    const w = watchWorkloadDetail(createKubeClient(sb.kubeconfigYaml(), { context: 'sandbox' }), {
      namespace: NS,
      kind: 'Deployment',
      name: 'no-such-service',
      onChange: () => undefined,
      onState: (s) => states.push(s),
    });
    await until('stopped', () => states.some((s) => s.state === 'stopped'));
    expect(states[0]).toMatchObject({ state: 'stopped', reason: expect.stringMatching(/no-such-service/) });
    w.stop();
  });
});
