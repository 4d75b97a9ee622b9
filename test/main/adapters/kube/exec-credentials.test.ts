import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  ExecCredentialProvider,
  onCredentialMessages,
} from '../../../../src-main/adapters/kube/exec-credentials.ts';
import { loginShellPath } from '../../../../src-main/adapters/kube/login-shell-path.ts';
import { createKubeClient, type KubeClientOptions } from '../../../../src-main/adapters/kube/kube-client.ts';
import { ClusterError } from '../../../../src-main/adapters/kube/kube-errors.ts';
import { createEngine } from '../../../../src-main/app/engine.ts';
import { createDispatcher } from '../../../../src-main/bridge/dispatch.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-exec-'));
const plugin = join(dir, 'fake-exec-plugin.mjs');
// Behaviour comes from env entries of the kubeconfig's exec section (which the plugin must therefore receive).
writeFileSync(
  plugin,
  `import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
const env = process.env;
appendFileSync(env.RUNS_FILE, 'x');
const n = readFileSync(env.RUNS_FILE, 'utf8').length;
if (env.INFO_FILE) writeFileSync(env.INFO_FILE, env.KUBERNETES_EXEC_INFO ?? '');
if (env.PATH_FILE) writeFileSync(env.PATH_FILE, env.PATH ?? '');
if (env.PID_FILE) writeFileSync(env.PID_FILE, String(process.pid));
for (const line of (env.STDERR ?? '').split('|').filter(Boolean)) process.stderr.write(line + '\\n');
const status = { token: 'tok-' + n };
// The n-th token lives n times EXPIRES_IN_MS.
if (env.EXPIRES_IN_MS) status.expirationTimestamp = new Date(Date.now() + n * Number(env.EXPIRES_IN_MS)).toISOString();
const out = {
  'bad-json': 'Token: tok-' + n,
  'no-token': JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: {} }),
}[env.MODE] ?? JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status });
setTimeout(() => {
  if (env.MODE === 'fail') process.exit(3);
  if (env.MODE === 'hang') return setTimeout(() => {}, 60000);
  process.stdout.write(out);
}, Number(env.DELAY_MS ?? 0));
`,
);

const servers: Server[] = [];
let runsSeq = 0;
afterAll(() => {
  servers.forEach((s) => s.close());
  rmSync(dir, { recursive: true, force: true });
});

/** An API server that accepts the bearer tokens in `valid`, answering namespace lists and creates. */
async function fakeApi() {
  const state = { valid: new Set(['tok-1']), seen: [] as string[], rejected: 0, firstAt: 0 };
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    state.seen.push(auth);
    state.firstAt ||= performance.now();
    if (!state.valid.has(auth.replace(/^Bearer /, ''))) {
      state.rejected++;
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end('{"kind":"Status","apiVersion":"v1","code":401,"message":"Unauthorized"}');
    }
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
    res.end(
      req.method === 'POST'
        ? '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x"}}'
        : '{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"default"}}]}',
    );
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { ...state, state, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** A kubeconfig whose user runs `command args` with `env`; the run count goes to a fresh file. */
function kubeconfig(
  url: string,
  env: Record<string, string> = {},
  command = process.execPath,
  args = [plugin],
) {
  const runsFile = join(dir, `runs-${++runsSeq}`);
  writeFileSync(runsFile, '');
  const yaml = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'aks-dev',
    clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [
      {
        name: 'dev',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command,
            args,
            env: Object.entries({ RUNS_FILE: runsFile, ...env }).map(([name, value]) => ({ name, value })),
            interactiveMode: 'IfAvailable',
          },
        },
      },
    ],
    contexts: [{ name: 'aks-dev', context: { cluster: 'c', user: 'dev' } }],
  });
  return { yaml, runs: () => readFileSync(runsFile, 'utf8').length };
}

function client(yaml: string, options: KubeClientOptions & { now?: () => number } = {}) {
  const provider = new ExecCredentialProvider({
    loginPath: async () => '',
    ...(options.now ? { now: options.now } : {}),
  });
  return createKubeClient(yaml, { retryBaseMs: 5, execCredentials: provider, ...options });
}

