import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import { z } from 'zod';
import { REDACTED, redactString } from '../../../src-shared/redact/redact.ts';
import { ClusterError } from './kube-errors.ts';

/** A failure to obtain credentials from an exec plugin; never retried as a transient cluster failure. */
export class ExecCredentialError extends ClusterError {}

/** Receives one stderr line of a credential plugin (a device code, a browser prompt), secrets removed. */
export type CredentialMessageListener = (context: string, line: string) => void;

/** The `exec` section of a kubeconfig user, as kubectl reads it. */
const ExecConfigSchema = z.object({
  apiVersion: z.string().optional(),
  command: z.string().min(1),
  args: z.array(z.string()).nullish(),
  env: z.array(z.object({ name: z.string().min(1), value: z.string() })).nullish(),
  interactiveMode: z.string().optional(),
  installHint: z.string().optional(),
  provideClusterInfo: z.boolean().optional(),
});
type ExecConfig = z.infer<typeof ExecConfigSchema>;

const ExecCredentialSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.literal('ExecCredential', { error: 'kind must be "ExecCredential"' }).optional(),
  status: z
    .object(
      {
        token: z.string().optional(),
        clientCertificateData: z.string().optional(),
        clientKeyData: z.string().optional(),
        expirationTimestamp: z
          .string()
          .refine((s) => !Number.isNaN(Date.parse(s)), 'status.expirationTimestamp is not a date')
          .optional(),
      },
      { error: 'status is missing' },
    )
    .refine((s) => Boolean(s.token) || (Boolean(s.clientCertificateData) && Boolean(s.clientKeyData)), {
      message: 'status has neither a token nor both clientCertificateData and clientKeyData',
    }),
});

/** Credentials a plugin printed. `expiresAtMs` is epoch milliseconds, absent when the plugin gave no expiry. */
export interface ExecCredential {
  readonly token?: string;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  readonly expiresAtMs?: number;
  /** Increases with every credential the provider obtains; pass it to `invalidate`. */
  readonly seq: number;
  /** When the plugin printed it, epoch milliseconds. */
  readonly obtainedAtMs: number;
}

/** One request for the credentials of a kubeconfig user. */
export interface ExecCredentialRequest {
  /** Context name, used in messages and passed to listeners. */
  readonly context: string;
  /** The kubeconfig user's name (part of the cache key). */
  readonly userName: string;
  /** The user's raw `exec` section. */
  readonly exec: unknown;
  /** The cluster, for `provideClusterInfo`. */
  readonly cluster?: Cluster | null;
  /** Kills the plugin after this long, milliseconds. Default the provider's (60 000). */
  readonly timeoutMs?: number;
  /** Gets each stderr line of the plugin run this request waits for. */
  readonly onMessage?: CredentialMessageListener;
}

/** How an `ExecCredentialProvider` runs plugins. */
export interface ExecCredentialProviderOptions {
  /** Default plugin deadline, milliseconds. Default 60 000 (a device-code login waits for the human). */
  readonly timeoutMs?: number;
  /** A credential is renewed this long before its expirationTimestamp, milliseconds. Default 10 000. */
  readonly skewMs?: number;
  /** The environment plugins inherit (kubeconfig `env` entries go over it). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves the login shell's PATH. Default `loginShellPath` (cached per provider). */
  readonly loginPath?: () => Promise<string>;
  /** Wall clock, epoch milliseconds. */
  readonly now?: () => number;
}

interface Flight {
  readonly promise: Promise<ExecCredential>;
  /** Listener → how many waiting requests brought it. */
  readonly listeners: Map<CredentialMessageListener, number>;
  readonly lines: string[];
}

interface Entry {
  credential?: ExecCredential;
  flight?: Flight;
}

const globalListeners = new Set<CredentialMessageListener>();

/**
 * Subscribes to every credential plugin's stderr lines in this process (device codes, "opening a browser…"),
 * secrets removed, with the context that ran the plugin. Returns the unsubscribe function.
 */
