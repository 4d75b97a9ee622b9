import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from '../../../src-shared/bridge/contract.ts';
import type { Dispatcher, EventHub } from '../../bridge/dispatch.ts';

export interface WebShellOptions {
  readonly dispatcher: Dispatcher;
  readonly hub: EventHub;
  /** The built renderer (index.html and assets). */
  readonly rendererDir: string;
  /** 0 or undefined picks a free port. */
  readonly port?: number;
  /** Fixed token for tests; a random one per start otherwise. */
  readonly token?: string;
}

export interface WebShell {
  /** `http://127.0.0.1:PORT/?token=…`: the one URL that opens the console. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const COOKIE = 'switchyard_token';
/** Frames above the bridge limit are cut by the socket itself; below it the dispatcher answers `tooLarge`. */
const SOCKET_MAX_BYTES = 8 * MAX_MESSAGE_BYTES;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Serves the renderer and the bridge on 127.0.0.1 only. The page needs the per-start token (in
 * the URL once, then an HttpOnly SameSite=Strict cookie); the socket needs the token, a matching
 * Origin and a Host naming this loopback port, which also defeats DNS rebinding.
 */
export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  let port = 0;

  const hostOk = (req: IncomingMessage): boolean => {
    const host = req.headers.host ?? '';
    return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  };
  const tokenOk = (req: IncomingMessage): boolean => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const given = url.searchParams.get('token') ?? readCookie(req.headers.cookie, COOKIE);
    if (!given) return false;
    const buf = Buffer.from(given);
    return buf.length === tokenBuf.length && timingSafeEqual(buf, tokenBuf);
  };

  const indexPath = join(options.rendererDir, 'index.html');
  if (!existsSync(indexPath)) throw new Error(`The console is not built: ${indexPath} is missing.`);

  const server = createServer((req, res) => {
    if (!hostOk(req)) return refuse(res, 421, 'This console answers only on 127.0.0.1.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    if (!tokenOk(req))
      return refuse(
        res,
        401,
        'Open the console with the URL Switchyard printed; it carries the access token.',
      );
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
    const file = normalize(join(options.rendererDir, path));
    if (!file.startsWith(options.rendererDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      return refuse(res, 404, 'Not found.');
    }
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (file === indexPath) {
      headers['content-security-policy'] = contentSecurityPolicy(port);
      headers['x-frame-options'] = 'DENY';
      headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
      return;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: SOCKET_MAX_BYTES });
  const sockets = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const originOk =
      req.headers.origin === `http://127.0.0.1:${port}` || req.headers.origin === `http://localhost:${port}`;
    if (url.pathname !== '/bridge' || !hostOk(req) || !originOk || !tokenOk(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data, isBinary) => void onMessage(ws, data as Buffer, isBinary));
    });
  });

  async function onMessage(ws: WebSocket, data: Buffer, isBinary: boolean): Promise<void> {
    let id: unknown = null;
    let result: unknown;
    try {
      if (isBinary) throw new SyntaxError('binary frames are not accepted');
      const text = data.toString('utf8');
      if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
        // Answer without parsing; the id is best effort from the head of the message.
        id = /^\{"id":(\d{1,15})/.exec(text)?.[1] ?? null;
        id = id === null ? null : Number(id);
        result = await options.dispatcher.dispatch(
          /"channel":"([^"]{1,80})"/.exec(text)?.[1] ?? '',
          null,
          Buffer.byteLength(text),
        );
      } else {
        const msg = JSON.parse(text) as { id?: unknown; channel?: unknown; input?: unknown };
        if (typeof msg !== 'object' || msg === null) throw new SyntaxError('a message must be a JSON object');
        id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
        result = await options.dispatcher.dispatch(msg.channel, msg.input, Buffer.byteLength(text));
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      result = {
        ok: false,
        error: { kind: 'badRequest', message: `The bridge message is not valid JSON: ${reason}` },
      };
    }
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'result', id, result }));
  }

  const detach = options.hub.attach((event, payload) => {
    const frame = JSON.stringify({ type: 'event', event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      detach();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The page's CSP: own scripts only, no eval, no remote origins; the socket back to this port. */
function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // recharts and React set style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}
