import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKubeClient } from '../../../../src-main/adapters/kube/kube-client.ts';
import { ClusterError } from '../../../../src-main/adapters/kube/kube-errors.ts';
import { watchDeployments } from '../../../../src-main/adapters/kube/kube-watch.ts';
import { noProxyMatches, proxyFromEnv } from '../../../../src-main/adapters/kube/proxy-env.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { closeSoon, startFastSandbox } from './sandbox-fixture.ts';

describe('NO_PROXY', () => {
  it.each([
    { host: 'api.corp.example', port: '443', noProxy: '*', skip: true },
    { host: 'api.corp.example', port: '443', noProxy: '', skip: false },
    { host: 'api.corp.example', port: '443', noProxy: 'api.corp.example', skip: true },
    { host: 'api.corp.example', port: '443', noProxy: 'API.Corp.Example', skip: true },
    { host: 'api.corp.example', port: '443', noProxy: 'corp.example', skip: true },
    { host: 'corp.example', port: '443', noProxy: 'corp.example', skip: true },
    { host: 'api.corp.example', port: '443', noProxy: '.corp.example', skip: true },
    { host: 'corp.example', port: '443', noProxy: '.corp.example', skip: false },
    { host: 'api.corp.example', port: '443', noProxy: '*.corp.example', skip: true },
    { host: 'notcorp.example', port: '443', noProxy: 'corp.example', skip: false },
    { host: 'api.corp.example', port: '6443', noProxy: 'api.corp.example:6443', skip: true },
    { host: 'api.corp.example', port: '443', noProxy: 'api.corp.example:6443', skip: false },
    { host: 'api.corp.example', port: '443', noProxy: ' other.example , corp.example ', skip: true },
    { host: '10.1.2.3', port: '443', noProxy: '10.1.2.3', skip: true },
    { host: '10.1.2.3', port: '443', noProxy: '10.1.2.4', skip: false },
    { host: '10.1.2.3', port: '443', noProxy: '10.0.0.0/8', skip: true },
    { host: '11.1.2.3', port: '443', noProxy: '10.0.0.0/8', skip: false },
    { host: 'fd00::1', port: '443', noProxy: 'fd00::/8', skip: true },
    { host: 'fd00::1', port: '443', noProxy: '[fd00::1]:443', skip: true },
    { host: 'corp.example', port: '443', noProxy: '10.0.0.0/8', skip: false },
  ])('$host:$port with NO_PROXY="$noProxy" bypasses the proxy: $skip', ({ host, port, noProxy, skip }) => {
    expect(noProxyMatches(host, port, noProxy)).toBe(skip);
  });

  it.each([
    { server: 'https://api.corp.example', env: { HTTPS_PROXY: 'http://p:3128' }, proxy: 'http://p:3128' },
    { server: 'https://api.corp.example', env: { https_proxy: 'p:3128' }, proxy: 'http://p:3128' },
    {
      server: 'https://api.corp.example',
      env: { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:1' },
      proxy: 'http://upper:1',
    },
    { server: 'https://api.corp.example', env: { HTTP_PROXY: 'http://p:3128' }, proxy: undefined },
    { server: 'http://api.corp.example', env: { HTTP_PROXY: 'socks5://p:1080' }, proxy: 'socks5://p:1080' },
    {
      server: 'https://api.corp.example:6443',
      env: { HTTPS_PROXY: 'http://p:1', no_proxy: 'corp.example' },
      proxy: undefined,
    },
    // As kubectl (Go): never for localhost or a loopback address.
    { server: 'https://127.0.0.1:6443', env: { HTTPS_PROXY: 'http://p:1' }, proxy: undefined },
    { server: 'https://localhost:6443', env: { HTTPS_PROXY: 'http://p:1' }, proxy: undefined },
    { server: 'https://[::1]:6443', env: { HTTPS_PROXY: 'http://p:1' }, proxy: undefined },
  ])('$server with $env uses proxy $proxy', ({ server, env, proxy }) => {
    expect(proxyFromEnv(server, env)).toBe(proxy);
  });
});

/** A forward proxy that sends every request and tunnel to `target` (whatever host was asked for), counting them. */
async function forwardProxy(target: () => number) {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/');
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target(),
        method: req.method,
        path: url.pathname + url.search,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const upstream = connect(target(), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { seen, server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe('proxies from the environment, through a real proxy to the sandbox', () => {
  let sb: SandboxHandle;
  let proxy: Awaited<ReturnType<typeof forwardProxy>>;
  let other: Awaited<ReturnType<typeof forwardProxy>>;
  const port = () => Number(new URL(sb.url).port);
  const proxies: Server[] = [];

  beforeAll(async () => {
    sb = await startFastSandbox();
    proxy = await forwardProxy(port);
    other = await forwardProxy(port);
    proxies.push(proxy.server, other.server);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    for (const p of proxies) {
      p.closeAllConnections();
      p.close();
    }
    await closeSoon(sb);
  });

  // The server name only the proxy can resolve: reaching it at all proves the proxy was used.
  const kubeconfig = (scheme: 'http' | 'https', proxyUrl?: string) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'corp',
      clusters: [
        {
          name: 'corp',
          cluster: {
            server: `${scheme}://kube.switchyard.test:${port()}`,
            'insecure-skip-tls-verify': true,
            ...(proxyUrl ? { 'proxy-url': proxyUrl } : {}),
          },
        },
      ],
      users: [{ name: 'corp', user: { token: sb.token } }],
      contexts: [
        { name: 'corp', context: { cluster: 'corp', user: 'corp', namespace: 'platform-production' } },
      ],
    });
  const listVia = (yaml: string, env: NodeJS.ProcessEnv) => {
    const k = createKubeClient(yaml, { env, readAttempts: 1 });
    return k.read('listing namespaces', () => k.core.listNamespace());
  };

  it('HTTP_PROXY carries an http:// server’s requests', async () => {
    proxy.seen.length = 0;
    const list = await listVia(kubeconfig('http'), { HTTP_PROXY: proxy.url });
    expect(list.items.map((n) => n.metadata?.name)).toContain('platform-production');
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]).toContain(`kube.switchyard.test:${port()}`);
  });

  it('HTTPS_PROXY tunnels an https:// server’s requests', async () => {
    proxy.seen.length = 0;
    await listVia(kubeconfig('https'), { HTTPS_PROXY: proxy.url, HTTP_PROXY: other.url });
    expect(proxy.seen).toEqual([`CONNECT kube.switchyard.test:${port()}`]);
  });

  it('NO_PROXY keeps a server away from the proxy', async () => {
    proxy.seen.length = 0;
    const error = await listVia(kubeconfig('http'), {
      HTTP_PROXY: proxy.url,
      NO_PROXY: 'localhost,.switchyard.test',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).clusterKind).toBe('unreachable');
    expect(proxy.seen).toEqual([]);
  });

  it('the kubeconfig proxy-url wins over the environment', async () => {
    proxy.seen.length = 0;
    other.seen.length = 0;
    await listVia(kubeconfig('http', proxy.url), { HTTP_PROXY: other.url });
    expect(proxy.seen).toHaveLength(1);
    expect(other.seen).toEqual([]);
  });

  it('a watch goes through the same proxy', async () => {
    proxy.seen.length = 0;
    vi.stubEnv('HTTP_PROXY', proxy.url);
    vi.stubEnv('NO_PROXY', '');
    vi.stubEnv('no_proxy', '');
    let state = '';
    const handle = watchDeployments(kubeconfig('http'), {
      namespace: 'platform-production',
      onChange: () => {},
      onState: (s) => {
        state = s.state;
      },
    });
    try {
      // `watching` comes with the watch's answer, which only the proxy could get (the name does not resolve).
      await vi.waitFor(() => expect(state).toBe('watching'), { timeout: 5000 });
      // One connection for the list, one for the watch (client-node's Watch builds its own agent).
      expect(proxy.seen.length).toBeGreaterThanOrEqual(2);
    } finally {
      handle.stop();
    }
    const names = handle.items().map((d) => d.name);
    expect(names).toContain('workflow-engine');
  });
});
