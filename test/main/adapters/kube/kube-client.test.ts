import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createKubeClient } from '../../../../src-main/adapters/kube/kube-client.ts';
import { ClusterError } from '../../../../src-main/adapters/kube/kube-errors.ts';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** An API server answering the n-th request with `status(n)`. */
async function api(status: (n: number) => number): Promise<{ kubeconfig: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    const code = status(++hits);
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(
      code === 200
        ? '{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[]}'
        : `{"kind":"Status","code":${code},"message":"busy"}`,
    );
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    hits: () => hits,
    kubeconfig: `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: ctx, context: { cluster: c, user: u } }]
current-context: ctx
`,
  };
}

describe('kube client retries', () => {
  it.each([
    { what: '503 twice, then 200', status: (n: number) => (n <= 2 ? 503 : 200), ok: true, hits: 3 },
    { what: '500 every time', status: () => 500, ok: false, hits: 4 },
    { what: '404 (not transient)', status: () => 404, ok: false, hits: 1 },
    { what: '403 (not transient)', status: () => 403, ok: false, hits: 1 },
  ])('an idempotent read on $what is tried $hits time(s)', async ({ status, ok, hits }) => {
    const server = await api(status);
    const k = createKubeClient(server.kubeconfig, { retryBaseMs: 5 });
    const result = await k
      .read('listing namespaces', () => k.core.listNamespace())
      .then(
        () => 'ok',
        (e: unknown) => e,
      );
    expect(result === 'ok').toBe(ok);
    if (!ok) expect(result).toBeInstanceOf(ClusterError);
    expect(server.hits()).toBe(hits);
  });

  it('never repeats a write', async () => {
    const server = await api(() => 503);
    const k = createKubeClient(server.kubeconfig, { retryBaseMs: 5 });
    const error = await k
      .write('creating a namespace', () => k.core.createNamespace({ body: { metadata: { name: 'x' } } }))
      .catch((e: unknown) => e);
    expect((error as ClusterError).clusterKind).toBe('unreachable');
    expect((error as ClusterError).message).toMatch(/answered 503 while creating a namespace/);
    expect(server.hits()).toBe(1);
  });
});
