import { AppsV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { SandboxHandle } from '../../src-main/sandbox/sandbox.ts';

const NS = 'platform-production';

function kubeconfig(sb: SandboxHandle): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  return kc;
}

/** Scales a Deployment of the sandbox through its API, as `kubectl scale` would. */
export async function scaleDeployment(sb: SandboxHandle, name: string, replicas: number): Promise<void> {
  await kubeconfig(sb)
    .makeApiClient(AppsV1Api)
    .patchNamespacedDeploymentScale({
      name,
      namespace: NS,
      // client-node sends a JSON patch by default, as kubectl patch --type=json does.
      body: [{ op: 'replace', path: '/spec/replicas', value: replicas }],
    });
}

/** Creates an Argo Rollout `name` (image tag `version`, `replicas` desired) in platform-production. */
export async function createRollout(
  sb: SandboxHandle,
  name: string,
  version: string,
  replicas: number,
): Promise<void> {
  await kubeconfig(sb)
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: NS,
      plural: 'rollouts',
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name, namespace: NS },
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name, image: `registry.platform.com/${name}:${version}` }] },
          },
          strategy: { canary: { steps: [{ setWeight: 20 }] } },
        },
      },
    });
}

/** Writes a Rollout's status as the Argo controller would (the sandbox runs no Rollouts controller). Throws on a non-200 answer. */
export async function setRolloutStatus(
  sb: SandboxHandle,
  name: string,
  status: Record<string, number>,
): Promise<void> {
  const res = await fetch(`${sb.url}/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/${name}/status`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ status }),
  });
  if (res.status !== 200) throw new Error(`setting the status of Rollout ${name} answered ${res.status}`);
}
