import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Every fault the proxy can inject; each has its own counter. */
const FAULT_KINDS = [
  'latency',
  'serverError',
  'dropBeforeUpstream',
  'dropAfterUpstream',
  'watchCut',
  'conflict',
  'goneOnResume',
] as const;
type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * How often each fault strikes. Probabilities are ratios in [0, 1] per eligible request; a missing entry
 * means never.
 */
export interface FaultRates {
  /** Delay added before forwarding: probability and the delay range in milliseconds. */
  readonly latency?: { readonly probability: number; readonly minMs: number; readonly maxMs: number };
  /** A 500/503/504 answer without forwarding (nothing reaches the server). */
  readonly serverError?: number;
  /** The connection is destroyed before the request reaches the server. */
  readonly dropBeforeUpstream?: number;
  /**
   * The request reaches the server (a write is applied) but the connection is destroyed before the answer
   * arrives: the client cannot tell whether it happened, which is what tests idempotency.
   */
  readonly dropAfterUpstream?: number;
  /** A watch stream is cut in the middle of an event (after part of a line). */
  readonly watchCut?: number;
  /** A write (PUT, PATCH, POST, DELETE) starts a storm of `burst` consecutive 409 Conflict answers. */
  readonly conflict?: { readonly probability: number; readonly burst: number };
  /** A watch that resumes from a resourceVersion is told 410 Gone (as a watch ERROR event or as HTTP 410). */
  readonly goneOnResume?: number;
  /** Only writes are faulted (reads pass untouched), e.g. to lose exactly the answer of one write. */
  readonly writesOnly?: boolean;
}

export interface FaultProxyOptions {
  /** The API server to forward to, `http://127.0.0.1:PORT` (plain HTTP). */
  readonly upstream: string;
  readonly rates?: FaultRates;
  /** Seed of the fault dice, for a reproducible campaign. Default: random. */
  readonly seed?: number;
  /** Requests whose path matches are forwarded untouched (e.g. the sandbox's own `/_sandbox/` endpoints). */
  readonly exempt?: RegExp;
}

/** A running fault proxy; point a kubeconfig's `server` at `url`. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Faults injected so far, per kind. */
  counters(): Record<FaultKind, number>;
  /** Sum of all counters. */
  injected(): number;
  /** Requests received (faulted or not). */
  requests(): number;
  /** Replaces the fault rates (e.g. none while a step must run clean); a 409 storm under way runs its course. */
  setRates(rates: FaultRates): void;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Starts an HTTP proxy on 127.0.0.1 that forwards to a Kubernetes API server (the sandbox or any other)
 * and injects faults at the configured rates. Rejects when it cannot listen.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  let rates: FaultRates = options.rates ?? {};
  const random = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 31));
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  let received = 0;
  let conflictsLeft = 0;
  const sockets = new Set<Socket>();
  const hit = (p: number | undefined) => p !== undefined && p > 0 && random() < p;

  const server = createServer((req, res) => {
    received += 1;
    const path = req.url ?? '/';
    if (options.exempt?.test(path)) return forward(req, res, 'clean');
    const query = new URL(path, 'http://x').searchParams;
    const isWatch = query.get('watch') === 'true' || query.get('watch') === '1';
    const isWrite = WRITE_METHODS.has(req.method ?? 'GET');
    if (rates.writesOnly && !isWrite) return forward(req, res, 'clean');
    const go = () => {
      if (isWrite && conflictsLeft > 0) {
        conflictsLeft -= 1;
        counts.conflict += 1;
        return conflict(res);
      }
      if (isWrite && rates.conflict && hit(rates.conflict.probability)) {
        conflictsLeft = Math.max(0, rates.conflict.burst - 1);
        counts.conflict += 1;
        return conflict(res);
      }
      if (hit(rates.serverError)) {
        counts.serverError += 1;
        const code = [500, 503, 504][Math.floor(random() * 3)] ?? 503;
        return status(res, code, code === 504 ? 'Timeout' : 'InternalError', `injected ${code}`);
      }
      if (hit(rates.dropBeforeUpstream)) {
        counts.dropBeforeUpstream += 1;
        req.resume();
        return req.socket.destroy();
      }
      if (isWatch && query.get('resourceVersion') && hit(rates.goneOnResume)) {
        counts.goneOnResume += 1;
        return gone(res, random() < 0.5);
      }
      if (isWatch && hit(rates.watchCut)) return forward(req, res, 'cutWatch');
      if (hit(rates.dropAfterUpstream)) return forward(req, res, 'dropAnswer');
      forward(req, res, 'clean');
    };
    const lat = rates.latency;
    if (lat && hit(lat.probability)) {
      counts.latency += 1;
      setTimeout(go, lat.minMs + random() * Math.max(0, lat.maxMs - lat.minMs));
    } else go();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    mode: 'clean' | 'cutWatch' | 'dropAnswer',
  ): void {
    const headers = { ...req.headers, host: upstream.host };
    const up = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (answer) => {
        if (mode === 'dropAnswer') {
          // The server has applied the request; the client never learns the outcome.
          counts.dropAfterUpstream += 1;
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          answer.on('error', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (mode === 'cutWatch') {
          answer.once('data', (chunk: Buffer) => {
            counts.watchCut += 1;
            // Half of the first event: the client sees a torn JSON line, then the stream ends.
            let cut = Math.max(1, Math.floor(chunk.length / 2));
            if (chunk[cut - 1] === 0x0a && cut < chunk.length) cut += 1;
            res.write(chunk.subarray(0, cut), () => {
              answer.destroy();
              req.socket.destroy();
            });
          });
          return;
        }
        answer.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) status(res, 502, 'InternalError', 'the upstream API server is unreachable');
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counters: () => ({ ...counts }),
    injected: () => Object.values(counts).reduce((a, b) => a + b, 0),
    requests: () => received,
    setRates(next) {
      rates = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A Kubernetes `Status` answer. */
function status(res: ServerResponse, code: number, reason: string, message: string): void {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The API server's 409 for a write based on an outdated resourceVersion. */
function conflict(res: ServerResponse): void {
  status(
    res,
    409,
    'Conflict',
    'the object has been modified; please apply your changes to the latest version and try again (injected)',
  );
}

/** 410 Gone for a watch resume, either as the API server does it (an ERROR event in a 200 stream) or as HTTP 410. */
function gone(res: ServerResponse, asEvent: boolean): void {
  const object = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'too old resource version (injected)',
    reason: 'Expired',
    code: 410,
  };
  if (!asEvent) return status(res, 410, 'Expired', object.message);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify({ type: 'ERROR', object })}\n`);
}

/** A small seeded PRNG (mulberry32): numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
