import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src-main/app/engine.ts';
import { createSandboxProvider } from '../../src-main/app/sandbox-provider.ts';
import { errorRateCanaryText } from '../support/console.ts';
import { createDispatcher, type Dispatcher } from '../../src-main/bridge/dispatch.ts';
import { JOURNAL_FILES, verifyAudit } from '../../src-main/engine/journal/file-journal.ts';
import { startSandbox, type SandboxHandle } from '../../src-main/sandbox/sandbox.ts';

/** Every credential the engine could see; none may leave main's memory. */
const REHEARSAL_TOKEN = 'rehearsal-token-4c1f0e9d2b7a';
const CLUSTER_TOKEN = 'exec-plugin-token-8f3a6c2e1d90';
const BASIC_PASSWORD = 'basic-auth-password-77e1b2';
const CLIENT_KEY = Buffer.from(
  '-----BEGIN PRIVATE KEY-----\nclient-key-material-5d2e\n-----END PRIVATE KEY-----\n',
).toString('base64');
const SECRETS = [REHEARSAL_TOKEN, CLUSTER_TOKEN, BASIC_PASSWORD, CLIENT_KEY, 'client-key-material-5d2e'];

const home = mkdtempSync(join(tmpdir(), 'switchyard-creds-'));
const dataDir = join(home, 'data');
const frames: string[] = [];
let engine: Engine;
let dispatcher: Dispatcher;
let cluster: SandboxHandle;

/** The bridge as a shell sees it: every request and answer serialised, as it would cross IPC or the WebSocket. */
async function send(channel: string, input: unknown): Promise<unknown> {
  frames.push(JSON.stringify({ channel, input }));
  const result = await dispatcher.dispatch(channel, input);
  frames.push(JSON.stringify(result));
  return result;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

let releaseId = '';

beforeAll(async () => {
  // A "real" cluster (a sandbox in this process) reached through a kubeconfig whose user has an exec
  // plugin printing the token, plus basic auth and a client key the engine must never repeat.
  cluster = await startSandbox({ speed: 60, token: CLUSTER_TOKEN });
  const plugin = join(home, 'credential-plugin.mjs');
  writeFileSync(
    plugin,
    `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: '${CLUSTER_TOKEN}' } }));\n`,
  );
  const kubeconfig = join(home, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'staging',
      clusters: [
        { name: 'staging', cluster: { server: cluster.url, 'insecure-skip-tls-verify': true } },
        { name: 'basic', cluster: { server: cluster.url, 'insecure-skip-tls-verify': true } },
      ],
      users: [
        {
          name: 'exec-user',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: process.execPath,
              args: [plugin],
              interactiveMode: 'Never',
            },
          },
        },
        {
          name: 'basic-user',
          user: { username: 'admin', password: BASIC_PASSWORD, 'client-key-data': CLIENT_KEY },
        },
      ],
      contexts: [
        { name: 'staging', context: { cluster: 'staging', user: 'exec-user' } },
        { name: 'basic', context: { cluster: 'basic', user: 'basic-user' } },
      ],
    }),
  );
  engine = createEngine({
    shell: 'web',
    version: 'test',
    env: { KUBECONFIG: kubeconfig },
    home,
    dataDir,
    sandbox: createSandboxProvider(),
    rehearsalSandbox: { token: REHEARSAL_TOKEN },
    prometheusUrl: 'http://127.0.0.1:9/',
  });
  engine.hub.attach((event, payload) => frames.push(JSON.stringify({ event, payload })));
  dispatcher = createDispatcher(engine.handlers);
}, 60_000);

