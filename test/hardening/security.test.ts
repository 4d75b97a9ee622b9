import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { isOpenableExternally } from '../../src-main/shells/electron/sender-guard.ts';
import { createSafeStorageSecretStore, type SafeStorageLike } from '../../src-main/app/secret-store.ts';
import {
  CONTENT_SECURITY_POLICY,
  secureWebPreferences,
} from '../../src-main/shells/electron/window-options.ts';
import { createFakeSecretStore } from '../support/fake-secret-store.ts';

const ROOT = join(import.meta.dirname, '../..');
const home = mkdtempSync(join(tmpdir(), 'switchyard-security-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('Electron window', () => {
  const prefs = secureWebPreferences('/app/preload.cjs');
  const mainText = readFileSync(join(ROOT, 'src-main/shells/electron/main.ts'), 'utf8');

  it.each([
    ['contextIsolation', true],
    ['sandbox', true],
    ['nodeIntegration', false],
    ['nodeIntegrationInWorker', false],
    ['nodeIntegrationInSubFrames', false],
    ['webSecurity', true],
    ['allowRunningInsecureContent', false],
    ['webviewTag', false],
  ] as const)('%s is %s', (key, value) => {
    expect(prefs[key]).toBe(value);
  });

  it('main.ts builds its windows from these settings and sends this CSP', () => {
    expect(mainText).toMatch(/webPreferences: secureWebPreferences\(/);
    expect(mainText).toMatch(/'Content-Security-Policy': \[CONTENT_SECURITY_POLICY\]/);
    expect(mainText).not.toMatch(/nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false/);
  });

  it('the CSP has no unsafe-eval, no remote origin and no wildcard', () => {
    const directives = CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim());
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|wss?:|\*/);
    expect(directives).toContain("script-src 'self'");
    expect(directives).toContain("object-src 'none'");
    expect(directives).toContain("frame-ancestors 'none'");
  });

  it('navigation, webviews and window.open are blocked; permission requests and checks are denied', () => {
    expect(mainText).toMatch(/'will-navigate', \(e\) => e\.preventDefault\(\)/);
    expect(mainText).toMatch(/'will-attach-webview', \(e\) => e\.preventDefault\(\)/);
    expect(mainText).toMatch(/setWindowOpenHandler\([\s\S]*?return \{ action: 'deny' \}/);
    expect(mainText).toMatch(/setPermissionRequestHandler\(\([^)]*\) => callback\(false\)\)/);
    expect(mainText).toMatch(/setPermissionCheckHandler\(\(\) => false\)/);
    expect(mainText).toMatch(/if \(isOpenableExternally\(url\)\) void shell\.openExternal\(url\)/);
  });

  it.each([
    ['https://prometheus.example/graph', true],
    ['http://prometheus.example/graph', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['smb://host/share', false],
    ['not a url', false],
  ])('openExternal %s → %s', (url, allowed) => {
    expect(isOpenableExternally(url)).toBe(allowed);
  });
});