export function onCredentialMessages(listener: CredentialMessageListener): () => void {
  globalListeners.add(listener);
  return () => globalListeners.delete(listener);
}

/**
 * Runs kubeconfig exec credential plugins (aws, gke-gcloud-auth-plugin, kubelogin…) the way kubectl does, but
 * asynchronously: argv without a shell, the login shell's PATH, a deadline, stderr lines streamed to listeners.
 * Credentials are cached per user, command and args until their expiry (less a skew) or `invalidate`;
 * concurrent requests share one plugin run.
 */
export class ExecCredentialProvider {
  private readonly entries = new Map<string, Entry>();
  private readonly knownSecrets = new Set<string>();
  private readonly timeoutMs: number;
  private readonly skewMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly loginPath: () => Promise<string>;
  private readonly now: () => number;
  private seq = 0;
  private pathPromise: Promise<string> | undefined;

  constructor(options: ExecCredentialProviderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.skewMs = options.skewMs ?? 10_000;
    this.env = options.env ?? process.env;
    this.loginPath = options.loginPath ?? (() => loginShellPath({ env: this.env }));
    this.now = options.now ?? Date.now;
  }

  /**
   * The user's credentials: cached ones while valid, else from one plugin run shared by concurrent callers.
   * Throws `ExecCredentialError` (a `ClusterError`): `invalidConfig` for an unusable exec section or a command
   * not found, `unauthorized` for a failed run or unusable output, `timeout` when the plugin outlived its deadline.
   */
  async get(request: ExecCredentialRequest): Promise<ExecCredential> {
    const exec = parseExecConfig(request);
    const key = JSON.stringify([request.userName, exec.command, exec.args ?? []]);
    const entry = this.entries.get(key) ?? {};
    this.entries.set(key, entry);
    const cached = entry.credential;
    if (cached && this.usable(cached)) return cached;
    entry.credential = undefined;
    if (!entry.flight) {
      const lines: string[] = [];
      const listeners = new Map<CredentialMessageListener, number>();
      const started = this.run(exec, request, (line) => {
        lines.push(line);
        for (const l of globalListeners) safely(() => l(request.context, line));
        for (const l of listeners.keys()) safely(() => l(request.context, line));
      });
      const flight: Flight = {
        lines,
        listeners,
        promise: started.then(
          (credential) => {
            if (entry.flight === flight) entry.flight = undefined;
            entry.credential = credential;
            return credential;
          },
          (error: unknown) => {
            if (entry.flight === flight) entry.flight = undefined;
            throw error;
          },
        ),
      };
      entry.flight = flight;
    }
    const flight = entry.flight;
    const listen = request.onMessage;
    if (listen) {
      const count = flight.listeners.get(listen) ?? 0;
      // A listener joining a run already under way still sees what the plugin said so far (once).
      if (count === 0) for (const line of flight.lines) safely(() => listen(request.context, line));
      flight.listeners.set(listen, count + 1);
    }
    try {
      return await flight.promise;
    } finally {
      if (listen) {
        const count = flight.listeners.get(listen) ?? 1;
        if (count <= 1) flight.listeners.delete(listen);
        else flight.listeners.set(listen, count - 1);
      }
    }
  }

  // Renewed `skewMs` before expiry; but a credential that came out of the plugin that short-lived (kubelogin hands
  // out its own cached token) is used until it expires rather than asking the plugin again for every request.
  private usable(c: ExecCredential): boolean {
    if (c.expiresAtMs === undefined) return true;
    const now = this.now();
    return now < c.expiresAtMs - this.skewMs || (now < c.expiresAtMs && now - c.obtainedAtMs < this.skewMs);
  }

  /**
   * Forgets cached credentials so the next request runs the plugin again (after a 401). With `usedSeq`, only
   * credentials obtained no later than that one are dropped, so a 401 answered to an old token does not throw
   * away the fresh token another call just fetched. Runs under way are left alone.
   */
  invalidate(usedSeq?: number): void {
    for (const entry of this.entries.values()) {
      if (entry.credential && (usedSeq === undefined || entry.credential.seq <= usedSeq))
        entry.credential = undefined;
    }
  }

