import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';

/** Writes a sandbox records for one object, counted by verb (dry runs included). */
export function writesTo(
  sb: SandboxHandle,
  resource: string,
  name: string,
  namespace = 'platform-production',
) {
  return sb
    .audit()
    .filter((w) => w.resource === resource && w.name === name && w.namespace === namespace && w.code < 300);
}

/** Starts the reference sandbox fast (sandbox time runs `speed`× real time). */
export function startFastSandbox(speed = 40): Promise<SandboxHandle> {
  return startSandbox({ speed });
}

/** The sandbox of a file's tests and an apps/v1 client on it; read them inside tests and hooks only. */
export interface FastSandbox {
  readonly sb: SandboxHandle;
  readonly apps: AppsV1Api;
}

/**
 * Starts a fast sandbox (40×) before the tests of the file or `describe` it is called in, then runs `setUp` on
 * it (objects the reference scenario does not have); closes it soon after them.
 */
export function useFastSandbox(setUp?: (sb: SandboxHandle) => Promise<void>): FastSandbox {
  let sb: SandboxHandle | undefined;
  let apps: AppsV1Api | undefined;
  beforeAll(async () => {
    sb = await startFastSandbox(40);
    await setUp?.(sb);
  });
  afterAll(() => closeSoon(sb));
  const running = (): SandboxHandle => {
    if (!sb) throw new Error('the sandbox is not running yet (use it inside a test or hook)');
    return sb;
  };
  return {
    get sb() {
      return running();
    },
    get apps() {
      apps ??= appsApi(running());
      return apps;
    },
  };
}

/** An apps/v1 client on the sandbox, for a test that acts as another tool would (kubectl, a colleague). */
export function appsApi(sb: SandboxHandle): AppsV1Api {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  return kc.makeApiClient(AppsV1Api);
}

/** A client on the sandbox for test set-up (objects the reference scenario does not have). */
export function customApi(sb: SandboxHandle): CustomObjectsApi {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  return kc.makeApiClient(CustomObjectsApi);
}

/**
 * Someone else's edit of the reference VirtualService platform-production/workflow-engine: its first route's
 * weights set to `stable` and `canary` percent by hand (read, change, replace).
 */
export async function setVirtualServiceWeights(
  sb: SandboxHandle,
  stable: number,
  canary: number,
): Promise<void> {
  const key = {
    group: 'networking.istio.io',
    version: 'v1beta1',
    namespace: 'platform-production',
    plural: 'virtualservices',
    name: 'workflow-engine',
  };
  const api = customApi(sb);
  const vs = (await api.getNamespacedCustomObject(key)) as {
    spec: { http: { route: { weight: number }[] }[] };
  };
  vs.spec.http[0]!.route[0]!.weight = stable;
  vs.spec.http[0]!.route[1]!.weight = canary;
  await api.replaceNamespacedCustomObject({ ...key, body: vs });
}

/** Creates the Gateway API route and the stable Service a gateway-api router of `app` needs. */
export async function addHttpRoute(sb: SandboxHandle, app: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedService({
    namespace: 'platform-production',
    body: {
      metadata: { name: `${app}-stable`, namespace: 'platform-production' },
      spec: { selector: { app, version: 'stable' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  });
  await customApi(sb).createNamespacedCustomObject({
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    namespace: 'platform-production',
    plural: 'httproutes',
    body: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: app, namespace: 'platform-production' },
      spec: {
        parentRefs: [{ name: 'platform-gateway' }],
        hostnames: [app],
        rules: [{ backendRefs: [{ name: `${app}-stable`, port: 80, weight: 100 }] }],
      },
    },
  });
}

/**
 * Closes the sandbox, waiting at most 1 s: its `close()` can wait for keep-alive TLS sockets of the
 * client for up to 30 s (reported to the sandbox's owner), which would only slow the suite down.
 */
export function closeSoon(sb: SandboxHandle | undefined): Promise<void> {
  if (!sb) return Promise.resolve();
  return Promise.race([sb.close(), new Promise<void>((r) => setTimeout(r, 1000))]);
}

/**
 * Waits until `ok()` holds, checking every 20 ms, or fails naming `what` after `timeoutMs` (monotonic time, so a
 * test that moves the wall clock does not end the wait early).
 */
export async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