const list = (k: ReturnType<typeof client>) => k.read('listing namespaces', () => k.core.listNamespace());
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as ClusterError,
  );

describe('exec credential plugins', () => {
  it('send the token the plugin printed, run once for many calls (concurrent ones share the run), with KUBERNETES_EXEC_INFO', async () => {
    const api = await fakeApi();
    const info = join(dir, 'info.json');
    const kc = kubeconfig(api.url, { DELAY_MS: '150', INFO_FILE: info });
    const k = client(kc.yaml);
    const lists = await Promise.all(Array.from({ length: 5 }, () => list(k)));
    await list(k);
    await k.write('creating a namespace', () =>
      k.core.createNamespace({ body: { metadata: { name: 'x' } } }),
    );
    expect(lists[0]!.items[0]!.metadata!.name).toBe('default');
    expect(kc.runs()).toBe(1);
    expect(api.state.seen).toHaveLength(7);
    expect(new Set(api.state.seen)).toEqual(new Set(['Bearer tok-1']));
    expect(JSON.parse(readFileSync(info, 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
  });

  it('run the plugin again once the credential is within 10 s of its expirationTimestamp', async () => {
    const api = await fakeApi();
    api.state.valid.add('tok-2');
    const start = Date.now();
    let now = start;
    const kc = kubeconfig(api.url, { EXPIRES_IN_MS: '60000' });
    const k = client(kc.yaml, { now: () => now });
    await list(k);
    now = start + 45_000;
    await list(k);
    expect(kc.runs()).toBe(1);
    now = start + 51_000;
    await list(k);
    expect(kc.runs()).toBe(2);
    expect(api.state.seen.at(-1)).toBe('Bearer tok-2');
  });

  it('use a credential that comes out of the plugin already close to its expiry until it expires', async () => {
    const api = await fakeApi();
    const kc = kubeconfig(api.url, { EXPIRES_IN_MS: '4000' });
    const k = client(kc.yaml);
    await list(k);
    await list(k);
    expect(kc.runs()).toBe(1);
  });

  it.each([
    { op: 'read', call: list },
    {
      op: 'write',
      call: (k: ReturnType<typeof client>) =>
        k.write('creating a namespace', () => k.core.createNamespace({ body: { metadata: { name: 'x' } } })),
    },
  ])('on a 401 to a $op, run the plugin again and retry once with the new token', async ({ call }) => {
    const api = await fakeApi();
    const kc = kubeconfig(api.url);
    const k = client(kc.yaml);
    await list(k);
    api.state.valid = new Set(['tok-2']); // the cluster revoked tok-1
    await call(k);
    expect(kc.runs()).toBe(2);
    expect(api.state.seen).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('a 401 that the new token also gets is reported, after one retry only', async () => {
    const api = await fakeApi();
    const kc = kubeconfig(api.url);
    api.state.valid = new Set();
    const error = await failure(list(client(kc.yaml)));
    expect(error.clusterKind).toBe('unauthorized');
    expect(kc.runs()).toBe(2);
    expect(api.state.rejected).toBe(2);
  });

  it('show the stderr lines (a device code) as they come, before the token is used, secrets removed', async () => {
    const api = await fakeApi();
    const deviceCode =
      'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD1234 to authenticate.';
    const signInLink =
      'Open https://accounts.google.com/o/oauth2/auth?client_id=32555940559.apps.googleusercontent.com&code_challenge=Xk2mQ9vT4rL8wZ1pA7sD3fG6hJ0kN5bV in a browser';
    const kc = kubeconfig(api.url, {
      STDERR: [
        deviceCode,
        'debug: sending Authorization: Bearer s3cr3t-value-123',
        'id token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
        'using cached exec-plugin-token-8f3a6c2e1d90',
        signInLink,
      ].join('|'),
      DELAY_MS: '300',
    });
    const lines: { context: string; line: string; at: number }[] = [];
    const everywhere: string[] = [];
    const stop = onCredentialMessages((context, line) => everywhere.push(`${context}: ${line}`));
    try {
      const k = client(kc.yaml, {
        onCredentialMessage: (context, line) => lines.push({ context, line, at: performance.now() }),
      });
      // Concurrent calls share the run; each line still arrives once.
      await Promise.all([list(k), list(k), list(k)]);
    } finally {
      stop();
    }
    expect(lines.map((l) => l.line)).toEqual([
      deviceCode,
      'debug: sending Authorization: Bearer [redacted]',
      'id token [redacted]',
      'using cached [redacted]',
      signInLink,
    ]);
    expect(lines[0]!.context).toBe('aks-dev');
    expect(lines[0]!.at).toBeLessThan(api.state.firstAt - 200);
    expect(everywhere[0]).toBe(`aks-dev: ${deviceCode}`);
  });

  it('stop a plugin that outlives its deadline and say which command and how long', async () => {
    const api = await fakeApi();
    const pidFile = join(dir, 'hang.pid');
    const kc = kubeconfig(api.url, {
      MODE: 'hang',
      PID_FILE: pidFile,
      STDERR: 'Waiting for the browser sign-in',
    });
    const started = performance.now();
    const error = await failure(list(client(kc.yaml, { execTimeoutMs: 700 })));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(ClusterError);
    expect(error.clusterKind).toBe('timeout');
    expect(error.message).toContain(`"${process.execPath} ${plugin}"`);
    expect(error.message).toContain('700 ms');
    expect(error.message).toContain('Waiting for the browser sign-in');
    expect(kc.runs()).toBe(1); // a plugin timeout is not retried like a slow API server
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow();
    expect(api.state.seen).toHaveLength(0);
  });

  it.each([
    {
      what: 'prints something that is not JSON',
      env: { MODE: 'bad-json' },
      kind: 'unauthorized',
      says: ['did not print an ExecCredential as JSON'],
      never: 'tok-',
    },
    {
      what: 'prints an ExecCredential without a token',
      env: { MODE: 'no-token' },
      kind: 'unauthorized',
      says: ['neither a token nor both clientCertificateData and clientKeyData'],
    },
    {
      what: 'fails',
      env: { MODE: 'fail', STDERR: 'error: the refresh token expired|token=abcdef0123456789secret' },
      kind: 'unauthorized',
      says: ['exit code 3', 'the refresh token expired', 'token=[redacted]'],
      never: 'abcdef0123456789secret',
    },
  ])('name the problem when the plugin $what', async ({ env, kind, says, never }) => {
    const api = await fakeApi();
    const kc = kubeconfig(api.url, env as Record<string, string>);
    const error = await failure(list(client(kc.yaml)));
    expect(error.clusterKind).toBe(kind);
    expect(error.message).toContain('credential plugin');
    for (const s of says) expect(error.message).toContain(s);
    if (never) expect(error.message).not.toContain(never);
    expect(kc.runs()).toBe(1);
  });

  it('say the command was not found in the login shell PATH, naming both', async () => {
    const api = await fakeApi();
    const kc = kubeconfig(api.url, {}, 'switchyard-missing-auth-plugin', []);
    const loginDir = join(dir, 'login-bin');
    const provider = new ExecCredentialProvider({ loginPath: async () => loginDir });
    const error = await failure(
      list(createKubeClient(kc.yaml, { execCredentials: provider, retryBaseMs: 5 })),
    );
    expect(error.clusterKind).toBe('invalidConfig');
    expect(error.message).toContain('"switchyard-missing-auth-plugin"');
    expect(error.message).toContain("login shell's PATH");
    expect(error.message).toContain(loginDir);
  });

  it('find a plugin that only the login shell PATH has', async () => {
    const api = await fakeApi();
    const binDir = mkdtempSync(join(dir, 'login-path-'));
    const wrapper = join(binDir, 'fake-exec-plugin-on-path');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${plugin}"\n`);
    chmodSync(wrapper, 0o755);
    const kc = kubeconfig(api.url, {}, 'fake-exec-plugin-on-path', []);
    expect(process.env.PATH?.split(delimiter)).not.toContain(binDir);
    const provider = new ExecCredentialProvider({ loginPath: async () => binDir });
    await list(createKubeClient(kc.yaml, { execCredentials: provider }));
    expect(api.state.seen).toEqual(['Bearer tok-1']);
  });
});

describe('the console', () => {
  it('gets the sign-in lines as cluster:credentialMessage events, never the token', async () => {
    const api = await fakeApi();
    const kc = kubeconfig(api.url, {
      STDERR:
        'Enter the code WXYZ-9876 at https://login.example/device|reusing tok-1 tok-1-abcdefghij0123456789',
      DELAY_MS: '100',
    });
    const file = join(dir, 'engine-kubeconfig');
    writeFileSync(file, kc.yaml);
    const engine = createEngine({
      shell: 'web',
      version: 'test',
      env: { KUBECONFIG: file },
      home: dir,
      dataDir: join(dir, 'data'),
    });
    const frames: string[] = [];
    engine.hub.attach((event, payload) => frames.push(JSON.stringify({ event, payload })));
    try {
      const answer = await createDispatcher(engine.handlers).dispatch('cluster:listNamespaces', {
        context: 'aks-dev',
      });
      frames.push(JSON.stringify(answer));
      // The answer may also say which namespaces hold workloads; the namespaces themselves are what this checks.
      expect(answer).toMatchObject({ ok: true, value: { namespaces: ['default'] } });
    } finally {
      await engine.dispose();
    }
    expect(frames).toContain(
      JSON.stringify({
        event: 'cluster:credentialMessage',
        payload: { context: 'aks-dev', line: 'Enter the code WXYZ-9876 at https://login.example/device' },
      }),
    );
    expect(frames.join('\n')).not.toContain('abcdefghij0123456789');
  });
});

describe('login shell PATH', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-home-'));
  afterEach(() => rmSync(join(home, '.profile'), { force: true }));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('is what the login shell profile sets up', async () => {
    writeFileSync(join(home, '.profile'), 'PATH="/opt/from-profile/bin:$PATH"; export PATH\n');
    const path = await loginShellPath({ env: { SHELL: '/bin/sh', HOME: home, PATH: '/usr/bin:/bin' } });
    expect(path.split(delimiter)[0]).toBe('/opt/from-profile/bin');
    expect(path.split(delimiter)).toEqual(expect.arrayContaining(['/usr/bin', '/bin']));
  });

  it.each([
    { what: 'there is no such shell', shell: join(home, 'no-shell'), profile: undefined },
    { what: 'the shell hangs', shell: '/bin/sh', profile: 'sleep 30\n' },
  ])('is not used when $what', async ({ shell, profile }) => {
    if (profile) writeFileSync(join(home, '.profile'), profile);
    const started = performance.now();
    await expect(
      loginShellPath({ env: { SHELL: shell, HOME: home, PATH: '/usr/bin:/bin' }, timeoutMs: 500 }),
    ).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('falls back to the process PATH plus the usual install folders', async () => {
    const api = await fakeApi();
    const pathFile = join(dir, 'path.txt');
    const kc = kubeconfig(api.url, { PATH_FILE: pathFile });
    const provider = new ExecCredentialProvider({
      env: { ...process.env, HOME: home },
      loginPath: () => Promise.reject(new Error('no login shell')),
    });
    await list(createKubeClient(kc.yaml, { execCredentials: provider }));
    const path = readFileSync(pathFile, 'utf8').split(delimiter);
    const processPath = [...new Set(process.env.PATH!.split(delimiter))];
    expect(path.slice(0, processPath.length)).toEqual(processPath);
    expect(path).toEqual(
      expect.arrayContaining(['/usr/local/bin', '/opt/homebrew/bin', join(home, '.local/bin'), '/snap/bin']),
    );
  });
});