  /** `text` with bearer tokens, JWTs, private keys and every token this provider has obtained replaced by `[redacted]`. */
  redact(text: string): string {
    let out = redactString(text).replace(
      /\b(token|access_token|id_token|refresh_token|password|secret)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
      `$1$2${REDACTED}`,
    );
    for (const secret of this.knownSecrets) out = out.split(secret).join(REDACTED);
    // A plugin may echo its token before we have seen it: mask long runs of letters and digits, except inside
    // URLs (a sign-in link must stay usable; device codes are short).
    return out
      .split(/(\s+)/)
      .map((word) =>
        word.includes('://')
          ? word
          : word.replace(/[A-Za-z0-9._~+/=-]{20,}/g, (run) =>
              /\d/.test(run) && /[A-Za-z]/.test(run) ? REDACTED : run,
            ),
      )
      .join('');
  }

  private path(): Promise<string> {
    this.pathPromise ??= this.loginPath()
      .catch(() => fallbackPath(this.env))
      .then((login) => mergePaths(login, this.env.PATH ?? ''));
    return this.pathPromise;
  }

  private async run(
    exec: ExecConfig,
    request: ExecCredentialRequest,
    onLine: (line: string) => void,
  ): Promise<ExecCredential> {
    const PATH = await this.path();
    const env: NodeJS.ProcessEnv = { ...this.env, PATH };
    for (const e of exec.env ?? []) env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify(execInfo(exec, request.cluster));
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const command = [exec.command, ...(exec.args ?? [])].join(' ');
    const posix = process.platform !== 'win32';

    return new Promise<ExecCredential>((resolve, reject) => {
      let stdout = '';
      let pending = '';
      const tail: string[] = [];
      let spawnError: NodeJS.ErrnoException | undefined;
      let timedOut = false;
      // Own process group on POSIX, so a timeout also ends the helpers a plugin starts (az, python…).
      const child = spawn(exec.command, exec.args ?? [], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: posix,
        windowsHide: true,
      });
      const kill = (signal: NodeJS.Signals) => {
        try {
          if (posix && child.pid) process.kill(-child.pid, signal);
          else child.kill(signal);
        } catch {
          // already gone
        }
      };
      let hardKill: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        kill('SIGTERM');
        hardKill = setTimeout(() => kill('SIGKILL'), 2000);
        hardKill.unref();
      }, timeoutMs);
      const emit = (raw: string) => {
        const line = this.redact(raw.replace(/\r$/, '')).trimEnd();
        if (!line) return;
        tail.push(line);
        if (tail.length > 5) tail.shift();
        onLine(line);
      };
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        lines.forEach(emit);
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        spawnError = error;
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (pending) emit(pending);
        const said = tail.length ? ` It said: ${tail.join(' / ')}` : '';
        const fail = (kind: ConstructorParameters<typeof ClusterError>[0], message: string) =>
          reject(new ExecCredentialError(kind, message));
        if (spawnError?.code === 'ENOENT')
          return fail(
            'invalidConfig',
            `The credential plugin "${exec.command}" of context "${request.context}" was not found. ` +
              `Switchyard searched your login shell's PATH (${PATH}). Install it, add its folder to PATH in your ` +
              `shell profile, or put its absolute path in the kubeconfig's exec command.` +
              (exec.installHint ? ` ${exec.installHint.trim()}` : ''),
          );
        if (spawnError)
          return fail(
            'invalidConfig',
            `The credential plugin "${exec.command}" of context "${request.context}" could not be started (${spawnError.code ?? spawnError.message}).`,
          );
        if (timedOut)
          return fail(
            'timeout',
            `The credential plugin "${command}" of context "${request.context}" did not finish within ${timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`} and was stopped.${said} If it waits for a sign-in, complete it and try again.`,
          );
        if (code !== 0)
          return fail(
            'unauthorized',
            `The credential plugin "${command}" of context "${request.context}" failed (${signal ? `signal ${signal}` : `exit code ${code}`}).${said}`,
          );
        let parsed: unknown;
        try {
          parsed = JSON.parse(stdout);
        } catch {
          return fail(
            'unauthorized',
            `The credential plugin "${command}" of context "${request.context}" did not print an ExecCredential as JSON${stdout.trim() ? '' : ' (its output was empty)'}.`,
          );
        }
        const result = ExecCredentialSchema.safeParse(parsed);
        if (!result.success)
          return fail(
            'unauthorized',
            `The credential plugin "${command}" of context "${request.context}" printed an unusable ExecCredential: ${result.error.issues.map((i) => i.message).join('; ')}.`,
          );
        const status = result.data.status;
        for (const secret of [status.token, status.clientKeyData])
          if (secret && secret.length >= 8) this.knownSecrets.add(secret);
        resolve({
          seq: ++this.seq,
          obtainedAtMs: this.now(),
          ...(status.token ? { token: status.token } : {}),
          ...(status.clientCertificateData ? { clientCertificateData: status.clientCertificateData } : {}),
          ...(status.clientKeyData ? { clientKeyData: status.clientKeyData } : {}),
          ...(status.expirationTimestamp ? { expiresAtMs: Date.parse(status.expirationTimestamp) } : {}),
        });
      });
    });
  }
}

function parseExecConfig(request: ExecCredentialRequest): ExecConfig {
  const parsed = ExecConfigSchema.safeParse(request.exec);
  if (!parsed.success)
    throw new ExecCredentialError(
      'invalidConfig',
      `The exec section of user "${request.userName}" (context "${request.context}") cannot be used: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || 'exec'}: ${i.message}`)
        .join('; ')}.`,
    );
  if (parsed.data.interactiveMode === 'Always')
    throw new ExecCredentialError(
      'invalidConfig',
      `The credential plugin "${parsed.data.command}" of context "${request.context}" needs a terminal (interactiveMode: Always). Run a kubectl command in a terminal to sign in first, or set interactiveMode to IfAvailable.`,
    );
  return parsed.data;
}