afterAll(async () => {
  await engine?.dispose();
  await cluster?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('no credential crosses the bridge or lands on disk', () => {
  it('a rehearsal, exported, listed and read back, never shows the sandbox token', async () => {
    const started = (await send('release:start', {
      mode: 'rehearse',
      context: 'sandbox',
      text: errorRateCanaryText(),
      speed: 60,
    })) as {
      ok: boolean;
      value: { id: string };
    };
    expect(started.ok, JSON.stringify(started)).toBe(true);
    releaseId = started.value.id;
    let status = 'running';
    for (let i = 0; i < 600 && status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const got = (await send('release:get', { id: releaseId })) as {
        value: { snapshot: { status: string } | null };
      };
      status = got.value.snapshot?.status ?? 'running';
    }
    expect(status).toBe('completed');
    await send('release:export', { id: releaseId, format: 'markdown' });
    await send('release:export', { id: releaseId, format: 'json' });
    await send('release:list', {});
  }, 90_000);

  it('contexts with an exec plugin, basic auth and a client key are listed and used without repeating them', async () => {
    const contexts = (await send('cluster:listContexts', {})) as { ok: boolean };
    expect(contexts.ok).toBe(true);
    const namespaces = (await send('cluster:listNamespaces', { context: 'staging' })) as {
      ok: boolean;
      value: { namespaces: string[] };
    };
    expect(namespaces.ok, JSON.stringify(namespaces)).toBe(true);
    expect(namespaces.value.namespaces).toContain('platform-production');
    // the sandbox refuses basic auth: the error must not quote the credentials either
    const refused = (await send('cluster:listNamespaces', { context: 'basic' })) as { ok: boolean };
    expect(refused.ok).toBe(false);
    // preflight reads the cluster with the plugin's token (its Prometheus is unreachable on purpose)
    await send('preflight:run', { context: 'staging', text: errorRateCanaryText() });
  }, 60_000);

  it.each(SECRETS.map((s) => [s.slice(0, 16), s]))('no bridge frame contains %s…', (_label, secret) => {
    expect(frames.length).toBeGreaterThan(10);
    const leaking = frames.filter((f) => f.includes(secret));
    expect(leaking.map((f) => f.slice(0, 300))).toEqual([]);
  });

  it('no file in the data dir (journal, audit log, health, plans) contains a credential', () => {
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.endsWith(JOURNAL_FILES.audit))).toBe(true);
    expect(files.some((f) => f.endsWith(JOURNAL_FILES.record))).toBe(true);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of SECRETS)
        expect(text.includes(secret), `${file} contains a credential`).toBe(false);
    }
  });
});

describe('audit log tamper detection', () => {
  function copyRelease(): string {
    const source = join(dataDir, 'journal', releaseId);
    const dest = join(mkdtempSync(join(home, 'tamper-')), releaseId);
    cpSync(source, dest, { recursive: true });
    return dest;
  }
  const lines = (dir: string) =>
    readFileSync(join(dir, JOURNAL_FILES.audit), 'utf8').split('\n').filter(Boolean);
  const write = (dir: string, l: string[]) =>
    writeFileSync(join(dir, JOURNAL_FILES.audit), `${l.join('\n')}\n`);

  it('the untouched log verifies', async () => {
    const v = await verifyAudit(copyRelease());
    expect(v.ok).toBe(true);
    expect(v.entries).toBeGreaterThan(3);
  });

  it.each([
    ['removing entry 2', (l: string[]) => l.filter((_, i) => i !== 1), 2],
    [
      'editing the reason of entry 3',
      (l: string[]) =>
        l.map((x, i) => (i === 2 ? x.replace(/"why":"[^"]*"/, '"why":"nothing to see here"') : x)),
      3,
    ],
    ['swapping entries 2 and 3', (l: string[]) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)], 2],
  ] as const)('%s is detected and the line named', async (_name, tamper, line) => {
    const dir = copyRelease();
    const original = lines(dir);
    const changed = tamper(original);
    expect(changed).not.toEqual(original);
    write(dir, changed);
    const v = await verifyAudit(dir);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.line).toBe(line);
      expect(v.problem).toMatch(new RegExp(`\\b${line}\\b`));
    }
  });

  it('removing the last entry is detected against the saved state', async () => {
    const dir = copyRelease();
    write(dir, lines(dir).slice(0, -1));
    const v = await verifyAudit(dir);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.problem).toMatch(/removed|rewritten/);
  });
});
