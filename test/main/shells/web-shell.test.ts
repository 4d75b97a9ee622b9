import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_MESSAGE_BYTES } from '../../../src-shared/bridge/contract.ts';
import { startTestConsole, type TestConsole } from '../../support/web-shell.ts';

let app: TestConsole;

beforeAll(async () => {
  app = await startTestConsole({ env: { KUBECONFIG: '/nonexistent/kubeconfig' } });
});
afterAll(async () => app?.close());

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: app.shell.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function socket(opts: { token?: string | null; origin?: string; host?: string } = {}): Promise<WebSocket> {
  const token = opts.token === undefined ? app.shell.token : opts.token;
  const url = `ws://127.0.0.1:${app.shell.port}/bridge${token ? `?token=${token}` : ''}`;
  const ws = new WebSocket(url, {
    origin: opts.origin ?? `http://127.0.0.1:${app.shell.port}`,
    headers: opts.host ? { host: opts.host } : {},
    maxPayload: 64 * MAX_MESSAGE_BYTES,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function ask(
  ws: WebSocket,
  raw: string | Buffer,
  id: number | null,
): Promise<{
  id: unknown;
  result: { ok: boolean; error?: { kind: string; message: string }; value?: unknown };
}> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { type: string; id: unknown; result: never };
      if (msg.type === 'result' && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(raw);
  });
}

describe('web shell access control', () => {
  it('listens on 127.0.0.1 only and prints a URL with the token', () => {
    expect(app.shell.url).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${app.shell.port}/\\?token=[A-Za-z0-9_-]{32}$`),
    );
  });

  it('refuses the page without the token, and with a wrong one', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    expect((await get(`/assets/x.js`)).status).toBe(401);
  });

  it('serves the page with the token, with a CSP and an HttpOnly cookie', async () => {
    const r = await get(`/?token=${app.shell.token}`, { host: `127.0.0.1:${app.shell.port}` });
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/<div id="root">/);
    expect(String(r.headers['content-security-policy'])).toMatch(/script-src 'self'(;|$)/);
    expect(String(r.headers['content-security-policy'])).not.toMatch(/unsafe-eval/);
    expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const r = await get(`/?token=${app.shell.token}`, { host: `evil.example:${app.shell.port}` });
    expect(r.status).toBe(421);
  });

  it('refuses path traversal out of the renderer folder', async () => {
    const r = await get(`/..%2f..%2fpackage.json?token=${app.shell.token}`);
    expect(r.status).toBe(404);
  });

  it.each([
    ['no token', { token: null }],
    ['a wrong token', { token: 'x'.repeat(32) }],
    ['another Origin', { origin: 'https://evil.example' }],
    ['a foreign Host', { host: 'evil.example' }],
  ])('refuses the socket with %s', async (_label, opts) => {
    await expect(socket(opts)).rejects.toThrow(/403|refused/);
  });
});

describe('web shell bridge', () => {
  it('answers malformed messages with typed errors and keeps serving', async () => {
    const ws = await socket();
    expect((await ask(ws, 'not json', null)).result.error?.kind).toBe('badRequest');
    expect((await ask(ws, '[1,2]', null)).result.error?.kind).toBe('unknownChannel');
    expect(
      (await ask(ws, JSON.stringify({ id: 1, channel: 'cluster:nuke', input: {} }), 1)).result.error?.kind,
    ).toBe('unknownChannel');
    expect(
      (await ask(ws, JSON.stringify({ id: 2, channel: 'cluster:listNamespaces', input: { context: 5 } }), 2))
        .result.error?.kind,
    ).toBe('badRequest');
    const big = JSON.stringify({
      id: 3,
      channel: 'cluster:listNamespaces',
      input: { context: 'x'.repeat(2 * MAX_MESSAGE_BYTES) },
    });
    expect((await ask(ws, big, 3)).result.error?.kind).toBe('tooLarge');
    const ok = await ask(ws, JSON.stringify({ id: 4, channel: 'app:info', input: {} }), 4);
    expect(ok.result).toEqual({ ok: true, value: { version: 'test', shell: 'web' } });
    ws.close();
  });

  it('reports an unreadable kubeconfig in plain words instead of failing', async () => {
    const ws = await socket();
    const r = await ask(ws, JSON.stringify({ id: 9, channel: 'cluster:listContexts', input: {} }), 9);
    expect(r.result.ok).toBe(true);
    expect(JSON.stringify(r.result.value)).toMatch(/nonexistent\/kubeconfig.*does not exist/);
    ws.close();
  });
});