/** The KUBERNETES_EXEC_INFO kubectl gives a plugin: never interactive here (no terminal). */
function execInfo(exec: ExecConfig, cluster: Cluster | null | undefined): unknown {
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo && cluster) {
    spec.cluster = {
      server: cluster.server,
      ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
      ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
      ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl } : {}),
    };
  }
  return {
    apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1',
    kind: 'ExecCredential',
    spec,
  };
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure must not break the sign-in.
  }
}

const START = '__SWITCHYARD_PATH_START__';
const END = '__SWITCHYARD_PATH_END__';

/**
 * The PATH a login shell of the user sets up (`$SHELL -ilc`), which a desktop app started from a dock does not
 * inherit. Rejects when there is no shell, it fails or it takes longer than `timeoutMs` (default 5000 ms).
 */
export function loginShellPath(
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const shell = env.SHELL;
  if (process.platform === 'win32' || !shell) return Promise.reject(new Error('no login shell'));
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(shell, ['-ilc', `printf '%s' "${START}\${PATH}${END}"`], {
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error('login shell timed out'));
    }, options.timeoutMs ?? 5000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', () => {
      clearTimeout(timer);
      const match = out.match(new RegExp(`${START}(.*?)${END}`, 's'));
      if (match?.[1]) resolve(match[1].trim());
      else reject(new Error('login shell printed no PATH'));
    });
  });
}

/** The process PATH plus the folders plugins are commonly installed in, for when the login shell cannot tell. */
function fallbackPath(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? homedir();
  return mergePaths(
    env.PATH ?? '',
    [
      '/usr/local/bin',
      '/opt/homebrew/bin',
      join(home, '.local/bin'),
      '/snap/bin',
      join(home, 'google-cloud-sdk/bin'),
    ].join(delimiter),
  );
}

/** `first` then the entries of `second` it lacks, empty entries dropped. */
function mergePaths(first: string, second: string): string {
  return [...new Set([...first.split(delimiter), ...second.split(delimiter)].filter(Boolean))].join(
    delimiter,
  );
}

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
