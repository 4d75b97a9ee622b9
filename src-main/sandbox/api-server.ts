import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxWrite } from './audit.ts';
import { openApiV3 } from './openapi.ts';
import type { UserInfo } from './rbac.ts';
import { toTable, wantsTable } from './tables.ts';
import { ApiError } from './status.ts';
import { openApiV2, openApiV3Schemas } from './schema/openapi-docs.ts';
import {
  type Route,
  discoverable,
  groupInfo,
  groups,
  parseRoute,
  resourceList,
  selfSubjectReviewPath,
  withVersion,
} from './api-routes.ts';
import {
  methodNotAllowed,
  nameIn,
  notFoundPath,
  parseJson,
  queryBool,
  readBody,
  send,
  sendError,
  ser,
} from './api-http.ts';
import { createAuth } from './api-auth.ts';
import { createPodRoutes } from './api-pods.ts';
import { createReads } from './api-reads.ts';
import { createWrites } from './api-writes.ts';
import type { ApiServerDeps } from './api-context.ts';

/** Builds the request handler for the Kubernetes API, `/_sandbox/` control endpoints and `/metrics`. */
export function createApiHandler(deps: ApiServerDeps): {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  closeWatches: () => void;
  openWatches: () => string[];
} {
  const { store, clock } = deps;
  const watches = new Set<ServerResponse>();
  const requestUsers = new WeakMap<IncomingMessage, UserInfo>();
  const ctx = { deps, store, clock, watches, requestUsers };
  const { authenticate, check, proxyVerb, verbOf, accessReview, selfReview } = createAuth(ctx);
  const reads = createReads(ctx);
  const { getOrThrow, list, watch, scaleOf } = reads;
  const writes = createWrites(ctx, reads);
  const { audit, write } = writes;
  const { podProxy, serviceProxy, podLog, evict } = createPodRoutes(ctx, { ...reads, ...writes });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/metrics' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(deps.metrics());
      return;
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    const user = authenticate(req);
    requestUsers.set(req, user);
    const segments = path.split('/').filter(Boolean);
    if (segments[0] === '_sandbox') {
      // Anyone signed in may read the sandbox's clock and stats; only the admin may change its behaviour.
      if (req.method !== 'GET' && !user.groups.includes('system:masters'))
        throw new ApiError(
          403,
          'Forbidden',
          `User "${user.username}" may not change the sandbox (${req.method} /${segments.join('/')})`,
        );
      const raw = req.method === 'GET' ? Buffer.alloc(0) : await readBody(req);
      const body = raw.length > 0 ? parseJson(raw) : undefined;
      send(
        res,
        200,
        await deps.control(req.method ?? 'GET', segments.slice(1).join('/'), url.searchParams, body),
      );
      return;
    }
    if (path === '/version') {
      send(res, 200, {
        major: '1',
        minor: '31',
        gitVersion: 'v1.31.0-switchyard-sandbox',
        gitCommit: 'sandbox',
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: 'go1.22',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
      return;
    }
    if (path === '/openapi/v2') return send(res, 200, openApiV2());
    if (path.startsWith('/openapi/v3')) {
      const doc = openApiV3(path);
      if (doc === undefined) throw notFoundPath();
      return send(res, 200, openApiV3Schemas(doc));
    }
    if (path === '/api') {
      send(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }],
      });
      return;
    }
    if (path === '/apis') {
      send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(groupInfo) });
      return;
    }
    if (segments[0] !== 'api' && segments[0] !== 'apis') throw notFoundPath();
    if (
      segments[0] === 'api' &&
      segments[2] === 'namespaces' &&
      segments[4] === 'pods' &&
      segments[6] === 'proxy'
    ) {
      check(req, {
        verb: proxyVerb(req),
        group: '',
        resource: 'pods',
        subresource: 'proxy',
        namespace: segments[3]!,
        name: decodeURIComponent(segments[5]!).split(':')[0]!,
      });
      return podProxy(req, res, segments[3]!, segments[5]!);
    }
    if (
      segments[0] === 'api' &&
      segments[2] === 'namespaces' &&
      segments[4] === 'services' &&
      segments[6] === 'proxy'
    ) {
      const name = decodeURIComponent(segments[5]!).split(':')[0]!;
      check(req, {
        verb: proxyVerb(req),
        group: '',
        resource: 'services',
        subresource: 'proxy',
        namespace: segments[3]!,
        name,
      });
      return serviceProxy(req, res, segments[3]!, name);
    }
    if (path === selfSubjectReviewPath) return selfReview(req, res);
    const route = parseRoute(segments);
    if (route === 'discovery') {
      if (segments[0] === 'api' && segments[1] === 'v1' && segments.length === 2)
        return send(res, 200, resourceList('', 'v1'));
      if (segments[0] === 'apis' && segments.length === 2 && groups().includes(segments[1]!)) {
        return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...(groupInfo(segments[1]!) as object) });
      }
      if (
        segments[0] === 'apis' &&
        segments.length === 3 &&
        discoverable.some((r) => r.group === segments[1] && r.versions.includes(segments[2]!))
      ) {
        return send(res, 200, resourceList(segments[1]!, segments[2]!));
      }
      throw notFoundPath();
    }
    if (!route) throw notFoundPath();
    await serveResource(req, res, route, url.searchParams);
  }

  async function serveResource(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    q: URLSearchParams,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    if (!route.type.virtual)
      check(req, {
        verb: verbOf(req, route, q),
        group: route.type.group,
        resource: route.type.plural,
        ...(route.sub ? { subresource: route.sub } : {}),
        ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
        ...(route.name !== undefined ? { name: route.name } : {}),
      });
    if (route.type.virtual && method === 'POST') return accessReview(req, res, route);
    if (route.sub === 'log') {
      if (method !== 'GET') throw methodNotAllowed();
      return podLog(req, res, route, q);
    }
    if (route.sub === 'eviction') {
      if (method !== 'POST') throw methodNotAllowed();
      return evict(req, res, route);
    }
    if (method === 'GET') {
      if (route.type.virtual) throw methodNotAllowed();
      if (route.watchPath || (route.name === undefined && queryBool(q, 'watch')))
        return watch(req, res, route, q);
      if (route.name === undefined) return await list(res, route, q, wantsTable(req.headers.accept));
      const obj = getOrThrow(route);
      if (route.sub === 'scale') return send(res, 200, scaleOf(obj));
      // `kubectl get deploy NAME` asks for a one-row Table and shows the same columns as the list.
      if (route.sub === undefined && wantsTable(req.headers.accept))
        return send(
          res,
          200,
          toTable(
            route.type.kind,
            [obj],
            clock.now(),
            obj.metadata.resourceVersion ?? '',
            q.get('includeObject'),
          ),
        );
      return send(res, 200, ser(withVersion(obj, route.type, route.version)));
    }
    const verb: SandboxWrite['verb'] | undefined =
      method === 'POST'
        ? 'create'
        : method === 'PUT'
          ? 'update'
          : method === 'PATCH'
            ? 'patch'
            : method === 'DELETE'
              ? route.name === undefined
                ? 'deletecollection'
                : 'delete'
              : undefined;
    if (!verb) throw methodNotAllowed();
    let raw: Buffer = Buffer.alloc(0);
    let code = 500;
    try {
      raw = await readBody(req);
      const warnings: string[] = [];
      const ctx = { userAgent: req.headers['user-agent'] ?? '', warn: (m: string) => warnings.push(m) };
      const [status, body] = write(verb, route, raw, req.headers['content-type'] ?? '', q, ctx);
      code = status;
      send(res, status, body, warnings);
    } catch (err) {
      code = err instanceof ApiError ? err.code : 500;
      throw err;
    } finally {
      if (!route.type.virtual)
        audit(req, verb === 'create' ? { ...route, name: nameIn(raw) } : route, verb, raw, code);
    }
  }

  return {
    handle: (req, res) => {
      handle(req, res).catch((err: unknown) => sendError(res, err));
    },
    closeWatches: () => {
      for (const w of watches) w.end();
      watches.clear();
    },
    openWatches: () => [...watches].map((w) => w.req.url ?? ''),
  };
}
