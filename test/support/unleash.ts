import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, terminate } from './prometheus.ts';

const run = promisify(execFile);

/** Where Debian's `postgresql` packages install the server programs, one folder per major version. */
const POSTGRES_ROOT = '/usr/lib/postgresql';

/** Debian's PostgreSQL server programs: 15 (bookworm) when present, else the newest version installed. */
export function postgresBin(): string | undefined {
  if (existsSync(join(POSTGRES_ROOT, '15/bin/pg_ctl'))) return join(POSTGRES_ROOT, '15/bin');
  const versions = existsSync(POSTGRES_ROOT)
    ? readdirSync(POSTGRES_ROOT)
        .filter((v) => existsSync(join(POSTGRES_ROOT, v, 'bin/pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions[0] === undefined ? undefined : join(POSTGRES_ROOT, versions[0], 'bin');
}

/** The admin API token every test server accepts (all projects, all environments). */
export const UNLEASH_ADMIN_TOKEN = '*:*.switchyard-test-admin-token';
/** A client (SDK) API token for project `default`, environment `development`. */
export const UNLEASH_CLIENT_TOKEN = 'default:development.switchyard-test-client-token';

export interface UnleashTestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly adminToken: string;
  readonly clientToken: string;
  /** Milliseconds from `startUnleash()` until Unleash answered on /health with the admin token accepted. */
  readonly startedInMs: number;
  /**
   * The client API's features (`/api/client/features` with the client token, what SDKs poll) once `until`
   * holds for them. The client API lags admin changes by up to about a second: this polls with the last
   * ETag (`If-None-Match`) and tests `until` again whenever the ETag changes.
   */
  clientFeatures(
    until: (body: ClientFeatures['body']) => boolean,
    timeoutMs?: number,
  ): Promise<ClientFeatures>;
  /** One Admin API call with the admin token; the parsed JSON answer. Throws on any status but 2xx. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Creates feature `flag` in project `default`. */
  createFeature(flag: string): Promise<void>;
  /**
   * A colleague's edit in Unleash's own UI: sets the `rollout` of the first strategy of `flag` in
   * `development` to `percent`, leaving the rest of the strategy as it is.
   */
  editRollout(flag: string, percent: number): Promise<void>;
  /**
   * A personal access token of a new user with the root role `role` (signed in with a password to create
   * it, as a person would in the UI).
   */
  personalToken(role: 'Viewer' | 'Editor'): Promise<string>;
  /** Stops Unleash (SIGTERM, SIGKILL after 5 s) and PostgreSQL, and removes the data. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ClientFeatures {
  etag: string | undefined;
  body: { version: number; features: unknown[]; segments?: unknown[] };
}

/**
 * Starts Debian's PostgreSQL (15, see `postgresBin`) in a temporary directory on a free 127.0.0.1 port (as
 * the `postgres` user when running as root), then `unleash-server` (the devDependency) in a child process against it with
 * telemetry and version checks off and the fixed tokens above. Resolves once Unleash answers /health and
 * accepts the admin token. Throws, having cleaned up, when PostgreSQL is missing or either server fails to
 * start within `timeoutMs` (default 60000).
 */
export async function startUnleash(timeoutMs = 60_000): Promise<UnleashTestServer> {
  const started = Date.now();
  const bin = postgresBin();
  if (!bin) {
    throw new Error(
      `PostgreSQL is not installed in ${POSTGRES_ROOT}; the Unleash tests need Debian's package (apt-get install postgresql).`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-unleash-'));
  await chmod(dir, 0o755);
  const pgData = join(dir, 'pg');
  const asRoot = userInfo().uid === 0;
  let postgresStarted = false;
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> | undefined;
  let stopped = false;

  // A test process that ends without stop() (a crash, a timeout) must not leave PostgreSQL running: it is a
  // daemon of its own, not a child that dies with us.
  const onExit = (): void => {
    if (stopped) return;
    child?.kill('SIGKILL');
    if (postgresStarted) {
      const args = ['-D', pgData, '-m', 'immediate', 'stop'];
      const pgCtl = join(bin, 'pg_ctl');
      try {
        if (asRoot)
          execFileSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], { cwd: '/', stdio: 'ignore' });
        else execFileSync(pgCtl, args, { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    if (child && exited) await terminate(child, exited);
    if (postgresStarted) {
      await pg(bin, asRoot, 'pg_ctl', ['-D', pgData, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await mkdir(pgData, { mode: 0o700 });
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      await chown(pgData, Number(stdout.trim()), Number(gid.trim()));
    }
    await pg(bin, asRoot, 'initdb', [
      '-D',
      pgData,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    const pgPort = await freePort();
    const settings = `-p ${pgPort} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c full_page_writes=off`;
    await pg(bin, asRoot, 'pg_ctl', [
      '-D',
      pgData,
      '-o',
      settings,
      '-l',
      join(pgData, 'log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
    postgresStarted = true;

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const script = join(dir, 'start-unleash.cjs');
    await writeFile(script, START_SCRIPT);
    const serverImpl = createRequire(import.meta.url).resolve('unleash-server/dist/lib/server-impl.js');
    child = spawn(process.execPath, [script, serverImpl], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        SEND_TELEMETRY: 'false',
        CHECK_VERSION: 'false',
        SWITCHYARD_UNLEASH_DB: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
        SWITCHYARD_UNLEASH_PORT: String(port),
        SWITCHYARD_UNLEASH_ADMIN_TOKEN: UNLEASH_ADMIN_TOKEN,
        SWITCHYARD_UNLEASH_CLIENT_TOKEN: UNLEASH_CLIENT_TOKEN,
      },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const spawned = child;
    exited = new Promise((resolve) => spawned.once('exit', (code) => resolve(code)));
    await waitUntilReady(url, exited, () => stderr, started + timeoutMs);
    const startedInMs = Date.now() - started;
    return {
      url,
      adminToken: UNLEASH_ADMIN_TOKEN,
      clientToken: UNLEASH_CLIENT_TOKEN,
      startedInMs,
      clientFeatures: (until, waitMs = 10_000) => clientFeatures(url, until, waitMs),
      admin: (method, path, body) => admin(url, method, path, body),
      createFeature: async (flag) =>
        void (await admin(url, 'POST', 'api/admin/projects/default/features', {
          name: flag,
          type: 'release',
        })),
      editRollout: async (flag, percent) => {
        const path = `api/admin/projects/default/features/${flag}/environments/development/strategies`;
        const [strategy] = await admin<{ id: string; parameters: Record<string, string> }[]>(
          url,
          'GET',
          path,
        );
        if (!strategy) throw new Error(`Feature ${flag} has no strategy in development to edit.`);
        await admin(url, 'PUT', `${path}/${strategy.id}`, {
          ...strategy,
          parameters: { ...strategy.parameters, rollout: String(percent) },
        });
      },
      personalToken: (role) => personalToken(url, role),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

// Plain CommonJS so it runs without a loader: the child only starts Unleash and stops it on SIGTERM.
const START_SCRIPT = `
const { start } = require(process.argv[2]);
const env = process.env;
start({
  databaseUrl: env.SWITCHYARD_UNLEASH_DB,
  db: { ssl: false, pool: { min: 0, max: 4 } },
  server: { host: '127.0.0.1', port: Number(env.SWITCHYARD_UNLEASH_PORT), gracefulShutdownTimeout: 500 },
  logLevel: 'error',
  versionCheck: { enable: false },
  authentication: {
    initApiTokens: [
      { type: 'admin', secret: env.SWITCHYARD_UNLEASH_ADMIN_TOKEN, project: '*', environment: '*', tokenName: 'switchyard-admin' },
      { type: 'client', secret: env.SWITCHYARD_UNLEASH_CLIENT_TOKEN, project: 'default', environment: 'development', tokenName: 'switchyard-client' },
    ],
  },
}).then(
  (unleash) => {
    process.once('SIGTERM', () => unleash.stop().finally(() => process.exit(0)));
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
`;

/** Runs a PostgreSQL program, as the `postgres` user when we are root (initdb and postgres refuse root). */
async function pg(bin: string, asRoot: boolean, program: string, args: string[]): Promise<void> {
  const binary = join(bin, program);
  try {
    if (asRoot) await run('runuser', ['-u', 'postgres', '--', binary, ...args], { cwd: '/' });
    else await run(binary, args);
  } catch (error) {
    const e = error as { stderr?: string; message?: string };
    throw new Error(`PostgreSQL's ${program} failed: ${e.stderr || e.message}`);
  }
}

async function waitUntilReady(
  url: string,
  exited: Promise<number | null>,
  stderr: () => string,
  deadline: number,
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`Unleash exited (code ${exitCode}) before it was ready: ${stderr()}`);
    try {
      const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      if (health.ok) {
        const projects = await fetch(`${url}/api/admin/projects`, {
          headers: { authorization: UNLEASH_ADMIN_TOKEN },
          signal: AbortSignal.timeout(2_000),
        });
        if (projects.ok) return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Unleash at ${url} was not ready in time. ${stderr()}`);
}

async function admin<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/${path}`, {
    method,
    headers: { authorization: UNLEASH_ADMIN_TOKEN, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function personalToken(url: string, role: 'Viewer' | 'Editor'): Promise<string> {
  const { rootRoles } = await admin<{ rootRoles: { id: number; name: string }[] }>(
    url,
    'GET',
    'api/admin/user-admin',
  );
  const email = `${role.toLowerCase()}-${Date.now()}@example.com`;
  const password = `Sw1tchyard-${role}-password!`;
  const rootRole = rootRoles.find((r) => r.name === role)?.id;
  await admin(url, 'POST', 'api/admin/user-admin', {
    email,
    name: role,
    rootRole,
    password,
    sendEmail: false,
  });
  const login = await fetch(`${url}/auth/simple/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: email, password }),
  });
  if (!login.ok) throw new Error(`Signing in as ${email} failed: HTTP ${login.status}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const created = await fetch(`${url}/api/admin/user/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({
      description: 'switchyard test',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    }),
  });
  if (!created.ok) throw new Error(`Creating a personal access token failed: HTTP ${created.status}`);
  return ((await created.json()) as { secret: string }).secret;
}

async function clientFeatures(
  url: string,
  until: (body: ClientFeatures['body']) => boolean,
  timeoutMs: number,
): Promise<ClientFeatures> {
  const deadline = Date.now() + timeoutMs;
  let last: ClientFeatures | undefined;
  for (;;) {
    const response = await fetch(`${url}/api/client/features`, {
      headers: { authorization: UNLEASH_CLIENT_TOKEN, ...(last?.etag ? { 'if-none-match': last.etag } : {}) },
      signal: AbortSignal.timeout(2_000),
    });
    if (response.status === 200) {
      last = {
        etag: response.headers.get('etag') ?? undefined,
        body: (await response.json()) as ClientFeatures['body'],
      };
      if (until(last.body)) return last;
    } else {
      await response.body?.cancel();
      if (response.status !== 304) throw new Error(`Unleash's client API answered HTTP ${response.status}.`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Unleash's client API did not serve the expected configuration within ${timeoutMs} ms (ETag ${last?.etag}).`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