describe('secret store', () => {
  /** safeStorage as Electron offers it: reversible with a key only the "keychain" knows. */
  function safeStorage(backend: string, available = true): SafeStorageLike {
    const key = 0x5a;
    return {
      isEncryptionAvailable: () => available,
      getSelectedStorageBackend: () => backend,
      encryptString: (s) => Buffer.from([...Buffer.from(s)].map((b) => b ^ key)),
      decryptString: (b) => Buffer.from([...b].map((x) => x ^ key)).toString(),
    };
  }
  const secret = 'https://admin:hunter2@prometheus.internal:9090';

  it('with a keychain it round-trips and the file holds no cleartext', async () => {
    const file = join(home, 'secrets-a.json');
    const store = createSafeStorageSecretStore(file, safeStorage('gnome_libsecret'));
    expect(store.protection()).toBe('os-keychain');
    await store.put('prometheus', secret);
    expect(readFileSync(file, 'utf8')).not.toContain('hunter2');
    expect(await store.get('prometheus')).toBe(secret);
    await store.delete('prometheus');
    expect(await store.get('prometheus')).toBeNull();
  });

  it.each([
    ['basic_text backend', safeStorage('basic_text')],
    ['no encryption', safeStorage('unknown', false)],
  ])('with %s it says plaintext-fallback and refuses to store', async (_name, ss) => {
    const store = createSafeStorageSecretStore(join(home, 'secrets-b.json'), ss);
    expect(store.protection()).toBe('plaintext-fallback');
    await expect(store.put('prometheus', secret)).rejects.toMatchObject({
      kind: 'forbidden',
      message: expect.stringMatching(/no keychain/),
    });
  });

  it('the fake keeps values in memory and says so', async () => {
    const fake = createFakeSecretStore();
    expect(fake.protection()).toBe('memory');
    await fake.put('a', 'b');
    expect(await fake.get('a')).toBe('b');
  });
});

describe('switchyard web as a process', () => {
  interface Served {
    child: ChildProcess;
    url: URL;
    out: () => { stdout: string; stderr: string };
  }
  const running: ChildProcess[] = [];
  afterAll(() => {
    for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
  });

  function serve(): Promise<Served> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/switchyard.mjs'), 'web'], {
        cwd: ROOT,
        env: { ...process.env, HOME: home, KUBECONFIG: join(home, 'none') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.push(child);
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`no URL in 60 s: ${stdout} ${stderr}`)), 60_000);
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const first = /^(http\S+)\n/.exec(stdout);
        if (first?.[1]) {
          clearTimeout(timer);
          resolve({ child, url: new URL(first[1]), out: () => ({ stdout, stderr }) });
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
  }

  /** fetch cannot set Host; a DNS-rebinding page's requests carry the attacker's host name. */
  function statusWithHost(url: URL, path: string, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: url.port, path, headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  }

  function bridge(url: URL, origin: string, token: string | null): Promise<'open' | 'refused'> {
    return new Promise((resolve) => {
      const target = `ws://${url.host}/bridge${token === null ? '' : `?token=${token}`}`;
      const ws = new WebSocket(target, { headers: { origin } });
      ws.on('open', () => {
        ws.send(JSON.stringify({ id: 1, channel: 'no:such', input: {} }));
        ws.send('{not json');
        setTimeout(() => {
          ws.close();
          resolve('open');
        }, 300);
      });
      ws.on('error', () => resolve('refused'));
    });
  }

  it('binds 127.0.0.1, refuses without the token or from a foreign Origin/Host, never logs the token, and makes a new one per start', async () => {
    const first = await serve();
    const token = first.url.searchParams.get('token') ?? '';
    expect(first.url.hostname).toBe('127.0.0.1');
    expect(token.length).toBeGreaterThanOrEqual(24);
    const origin = `http://127.0.0.1:${first.url.port}`;

    expect((await fetch(`${first.url.origin}/`)).status).toBe(401);
    expect(await statusWithHost(first.url, `/?token=${token}`, `evil.example:${first.url.port}`)).toBe(421);
    expect((await fetch(first.url)).status).toBe(200);
    expect(await bridge(first.url, 'http://evil.example', token)).toBe('refused');
    expect(await bridge(first.url, origin, null)).toBe('refused');
    expect(await bridge(first.url, origin, 'wrong-token')).toBe('refused');
    expect(await bridge(first.url, origin, token)).toBe('open');

    const second = await serve();
    expect(second.url.searchParams.get('token')).not.toBe(token);
    for (const s of [first, second]) {
      s.child.kill('SIGTERM');
      await new Promise((r) => s.child.once('exit', r));
    }
    const { stdout, stderr } = first.out();
    const afterUrl = stdout.split('\n').slice(1).join('\n');
    expect(afterUrl).not.toContain(token);
    expect(stderr).not.toContain(token);
  }, 120_000);
});
