import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeCluster } from '../../../../src-main/adapters/kube/kube.adapter.ts';
import type { ClusterPort } from '../../../../src-main/ports/cluster.port.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { scaleDeployment } from '../../../support/sandbox-workloads.ts';
import { closeSoon, startFastSandbox } from './sandbox-fixture.ts';

const NS = 'platform-production';
let sb: SandboxHandle;
let cluster: ClusterPort;

async function eventually<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = performance.now() + 20_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  sb = await startFastSandbox(40);
  cluster = createKubeCluster('sandbox', sb.kubeconfigYaml());
});
afterAll(() => closeSoon(sb));

describe("a workload's drill-down through the real client against the sandbox", () => {
  it('names the namespaces that hold workloads', async () => {
    const namespaces = await cluster.namespacesWithWorkloads!();
    expect(namespaces).toContain(NS);
    expect(namespaces).not.toContain('default');
  });

  it('shows its ReplicaSets, pods (status, restarts, node, age), events and log lines', async () => {
    const before = await cluster.describeWorkload!(NS, 'Deployment', 'workflow-engine');
    await scaleDeployment(sb, 'workflow-engine', before.pods.length + 1);
    const d = await eventually(
      'the scaled-up pod and its event',
      () => cluster.describeWorkload!(NS, 'Deployment', 'workflow-engine'),
      (v) =>
        v.pods.length === before.pods.length + 1 && v.events.some((e) => e.reason === 'ScalingReplicaSet'),
    );
    expect(d.replicaSets[0]).toMatchObject({ version: 'v1.24.0' });
    expect(d.pods.every((p) => p.name.startsWith('workflow-engine-'))).toBe(true);
    expect(d.pods[0]).toMatchObject({ restarts: expect.any(Number), node: expect.stringMatching(/.+/) });
    expect(Date.parse(d.pods[0]!.created!)).not.toBeNaN();
    expect(d.events.find((e) => e.reason === 'ScalingReplicaSet')!.message).toMatch(
      /Scaled up replica set workflow-engine-/,
    );
    expect(d.logPod).toBe(d.pods[0]!.name);
    expect(d.log.join('\n')).toMatch(/INFO GET \/api\/v1\/workflows status=200/);
  });

  it("shows the log of the pod asked for, and none of another workload's pods", async () => {
    const first = await cluster.describeWorkload!(NS, 'Deployment', 'workflow-engine');
    const last = first.pods.at(-1)!.name;
    const d = await cluster.describeWorkload!(NS, 'Deployment', 'workflow-engine', last);
    expect(d.logPod).toBe(last);
    const other = await cluster.describeWorkload!(NS, 'Deployment', 'agent-manager');
    expect(other.pods.some((p) => p.name.startsWith('workflow-engine-'))).toBe(false);
  });

  it('refuses a workload that does not exist by name', async () => {
    await expect(cluster.describeWorkload!(NS, 'Deployment', 'no-such-thing')).rejects.toMatchObject({
      kind: 'notFound',
      message: expect.stringMatching(/no-such-thing/),
    });
  });
});
