import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the gate saw: method, path and whether it was a watch. */
export interface SeenRequest {
  method: string;
  path: string;
  watch: boolean;
}

/** Answers some requests itself (e.g. a 403 on watches, a 404 for an API group); forwards the rest. */
export interface GateProxy {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly seen: SeenRequest[];
  /** A kubeconfig for the upstream sandbox whose server is this proxy. */
  kubeconfig(sandboxKubeconfig: string): string;
  close(): Promise<void>;
}

/** A rule: when `match` says so, answer with this status and a Kubernetes Status body. */
export interface GateRule {
  match(r: SeenRequest): boolean;
  status: number;
}

/** Starts a forwarding proxy on 127.0.0.1 (on `port`, default a free one) in front of a plain-HTTP API server (the sandbox's `url`). */
export async function startGateProxy(upstream: string, rules: GateRule[], port = 0): Promise<GateProxy> {
  const target = new URL(upstream);
  const seen: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://gate');
    const r = {
      method: req.method ?? 'GET',
      path: url.pathname,
      watch: url.searchParams.get('watch') === 'true',
    };
    seen.push(r);
    const rule = rules.find((x) => x.match(r));
    if (rule) {
      const body = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: rule.status,
        message: `gate answered ${rule.status}`,
      });
      res.writeHead(rule.status, { 'content-type': 'application/json' });
      res.end(body);
      return;
    }
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // A watch sends its headers before any event: pass them on at once, as the API server does.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    kubeconfig: (yaml) => yaml.replace(/server: \S+/, `server: ${url}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
