import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
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
