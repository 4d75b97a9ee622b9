import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinationV1Api, KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { defaultPlan } from '../../src-shared/plan/plan.defaults.ts';
import type { SandboxHandle } from '../../src-main/sandbox/sandbox.ts';

/** The flags of a `switchyard run` on one laptop: the shared sandbox's kubeconfig and that laptop's own journal. */
export function laptopFlags(kubeconfig: string, journalDir: string): string[] {
  return ['--kubeconfig', kubeconfig, '--context', 'sandbox', '--journal', journalDir];
}

/** A real client for the sandbox's Leases, for a test to look at (or age) a workload's lease. */
export function leaseApi(sb: SandboxHandle): CoordinationV1Api {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  return kc.makeApiClient(CoordinationV1Api);
}

/**
 * Creates the Lease another laptop's release left on workflow-engine (as `switchyard-deployment-workflow-engine`),
 * last renewed at `renewedAtMs` (real time): what the cluster shows when that laptop holds, or held, the workload.
 */
export async function leaseOfAnotherLaptop(
  leases: CoordinationV1Api,
  holder: { releaseId: string; user: string; host: string; renewedAtMs: number },
): Promise<void> {
  const namespace = 'platform-production';
  await leases.createNamespacedLease({
    namespace,
    body: {
      metadata: {
        name: 'switchyard-deployment-workflow-engine',
        namespace,
        annotations: {
          'switchyard.dev/user': holder.user,
          'switchyard.dev/host': holder.host,
          'switchyard.dev/acquired': new Date(holder.renewedAtMs - 60_000).toISOString(),
        },
      },
      spec: {
        holderIdentity: holder.releaseId,
        leaseDurationSeconds: 30,
        acquireTime: new V1MicroTime(holder.renewedAtMs - 60_000),
        renewTime: new V1MicroTime(holder.renewedAtMs),
      },
    },
  });
}

/**
 * Writes a rolling update of the sandbox's workflow-engine to `tag` into `dir` and returns its path: a plan that
 * runs to completion on the sandbox without analysis steps (whose pauses for an operator a headless run would wait on).
 */
export function rollingPlanFile(dir: string, tag: string): string {
  const file = join(dir, `rolling-${tag}.json`);
  const image = `registry.platform.com/workflow-engine:${tag}`;
  writeFileSync(
    file,
    JSON.stringify(
      defaultPlan('rolling', { namespace: 'platform-production', name: 'workflow-engine', image }),
    ),
  );
  return file;
}

/**
 * What the cluster shows `agoMs` (real time) after the holder of Lease `namespace/name` stopped renewing it: its
 * renew time moved back. Returns the holder it names.
 */
export async function ageLease(
  leases: CoordinationV1Api,
  namespace: string,
  name: string,
  agoMs = 60_000,
): Promise<string | undefined> {
  const held = await leases.readNamespacedLease({ name, namespace });
  await leases.replaceNamespacedLease({
    name,
    namespace,
    body: { ...held, spec: { ...held.spec, renewTime: new V1MicroTime(Date.now() - agoMs) } },
  });
  return held.spec?.holderIdentity;
}
