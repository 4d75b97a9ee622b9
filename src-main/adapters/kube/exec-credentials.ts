import { spawn } from 'node:child_process';
import type { Cluster } from '@kubernetes/client-node';
import { REDACTED, redactString } from '../../../src-shared/redact/redact.ts';
import { ClusterError } from './kube-errors.ts';
import { ExecConfigSchema, ExecCredentialSchema, execInfo, type ExecConfig } from './exec-protocol.ts';
import { fallbackPath, loginShellPath, mergePaths } from './login-shell-path.ts';

/** A failure to obtain credentials from an exec plugin; never retried as a transient cluster failure. */
export class ExecCredentialError extends ClusterError {}

/** Receives one stderr line of a credential plugin (a device code, a browser prompt), secrets removed. */
export type CredentialMessageListener = (context: string, line: string) => void;

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

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure must not break the sign-in.
  }
}
