import {
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PolicyV1Api,
} from '@kubernetes/client-node';
import { sleep } from '../abortable-sleep.ts';
import { installExecCredentials, trackCredentialUse, type CredentialUse } from './exec-auth.ts';
import { ExecCredentialError, type ExecCredentialProvider } from './exec-credentials.ts';
import { ClusterError, toClusterError } from './kube-errors.ts';
import { applyProxyEnv } from './proxy-env.ts';

/** How calls to one context behave. */
export interface KubeClientOptions {
  /** Name used in messages; default the kubeconfig's current context. */
  readonly context?: string;
  /** Per-call deadline, milliseconds. Default 15 000. */
  readonly timeoutMs?: number;
  /** Attempts of an idempotent read on unreachable, timeout or 5xx (1 = no retry). Default 4. */
  readonly readAttempts?: number;
  /** First retry delay, milliseconds; doubles per attempt with full jitter. Default 200. */
  readonly retryBaseMs?: number;
  /**
   * Gets each stderr line of the context's credential plugin (device codes, "opening a browser…") as it arrives,
   * secrets removed. Every plugin line of the process also goes to `onCredentialMessages` listeners.
   */
  onCredentialMessage?(context: string, line: string): void;
  /** How long a credential plugin may run before it is stopped, milliseconds. Default 60 000. */
  readonly execTimeoutMs?: number;
  /** Where exec credentials are cached; default the process-wide `sharedExecCredentials`. */
  readonly execCredentials?: ExecCredentialProvider;
  /** Environment read for HTTPS_PROXY, HTTP_PROXY and NO_PROXY. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The typed API groups of one context plus a guarded call helper. */
export interface KubeClient {
  readonly kc: KubeConfig;
  readonly context: string;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
  readonly authz: AuthorizationV1Api;
  readonly policy: PolicyV1Api;
  /**
   * Runs a read with the deadline and jittered retries; on a 401 to exec-plugin credentials, runs the plugin again
   * and retries once. Throws `ClusterError`.
   */
  read<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Runs a write once with the deadline (again once after a 401 to exec-plugin credentials: the server refused it
   * before acting). Throws `ClusterError`.
   */
  write<T>(what: string, fn: () => Promise<T>): Promise<T>;
}

/** Parses `kubeconfigYaml` (its current-context is used) and builds the API clients. Throws `ClusterError` `invalidConfig`. */
export function createKubeClient(kubeconfigYaml: string, options: KubeClientOptions = {}): KubeClient {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(kubeconfigYaml);
  } catch (error) {
    throw new ClusterError(
      'invalidConfig',
      `The kubeconfig cannot be used: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const context = options.context ?? kc.getCurrentContext();
  if (!kc.getCurrentCluster())
    throw new ClusterError(
      'invalidConfig',
      `Context "${context}" names a cluster that is not in the kubeconfig.`,
    );
  applyProxyEnv(kc, options.env ?? process.env);
  const auth = installExecCredentials(kc, {
    context,
    ...(options.execCredentials ? { provider: options.execCredentials } : {}),
    ...(options.execTimeoutMs !== undefined ? { timeoutMs: options.execTimeoutMs } : {}),
    ...(options.onCredentialMessage ? { onMessage: options.onCredentialMessage.bind(options) } : {}),
  });
  const timeoutMs = options.timeoutMs ?? 15_000;
  const attempts = Math.max(1, options.readAttempts ?? 4);
  const baseMs = options.retryBaseMs ?? 200;

  async function once<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' })),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([fn(), deadline]);
    } catch (error) {
      throw toClusterError(error, context, what);
    } finally {
      clearTimeout(timer);
    }
  }

  // The plugin runs before the call's deadline starts: a sign-in may wait for the human far longer.
  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    await auth.prepare();
    const use: CredentialUse = {};
    try {
      return await trackCredentialUse(use, () => once(what, fn));
    } catch (error) {
      if (!(error instanceof ClusterError && error.status === 401 && use.seq !== undefined)) throw error;
      auth.invalidate(use.seq);
      await auth.prepare();
      return await once(what, fn);
    }
  }

  return {
    kc,
    context,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    authz: kc.makeApiClient(AuthorizationV1Api),
    policy: kc.makeApiClient(PolicyV1Api),
    async read(what, fn) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await call(what, fn);
        } catch (error) {
          const e = error as ClusterError;
          if (attempt >= attempts || !isTransient(e)) throw e;
          await sleep(jitteredBackoff(attempt, baseMs));
        }
      }
    },
    write: call,
  };
}

/** True for failures worth retrying on an idempotent call: unreachable, timeout, or a 5xx / 429 answer (never a credential plugin's failure). */
function isTransient(error: ClusterError): boolean {
  if (error instanceof ExecCredentialError) return false;
  if (error.clusterKind === 'timeout') return true;
  if (error.clusterKind !== 'unreachable') return false;
  return error.status === undefined || error.status >= 500 || error.status === 429;
}

/** Full-jitter exponential backoff: a random delay in [0, base·2^(attempt-1)], capped at 10 s. Milliseconds. */
export function jitteredBackoff(attempt: number, baseMs: number, capMs = 10_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1));
}
