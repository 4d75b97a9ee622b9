import * as k8s from '@kubernetes/client-node';
import type { SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';

/** Real @kubernetes/client-node clients configured from the sandbox's own kubeconfig. */
export function clientsFor(sb: SandboxHandle) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    authz: kc.makeApiClient(k8s.AuthorizationV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    watch: new k8s.Watch(kc),
  };
}

/** A Deployment "name" in namespace default: `replicas` pods (labelled app=name) of one container "name" running `image`. */
export function appDeployment(
  name: string,
  image: string,
  replicas = 1,
  extra: Partial<k8s.V1DeploymentSpec> = {},
): k8s.V1Deployment {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
      ...extra,
    },
  };
}

/** Control-endpoint call with the sandbox token. */
export async function control<T>(
  sb: SandboxHandle,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sb.url}/_sandbox/${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `timeoutMs` (real time). */
export async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
