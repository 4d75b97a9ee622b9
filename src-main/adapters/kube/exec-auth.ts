import { AsyncLocalStorage } from 'node:async_hooks';
import type { KubeConfig, User } from '@kubernetes/client-node';
import {
  ExecCredentialProvider,
  type CredentialMessageListener,
  type ExecCredentialRequest,
} from './exec-credentials.ts';

/** The provider shared by every client of this process, so one sign-in serves all of them. */
const sharedExecCredentials = new ExecCredentialProvider();

/** Filled in by the exec authenticator during `trackCredentialUse`: the newest credential a call sent. */
export interface CredentialUse {
  seq?: number;
}
const credentialUse = new AsyncLocalStorage<CredentialUse>();

/** Runs `fn`, recording in `use.seq` the newest exec credential its requests sent (left unset when none did). */
export function trackCredentialUse<T>(use: CredentialUse, fn: () => Promise<T>): Promise<T> {
  return credentialUse.run(use, fn);
}

/** What `installExecCredentials` returns: the client-side handle of the exec authenticator. */
export interface ExecAuthHandle {
  /** True when the kubeconfig's current user gets its credentials from an exec plugin. */
  readonly usesExec: boolean;
  /** Obtains (or finds cached) the current user's credentials; no-op without exec. Throws `ExecCredentialError`. */
  prepare(): Promise<void>;
  /** Forgets the credentials a 401 was answered to (see `ExecCredentialProvider.invalidate`). */
  invalidate(usedSeq?: number): void;
}

interface AuthenticatorLike {
  isAuthProvider(user: User): boolean;
  applyAuthentication(
    user: User,
    opts: { headers?: Record<string, unknown>; cert?: unknown; key?: unknown },
  ): Promise<void>;
}

function execOf(user: User | null): unknown {
  if (!user) return undefined;
  const provider = user.authProvider as { name?: string; config?: { exec?: unknown } } | undefined;
  return user.exec ?? provider?.config?.exec;
}

/**
 * Replaces client-node's own exec authenticator in `kc` (it spawns without a deadline, PATH or stderr, and never
 * refreshes on a 401) with one backed by `provider`. Call before `makeApiClient`.
 */
export function installExecCredentials(
  kc: KubeConfig,
  options: {
    context: string;
    provider?: ExecCredentialProvider;
    timeoutMs?: number;
    onMessage?: CredentialMessageListener;
  },
): ExecAuthHandle {
  const provider = options.provider ?? sharedExecCredentials;
  const request = (user: User): ExecCredentialRequest => ({
    context: options.context,
    userName: user.name,
    exec: execOf(user),
    cluster: kc.getCurrentCluster(),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.onMessage ? { onMessage: options.onMessage } : {}),
  });
  const authenticator: AuthenticatorLike = {
    isAuthProvider: (user) => Boolean(execOf(user)),
    async applyAuthentication(user, opts) {
      const credential = await provider.get(request(user));
      const use = credentialUse.getStore();
      if (use) use.seq = Math.max(use.seq ?? 0, credential.seq);
      if (credential.clientCertificateData) opts.cert = credential.clientCertificateData;
      if (credential.clientKeyData) opts.key = credential.clientKeyData;
      if (credential.token) {
        opts.headers ??= {};
        opts.headers.Authorization = `Bearer ${credential.token}`;
      }
    },
  };
  // `authenticators` is private in the typings; the first match wins, so ours goes first and client-node's goes.
  const holder = kc as unknown as { authenticators: AuthenticatorLike[] };
  holder.authenticators = [
    authenticator,
    ...holder.authenticators.filter((a) => a.constructor.name !== 'ExecAuth'),
  ];
  const user = kc.getCurrentUser();
  const usesExec = Boolean(execOf(user));
  return {
    usesExec,
    async prepare() {
      if (user && usesExec) await provider.get(request(user));
    },
    invalidate: (usedSeq) => provider.invalidate(usedSeq),
  };
}
