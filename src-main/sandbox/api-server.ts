import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { Clock } from '../ports/clock.port.ts';
import type { SandboxWrite } from './audit.ts';
import { fromServedVersion, toServedVersion } from './conversion.ts';
import { budgetState, coveredPods, evictionAllowed } from './disruption.ts';
import { openApiV3 } from './openapi.ts';
import { LogBook, containerRun, formatLines } from './pod-logs.ts';
import { defaultProfile, type BehaviourProfile } from './profiles.ts';
import { authorize, forbidden, rulesFor, type RequestAttributes, type UserInfo } from './rbac.ts';
import { toTable, wantsTable } from './tables.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, unsupportedPatchType } from './patch.ts';
import { apiVersionOf, findResource, resourceTypes, storageKey, type ResourceType } from './resources.ts';
import {
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  type KubeObject,
} from './selectors.ts';
import { schemaOf } from './schema/schemas.ts';
import { ApiError, alreadyExists, badRequest, conflict, invalid, notFound } from './status.ts';
import { kubeTime, type ObjectStore, type StoreEvent } from './store.ts';
import { serverSideApply, trackUpdate } from './apply/apply.ts';
import { checkWrite, fieldManagerOf, fieldValidationOf, warningHeader } from './schema/field-validation.ts';
import { openApiV2, openApiV3Schemas } from './schema/openapi-docs.ts';

/** Largest request body accepted, as the real API server (3 MiB). */
const maxBodyBytes = 3 * 1024 * 1024;

/** What the API handler needs from the rest of the sandbox. */
export interface ApiServerDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly token: string;
  readonly recordWrite: (w: SandboxWrite) => void;
  /** Fills defaults and validates a new or updated object of a type; throws ApiError. */
  readonly admit: (type: ResourceType, obj: KubeObject, prev: KubeObject | undefined) => KubeObject;
  /** Handles `/_sandbox/...` (already authenticated); resolves the JSON to send. */
  readonly control: (method: string, path: string, query: URLSearchParams, body: unknown) => Promise<unknown>;
  /** Prometheus exposition text for `/metrics`. */
  readonly metrics: () => string;
  /** Real milliseconds between watch bookmarks (default about a minute, as the API server sends them). */
  readonly bookmarkIntervalMs?: number;
  /** Tokens of users other than the admin (`deps.token`), whose requests RBAC decides. */
  readonly users?: readonly { readonly token: string; readonly user: UserInfo }[];
  /** How a pod's container behaves, for the lines `pods/log` serves; absent = no request lines. */
  readonly podProfile?: (pod: KubeObject) => BehaviourProfile;
}

interface Route {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  sub?: string;
  /** Reached through the legacy `/watch/` path (`/api/v1/watch/namespaces/ns/pods`), which always watches. */
  watchPath?: boolean;
}

/** Go's strconv.ParseBool, which the API server uses for `watch` and other boolean query parameters. */
function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw badRequest(`invalid value for ${name}: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

/** How often an idle watch that allows bookmarks gets one (the API server sends them about once a minute). */
const BOOKMARK_INTERVAL_MS = 60_000;

const serialized = new WeakMap<KubeObject, string>();
function ser(o: KubeObject): string {
  let s = serialized.get(o);
  if (s === undefined) {
    s = JSON.stringify(o);
    serialized.set(o, s);
  }
  return s;
}

function send(res: ServerResponse, code: number, body: unknown, warnings: readonly string[] = []): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, {
    ...(warnings.length > 0 ? { warning: warnings.map(warningHeader).join(', ') } : {}),
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  const e =
    err instanceof ApiError
      ? err
      : new ApiError(
          500,
          'InternalError',
          `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
        );
  if (!res.headersSent) send(res, e.code, e.toStatus());
  else res.end();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes)
      throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${maxBodyBytes}`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Deepest nesting of objects and arrays accepted in a body. The API server's decoder stops at 10,000; the
 * sandbox's recursive handling (clone, merge, serialise) stops earlier, so it refuses deeper bodies first.
 */
export const maxBodyDepth = 1000;

/** Throws a 400 when `value` nests deeper than `maxBodyDepth` (walked without recursion). */
function checkDepth(value: unknown): unknown {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxBodyDepth)
      throw badRequest(
        `the object provided is unrecognized: json: exceeded max depth ${maxBodyDepth} (nested objects and lists)`,
      );
    for (const child of Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return value;
}

function parseJson(raw: Buffer): unknown {
  try {
    return checkDepth(JSON.parse(raw.toString('utf8')));
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw badRequest(
      `the object provided is unrecognized: couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * SelfSubjectReview (`kubectl auth whoami`): answered here, not stored, so it lives beside the stored types
 * and is added to discovery only.
 */
const selfSubjectReview: ResourceType = {
  group: 'authentication.k8s.io',
  versions: ['v1'],
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  kind: 'SelfSubjectReview',
  namespaced: false,
  verbs: ['create'],
  virtual: true,
};
const discoverable: readonly ResourceType[] = [...resourceTypes, selfSubjectReview];
const selfSubjectReviewPath = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

/** Who every holder of the sandbox's token is. */
const SANDBOX_USER = {
  username: 'sandbox-admin',
  groups: ['system:masters', 'system:authenticated'],
} as const;

function resourceList(group: string, version: string): unknown {
  const resources = discoverable
    .filter((r) => r.group === group && r.versions.includes(version))
    .flatMap((r) => [
      {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
        storageVersionHash: createHash('sha256').update(`${group}/${r.plural}`).digest('base64').slice(0, 11),
      },
      ...(r.subresources ?? []).map((s) => ({
        name: `${r.plural}/${s}`,
        singularName: '',
        namespaced: r.namespaced,
        ...subresourceDiscovery(s, r),
      })),
    ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

/** Discovery fields of a subresource: its kind (with group and version when another group's) and verbs. */
function subresourceDiscovery(s: string, r: ResourceType): Record<string, unknown> {
  if (s === 'scale')
    return { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
  // kubectl drain evicts through policy/v1 only when discovery names that group and version here.
  if (s === 'eviction') return { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
  if (s === 'log') return { kind: 'Pod', verbs: ['get'] };
  return { kind: r.kind, verbs: ['get', 'patch', 'update'] };
}

function groupInfo(group: string): unknown {
  const versions = discoverable.find((r) => r.group === group)!.versions;
  const gv = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: gv, preferredVersion: gv[0] };
}

function groups(): string[] {
  return [...new Set(discoverable.map((r) => r.group).filter((g) => g !== ''))];
}

function parseRoute(segments: string[]): Route | 'discovery' | undefined {
  let group = '';
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') {
    if (segments.length < 2) return 'discovery';
    version = segments[1]!;
    rest = segments.slice(2);
  } else {
    if (segments.length < 3) return 'discovery';
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  }
  if (rest.length === 0) return 'discovery';
  const watchPath = rest[0] === 'watch';
  if (watchPath) rest = rest.slice(1);
  if (rest.length === 0) return undefined;
  let namespace: string | undefined;
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize') && group === '')
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = findResource(group, version, rest[0]!);
  if (!type || rest.length > 3) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  const sub = rest[2];
  if (sub !== undefined && !(type.subresources ?? []).includes(sub as 'status')) return undefined;
  if (watchPath && sub !== undefined) return undefined;
  return { type, version, namespace, name: rest[1], sub, ...(watchPath ? { watchPath } : {}) };
}

function withVersion(o: KubeObject, type: ResourceType, version: string): KubeObject {
  return toServedVersion(o, type, version);
}

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Builds the request handler for the Kubernetes API, `/_sandbox/` control endpoints and `/metrics`. */
export function createApiHandler(deps: ApiServerDeps): {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  closeWatches: () => void;
} {
  const { store, clock } = deps;
  const watches = new Set<ServerResponse>();

  /**
   * The API server's pod proxy (`GET …/pods/NAME[:PORT]/proxy/PATH`), as warm-up and smoke checks use it:
   * a ready pod answers 200 on any path, a pod that is not ready 503, as its readiness probe would.
   */
  function podProxy(req: IncomingMessage, res: ServerResponse, namespace: string, target: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new ApiError(405, 'MethodNotAllowed', `${req.method} is not allowed on the pod proxy`);
    const name = decodeURIComponent(target).split(':')[0]!;
    const pod = store.get('pods', namespace, name);
    if (!pod) throw notFound('', 'pods', name);
    const conditions =
      (pod as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
    const ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
    res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(ready ? 'ok\n' : 'not ready\n');
  }

  /**
   * The Service proxy (`…/services/NAME[:PORT]/proxy/PATH`), as the runbook's smoke and warm-up `curl`s use
   * it: one ready pod behind the Service answers (round robin), as the pod proxy does; 503 with the API
   * server's words when no pod is ready.
   */
  let proxyTurn = 0;
  function serviceProxy(req: IncomingMessage, res: ServerResponse, namespace: string, name: string): void {
    const svc = store.get('services', namespace, name);
    if (!svc) throw notFound('', 'services', name);
    const selector = svc.spec?.selector as Record<string, string> | undefined;
    const ready = selector
      ? store
          .list('pods', namespace)
          .filter(
            (p) =>
              matchesLabelSelector({ matchLabels: selector }, p.metadata.labels) &&
              !p.metadata.deletionTimestamp &&
              (p.status?.conditions ?? []).some(
                (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
              ),
          )
      : [];
    if (ready.length === 0)
      throw new ApiError(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`);
    podProxy(req, res, namespace, ready[proxyTurn++ % ready.length]!.metadata.name);
  }

  const requestUsers = new WeakMap<IncomingMessage, UserInfo>();
  const logBook = new LogBook();
  const admin: UserInfo = { username: SANDBOX_USER.username, groups: [...SANDBOX_USER.groups] };

  /** Who sent the request: the token's user, or whom an allowed impersonation names. Throws 401 or 403. */
  function authenticate(req: IncomingMessage): UserInfo {
    const auth = req.headers.authorization;
    const user =
      auth === `Bearer ${deps.token}` ? admin : deps.users?.find((u) => auth === `Bearer ${u.token}`)?.user;
    if (!user) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    const asUser = req.headers['impersonate-user'];
    const rawGroups = req.headers['impersonate-group'];
    const asGroups = (Array.isArray(rawGroups) ? rawGroups : rawGroups ? [rawGroups] : []).flatMap((g) =>
      g.split(',').map((x) => x.trim()),
    );
    if (asUser === undefined) {
      if (asGroups.length > 0) throw badRequest('requested [Impersonate-Group] without impersonating a user');
      return user;
    }
    const name = String(asUser);
    const may = (resource: string, n: string) => {
      const a: RequestAttributes = { verb: 'impersonate', group: '', resource, name: n };
      if (!authorize(store, user, a).allowed) throw forbidden(user, a);
    };
    may('users', name);
    for (const g of asGroups) may('groups', g);
    return {
      username: name,
      groups: [
        ...new Set([
          ...asGroups,
          ...(name.startsWith('system:serviceaccount:') ? ['system:serviceaccounts'] : []),
          'system:authenticated',
        ]),
      ],
    };
  }

  function userOf(req: IncomingMessage): UserInfo {
    return requestUsers.get(req) ?? admin;
  }

  /** Refuses the request with the API server's 403 unless RBAC allows it. */
  function check(req: IncomingMessage, a: RequestAttributes): void {
    const user = userOf(req);
    if (!authorize(store, user, a).allowed) throw forbidden(user, a);
  }

  function proxyVerb(req: IncomingMessage): string {
    const m = req.method ?? 'GET';
    return m === 'GET' || m === 'HEAD'
      ? 'get'
      : m === 'POST'
        ? 'create'
        : m === 'PUT'
          ? 'update'
          : m.toLowerCase();
  }

  /** The RBAC verb of a request on a resource route. */
  function verbOf(req: IncomingMessage, route: Route, q: URLSearchParams): string {
    const m = req.method ?? 'GET';
    if (m === 'GET')
      return route.watchPath || (route.name === undefined && queryBool(q, 'watch'))
        ? 'watch'
        : route.name === undefined
          ? 'list'
          : 'get';
    if (m === 'POST') return 'create';
    if (m === 'PUT') return 'update';
    if (m === 'PATCH') return 'patch';
    if (m === 'DELETE') return route.name === undefined ? 'deletecollection' : 'delete';
    return m.toLowerCase();
  }

  /** `pods/log`: the simulated container's output, with kubectl's `--tail`, `--since`, `--timestamps`, `--previous` and `-f`. */
  function podLog(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams): void {
    const pod = getOrThrow(route);
    const container = q.get('container');
    const names = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
    if (container && !names.includes(container))
      throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
    if (!container && names.length > 1)
      throw badRequest(
        `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`,
      );
    const previous = queryBool(q, 'previous');
    const run = containerRun(pod, previous);
    const profile = deps.podProfile?.(pod);
    const timestamps = queryBool(q, 'timestamps');
    const now = clock.now();
    const since = Number(q.get('sinceSeconds') ?? 0);
    const sinceTime = q.get('sinceTime');
    const from = since > 0 ? now - since * 1000 : sinceTime ? Date.parse(sinceTime) - 1 : -Infinity;
    let lines = logBook.read(pod, run, profile ?? defaultProfile, from, now);
    const tail = q.get('tailLines');
    if (tail !== null && Number(tail) >= 0) lines = lines.slice(Math.max(0, lines.length - Number(tail)));
    let text = formatLines(lines, timestamps);
    const limit = Number(q.get('limitBytes') ?? 0);
    if (limit > 0) text = Buffer.from(text).subarray(0, limit).toString('utf8');
    const follow = queryBool(q, 'follow') && !previous && run.endedMs === undefined;
    if (!follow) {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private' });
      res.end(text);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    res.write(text);
    let last = now;
    const timer = setInterval(() => {
      const current = store.get('pods', pod.metadata.namespace, pod.metadata.name);
      const later = clock.now();
      // As the kubelet's stream, following ends with the container: the pod went, or the run ended.
      if (!current || current.metadata.uid !== pod.metadata.uid) return res.end();
      const still = current.status?.containerStatuses?.[0]?.state?.running?.startedAt;
      if (!still || Date.parse(still) !== run.startedMs) return res.end();
      const more = logBook.read(current, run, deps.podProfile?.(current) ?? defaultProfile, last, later);
      last = later;
      if (more.length > 0) res.write(formatLines(more, timestamps));
    }, 500);
    watches.add(res);
    res.on('close', () => {
      clearInterval(timer);
      watches.delete(res);
    });
  }

  /**
   * `pods/eviction`: deletes the pod unless a PodDisruptionBudget over it would be broken (429 with the
   * API server's words, so `kubectl drain` waits and retries).
   */
  async function evict(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const raw = await readBody(req);
    if (raw.length > 0) {
      const body = parseJson(raw) as { kind?: string; metadata?: { name?: string } };
      if (body.metadata?.name && body.metadata.name !== route.name)
        throw badRequest(`name in URL does not match name in Eviction object`);
    }
    const pod = getOrThrow(route);
    const ns = pod.metadata.namespace;
    const budgets = store
      .list('poddisruptionbudgets.policy', ns)
      .filter((b) => b.spec?.selector && matchesLabelSelector(b.spec.selector, pod.metadata.labels));
    if (budgets.length > 1)
      throw new ApiError(
        500,
        'InternalError',
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    const budget = budgets[0];
    if (budget && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
      const state = budgetState(budget, coveredPods(budget, store.list('pods', ns)));
      if (!evictionAllowed(budget, pod, state))
        throw new ApiError(
          429,
          'TooManyRequests',
          "Cannot evict pod as it would violate the pod's disruption budget.",
          {
            causes: [
              {
                reason: 'DisruptionBudget',
                message: `The disruption budget ${budget.metadata.name} needs ${state.desired} healthy pods and has ${state.healthy} currently`,
              },
            ],
          },
        );
    }
    deleteCascade(route.type, pod, new URLSearchParams());
    send(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  /**
   * SelfSubjectAccessReview (`kubectl auth can-i`), SubjectAccessReview and SelfSubjectRulesReview
   * (`can-i --list`), answered from the RBAC objects for the requester (or, for a SubjectAccessReview, the
   * user it names). Not-resource paths are open to
   * every signed-in user, as `system:discovery` makes them on a real cluster.
   */
  async function accessReview(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const body = asObject(decodeBody(await readBody(req), req.headers['content-type'] ?? ''), route);
    const spec = (body.spec ?? {}) as {
      user?: string;
      groups?: string[];
      resourceAttributes?: Partial<RequestAttributes> & { resource?: string; subresource?: string };
      nonResourceAttributes?: { path?: string; verb?: string };
    };
    let subject = userOf(req);
    if (route.type.kind === 'SelfSubjectRulesReview') {
      const namespace = (body.spec as { namespace?: string } | undefined)?.namespace ?? '';
      return send(res, 201, {
        ...body,
        apiVersion: apiVersionOf(route.type.group, route.version),
        kind: route.type.kind,
        metadata: { ...body.metadata, creationTimestamp: null },
        status: {
          resourceRules: rulesFor(store, subject, namespace),
          nonResourceRules: [
            {
              verbs: ['get'],
              nonResourceURLs: [
                '/api',
                '/api/*',
                '/apis',
                '/apis/*',
                '/healthz',
                '/livez',
                '/openapi',
                '/openapi/*',
                '/readyz',
                '/version',
                '/version/',
              ],
            },
          ],
          incomplete: false,
        },
      });
    }
    if (route.type.kind === 'SubjectAccessReview') {
      check(req, { verb: 'create', group: route.type.group, resource: route.type.plural });
      if (!spec.user && !(spec.groups ?? []).length)
        throw invalid('SubjectAccessReview', '', [
          {
            field: 'spec.user',
            message: 'Invalid value: "": at least one of user or group must be specified',
          },
        ]);
      subject = { username: spec.user ?? '', groups: spec.groups ?? [] };
    }
    const ra = spec.resourceAttributes;
    let status: { allowed: boolean; reason?: string };
    if (ra) {
      const d = authorize(store, subject, {
        verb: ra.verb ?? '',
        group: ra.group ?? '',
        resource: ra.resource ?? '',
        ...(ra.subresource ? { subresource: ra.subresource } : {}),
        ...(ra.namespace ? { namespace: ra.namespace } : {}),
        ...(ra.name ? { name: ra.name } : {}),
      });
      status = { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
    } else if (spec.nonResourceAttributes) {
      status = { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery"' };
    } else {
      throw invalid(route.type.kind, '', [
        {
          field: 'spec.resourceAttributes',
          message:
            'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
        },
      ]);
    }
    send(res, 201, {
      ...body,
      apiVersion: apiVersionOf(route.type.group, route.version),
      kind: route.type.kind,
      metadata: { ...body.metadata, creationTimestamp: null },
      status,
    });
  }

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

  async function selfReview(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw methodNotAllowed();
    const body = asObject(decodeBody(await readBody(req), req.headers['content-type'] ?? ''), {
      type: selfSubjectReview,
      version: 'v1',
    });
    send(res, 201, {
      ...body,
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: { creationTimestamp: kubeTime(clock.now()) },
      status: { userInfo: { username: userOf(req).username, groups: [...userOf(req).groups] } },
    });
  }

  function notFoundPath(): ApiError {
    return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {
      causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }],
    });
  }

  function audit(
    req: IncomingMessage,
    route: Route,
    verb: SandboxWrite['verb'],
    raw: Buffer,
    code: number,
  ): void {
    const now = clock.now();
    deps.recordWrite({
      verb,
      resource: route.sub ? `${route.type.plural}/${route.sub}` : route.type.plural,
      group: route.type.group,
      ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
      ...(route.name !== undefined ? { name: route.name } : {}),
      digest: createHash('sha256').update(raw).digest('hex'),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'].split(';')[0]! } : {}),
      userAgent: req.headers['user-agent'] ?? '',
      timeMs: now,
      time: new Date(now).toISOString(),
      code,
    });
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

  function methodNotAllowed(): ApiError {
    return new ApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  }

  function getOrThrow(route: Route): KubeObject {
    const obj = store.get(storageKey(route.type), route.namespace, route.name!);
    if (!obj) throw notFound(route.type.group, route.type.plural, route.name!);
    return obj;
  }

  function selected(route: Route, q: URLSearchParams): KubeObject[] {
    const byLabel = parseLabelSelector(q.get('labelSelector'));
    const byField = parseFieldSelector(q.get('fieldSelector'), route.type.kind);
    return store.list(storageKey(route.type), route.namespace).filter((o) => byLabel(o) && byField(o));
  }

  /** The resourceVersion rules of a list: NotOlderThan (the default) and Exact, as far as a store without past states can. */
  function checkListVersion(q: URLSearchParams): void {
    const rvParam = q.get('resourceVersion');
    const match = q.get('resourceVersionMatch');
    if (match && !rvParam)
      throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (match && match !== 'Exact' && match !== 'NotOlderThan')
      throw badRequest(
        `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
      );
    if (!rvParam || rvParam === '0') return;
    if (!/^\d+$/.test(rvParam)) throw invalidResourceVersion(rvParam);
    const want = Number(rvParam);
    if (want > store.currentRv()) throw tooLargeResourceVersion(want);
    // The sandbox keeps no past states of a list, so an exact older version is gone, as after a compaction.
    if (match === 'Exact' && want !== store.currentRv())
      throw new ApiError(410, 'Expired', `The resourceVersion for the provided list is too old.`);
  }

  async function list(res: ServerResponse, route: Route, q: URLSearchParams, table = false): Promise<void> {
    if (!q.get('continue')) checkListVersion(q);
    const items = selected(route, q)
      .map((o) => [keyOf(o), o] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([, o]) => o);
    let start = 0;
    let rv = String(store.currentRv());
    const cont = q.get('continue');
    if (cont) {
      try {
        const c = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as { rv: string; after: string };
        rv = c.rv;
        start = items.findIndex((o) => keyOf(o) > c.after);
        if (start < 0) start = items.length;
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
    }
    const limit = Number(q.get('limit') ?? 0);
    const end = limit > 0 ? Math.min(items.length, start + limit) : items.length;
    const page = items.slice(start, end);
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    if (end < items.length) {
      metadata.continue = Buffer.from(JSON.stringify({ rv, after: keyOf(page[page.length - 1]!) })).toString(
        'base64',
      );
      metadata.remainingItemCount = items.length - end;
    }
    const apiVersion = apiVersionOf(route.type.group, route.version);
    if (table) {
      return send(
        res,
        200,
        toTable(
          route.type.kind,
          page,
          clock.now(),
          rv,
          q.get('includeObject'),
          metadata.continue as string | undefined,
        ),
      );
    }
    const head = `{"kind":"${route.type.kind}List","apiVersion":"${apiVersion}","metadata":${JSON.stringify(metadata)},"items":[`;
    if (page.length < 500) {
      send(res, 200, `${head}${page.map((o) => ser(withVersion(o, route.type, route.version))).join(',')}]}`);
      return;
    }
    // Large lists go out in chunks, so the whole text never sits in memory twice.
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    res.write(head);
    for (let i = 0; i < page.length && !res.destroyed; i += 500) {
      const chunk = page.slice(i, i + 500).map((o) => ser(withVersion(o, route.type, route.version)));
      if (!res.write(`${i === 0 ? '' : ','}${chunk.join(',')}`)) await drained(res);
    }
    res.end(']}');
  }

  function invalidResourceVersion(rv: string): ApiError {
    return badRequest(`invalid resource version: ${rv}`);
  }

  /** What the API server answers (after a short wait) when asked for a resourceVersion it has not reached. */
  function tooLargeResourceVersion(rv: number): ApiError {
    return new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${store.currentRv()}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    });
  }

  function watch(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams): void {
    const key = storageKey(route.type);
    const byLabel = parseLabelSelector(q.get('labelSelector'));
    const byField = parseFieldSelector(q.get('fieldSelector'), route.type.kind);
    const selects = (o: KubeObject) =>
      (route.namespace === undefined || o.metadata.namespace === route.namespace) &&
      (route.name === undefined || o.metadata.name === route.name) &&
      byLabel(o) &&
      byField(o);
    const bookmarks = queryBool(q, 'allowWatchBookmarks');
    const initialEvents = queryBool(q, 'sendInitialEvents');
    const match = q.get('resourceVersionMatch');
    if (initialEvents && match !== 'NotOlderThan')
      throw badRequest(
        'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      );
    if (initialEvents && !bookmarks)
      throw badRequest(
        'allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true',
      );
    if (match && !initialEvents)
      throw badRequest(
        'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      );
    const rvParam = q.get('resourceVersion');
    const from = rvParam ? Number(rvParam) : 0;
    if (rvParam && !/^\d+$/.test(rvParam)) throw invalidResourceVersion(rvParam);
    if (from > store.currentRv()) throw tooLargeResourceVersion(from);
    // As the API server's watch cache does: a change that moves an object into the selection is
    // ADDED, one that moves it out is DELETED.
    const eventType = (e: StoreEvent): StoreEvent['type'] | undefined => {
      if (e.key !== key) return undefined;
      const now = selects(e.object);
      if (e.type !== 'MODIFIED' || !e.previous) return now ? e.type : undefined;
      const before = selects(e.previous);
      if (now) return before ? 'MODIFIED' : 'ADDED';
      return before ? 'DELETED' : undefined;
    };
    // Watch lines are not cached: most events are seen once, and caching would pin every past version's text.
    const table = wantsTable(req.headers.accept);
    const line = (type: string, o: KubeObject) =>
      table
        ? `{"type":"${type}","object":${JSON.stringify(toTable(route.type.kind, [o], clock.now(), o.metadata.resourceVersion ?? '', q.get('includeObject')))}}\n`
        : `{"type":"${type}","object":${serialized.get(o) ?? JSON.stringify(withVersion(o, route.type, route.version))}}\n`;
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-cache, private',
      'transfer-encoding': 'chunked',
    });
    res.flushHeaders();
    const queue: [StoreEvent['type'] | 'BOOKMARK', KubeObject][] = [];
    const selectedNow = () =>
      selected(route, q).filter((o) => route.name === undefined || o.metadata.name === route.name);
    if (rvParam && rvParam !== '0' && !initialEvents) {
      if (from < store.oldestResumableRv()) {
        const e = new ApiError(
          410,
          'Expired',
          `too old resource version: ${rvParam} (${store.oldestResumableRv() + 1})`,
        );
        res.end(`{"type":"ERROR","object":${JSON.stringify(e.toStatus())}}\n`);
        return;
      }
      for (const e of store.eventsAfter(from)) {
        const type = eventType(e);
        if (type) queue.push([type, e.object]);
      }
    } else {
      for (const o of selectedNow()) queue.push(['ADDED', o]);
    }
    const bookmark = (initialEventsEnd: boolean): KubeObject => ({
      apiVersion: apiVersionOf(route.type.group, route.version),
      kind: route.type.kind,
      metadata: {
        name: '',
        resourceVersion: String(store.currentRv()),
        ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
      },
    });
    // A streaming list (sendInitialEvents) ends its initial events with a bookmark, as client-go's WatchList expects.
    if (initialEvents) queue.push(['BOOKMARK', bookmark(true)]);
    let pumping = false;
    // Writes queued events in batches and waits for the socket to drain, so a long replay stays small in memory.
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      while (queue.length > 0 && !res.writableEnded && !res.destroyed) {
        const batch = queue.splice(0, 500);
        if (!res.write(batch.map(([type, o]) => line(type, o)).join(''))) await drained(res);
      }
      pumping = false;
    };
    const unsubscribe = store.subscribe((e) => {
      const type = eventType(e);
      if (!type) return;
      queue.push([type, e.object]);
      if (queue.length === 1) setImmediate(() => void pump());
    });
    void pump();
    watches.add(res);
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? 0);
    const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
    const ticker = bookmarks
      ? setInterval(() => {
          queue.push(['BOOKMARK', bookmark(false)]);
          if (queue.length === 1) void pump();
        }, deps.bookmarkIntervalMs ?? BOOKMARK_INTERVAL_MS)
      : undefined;
    const done = () => {
      unsubscribe();
      watches.delete(res);
      if (timer) clearTimeout(timer);
      if (ticker) clearInterval(ticker);
    };
    req.on('close', done);
    res.on('close', done);
  }

  function scaleOf(obj: KubeObject): unknown {
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: obj.spec?.replicas ?? 0 },
      status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj.spec?.selector) },
    };
  }

  function decodeBody(raw: Buffer, contentType: string): unknown {
    if (raw.length === 0)
      throw badRequest(
        "the object provided is unrecognized: couldn't get version/kind; json parse error: unexpected end of JSON input",
      );
    if (contentType.includes('yaml')) {
      try {
        return checkDepth(parseYaml(raw.toString('utf8')));
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw badRequest(
          `error converting YAML to JSON: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    return parseJson(raw);
  }

  function asObject(v: unknown, route: Route): KubeObject {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw badRequest("the object provided is unrecognized: Object 'Kind' is missing");
    const o = v as KubeObject;
    const want = route.sub === 'scale' ? 'Scale' : route.type.kind;
    if (o.kind !== undefined && o.kind !== want)
      throw badRequest(`the object provided is unrecognized (kind ${String(o.kind)}, expected ${want})`);
    if (o.metadata === undefined || typeof o.metadata !== 'object') o.metadata = { name: '' };
    return o;
  }

  function write(
    verb: SandboxWrite['verb'],
    route: Route,
    raw: Buffer,
    contentType: string,
    q: URLSearchParams,
    ctx: { userAgent: string; warn: (message: string) => void } = { userAgent: '', warn: () => undefined },
  ): [number, unknown] {
    const { type } = route;
    const key = storageKey(type);
    const dryRun = q.get('dryRun') === 'All';
    const validation = fieldValidationOf(q);
    const manager = fieldManagerOf(q, ctx.userAgent);
    const entryVersion = apiVersionOf(type.group, route.version);
    const isApply = verb === 'patch' && contentType.split(';')[0]!.trim() === 'application/apply-patch+yaml';
    if (isApply && route.name !== undefined && !route.sub && !store.get(key, route.namespace, route.name)) {
      // Server-side apply of an absent object creates it.
      const config = asObject(decodeBody(raw, 'application/yaml'), route);
      checkWrite(type, route.version, config, undefined, validation, ctx.warn);
      if (config.metadata.name && config.metadata.name !== route.name)
        throw badRequest(
          `the name of the object (${config.metadata.name}) does not match the name on the URL (${route.name})`,
        );
      const obj = serverSideApply({
        live: undefined,
        config: { ...config, metadata: { ...config.metadata, name: route.name } },
        schema: schemaOf(type.group, route.version, type.kind),
        manager: requireApplyManager(q),
        apiVersion: entryVersion,
        force: queryBool(q, 'force'),
        time: kubeTime(clock.now()),
      }) as KubeObject;
      checkNamespace(route, obj);
      checkName(type, obj);
      obj.apiVersion = apiVersionOf(type.group, type.versions[0]!);
      obj.kind = type.kind;
      delete obj.metadata.resourceVersion;
      if (type.subresources?.includes('status') && type.plural !== 'namespaces') delete obj.status;
      const admitted = deps.admit(type, obj, undefined);
      const created = dryRun ? admitted : store.create(key, admitted);
      return [201, ser(withVersion(created, type, route.version))];
    }
    if (verb === 'create') {
      if (route.name !== undefined) throw methodNotAllowed();
      const body = asObject(decodeBody(raw, contentType), route);
      if (!type.virtual) checkWrite(type, route.version, body, undefined, validation, ctx.warn);
      const obj = fromServedVersion(body, type, route.version);
      if (!obj.metadata.name && obj.metadata.generateName)
        obj.metadata.name = `${obj.metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
      checkNamespace(route, obj);
      checkName(type, obj);
      if (store.get(key, route.namespace, obj.metadata.name))
        throw alreadyExists(type.group, type.plural, obj.metadata.name);
      obj.apiVersion = apiVersionOf(type.group, type.versions[0]!);
      obj.kind = type.kind;
      delete obj.metadata.resourceVersion;
      if (type.subresources?.includes('status') && type.plural !== 'namespaces') delete obj.status;
      const admitted = deps.admit(type, obj, undefined);
      admitted.metadata.managedFields = trackUpdate({
        prev: undefined,
        next: admitted,
        schema: schemaOf(type.group, route.version, type.kind),
        manager,
        apiVersion: entryVersion,
        time: kubeTime(clock.now()),
      });
      const created = dryRun ? admitted : store.create(key, admitted);
      return [201, ser(withVersion(created, type, route.version))];
    }
    if (verb === 'deletecollection') {
      const gone = selected(route, q).map((o) => deleteCascade(type, o, q));
      return [
        200,
        {
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type.group, route.version),
          metadata: { resourceVersion: String(store.currentRv()) },
          items: gone,
        },
      ];
    }
    if (route.name === undefined) throw methodNotAllowed();
    const prev = getOrThrow(route);
    if (verb === 'delete') {
      if (raw.length > 0) {
        const opts = parseJson(raw) as {
          preconditions?: { resourceVersion?: string; uid?: string };
          propagationPolicy?: string;
        };
        if (
          opts.preconditions?.resourceVersion &&
          opts.preconditions.resourceVersion !== prev.metadata.resourceVersion
        )
          throw conflict(type.group, type.plural, route.name);
        if (opts.propagationPolicy) q.set('propagationPolicy', opts.propagationPolicy);
      }
      const gone = dryRun ? prev : deleteCascade(type, prev, q);
      return [200, ser(withVersion(gone, type, route.version))];
    }
    let next: KubeObject;
    const current =
      route.sub === 'scale' ? (scaleOf(prev) as KubeObject) : withVersion(prev, type, route.version);
    if (verb === 'update') {
      next = asObject(decodeBody(raw, contentType), route);
      if (!route.sub) checkWrite(type, route.version, next, prev, validation, ctx.warn);
    } else if (isApply && !route.sub) {
      const config = asObject(decodeBody(raw, 'application/yaml'), route);
      checkWrite(type, route.version, config, undefined, validation, ctx.warn, true);
      next = serverSideApply({
        live: prev,
        config,
        schema: schemaOf(type.group, route.version, type.kind),
        manager: requireApplyManager(q),
        apiVersion: entryVersion,
        force: queryBool(q, 'force'),
        time: kubeTime(clock.now()),
      }) as KubeObject;
      next.metadata.resourceVersion = config.metadata.resourceVersion ?? prev.metadata.resourceVersion;
    } else {
      const mediaType = contentType.split(';')[0]!.trim();
      const patch = decodeBody(raw, mediaType);
      if (mediaType === 'application/json-patch+json') next = applyJsonPatch(current, patch);
      else if (mediaType === 'application/merge-patch+json' || mediaType === 'application/apply-patch+yaml')
        next = applyMergePatch(current as never, patch as never) as KubeObject;
      else if (mediaType === 'application/strategic-merge-patch+json') {
        if (!['', 'apps', 'batch', 'policy', 'autoscaling'].includes(type.group)) {
          throw new ApiError(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
          );
        }
        next = applyStrategicMergePatch(current as never, patch as never) as KubeObject;
      } else throw unsupportedPatchType();
      next = asObject(next, route);
      if (!route.sub) checkWrite(type, route.version, next, prev, validation, ctx.warn);
      const patchedRv = next.metadata.resourceVersion;
      if (patchedRv !== undefined && patchedRv !== current.metadata.resourceVersion && patchedRv !== '')
        throw conflict(type.group, type.plural, route.name);
      next.metadata.resourceVersion = prev.metadata.resourceVersion;
    }
    if (route.sub === undefined) next = fromServedVersion(next, type, route.version);
    if (next.metadata.name && next.metadata.name !== route.name)
      throw badRequest(
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${route.name})`,
      );
    next.metadata.name = route.name;
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== prev.metadata.resourceVersion)
      throw conflict(type.group, type.plural, route.name);
    let merged: KubeObject;
    if (route.sub === 'scale') {
      const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
      if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas))
        throw invalid('Scale', route.name, [
          {
            field: 'spec.replicas',
            message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          },
        ]);
      merged = { ...prev, spec: { ...prev.spec, replicas } };
    } else if (route.sub === 'status') {
      merged = { ...prev, status: next.status };
    } else {
      merged = {
        ...next,
        apiVersion: apiVersionOf(type.group, type.versions[0]!),
        kind: type.kind,
        metadata: {
          ...next.metadata,
          namespace: prev.metadata.namespace,
          uid: prev.metadata.uid,
          creationTimestamp: prev.metadata.creationTimestamp,
        },
      };
      if (type.subresources?.includes('status')) merged.status = prev.status;
      if (type.plural === 'namespaces') merged.spec = prev.spec;
    }
    const admitted = deps.admit(type, merged, prev);
    if (!isApply && route.sub !== 'status')
      admitted.metadata.managedFields = trackUpdate({
        prev,
        next: admitted,
        schema: schemaOf(type.group, route.version, type.kind),
        manager,
        apiVersion: entryVersion,
        time: kubeTime(clock.now()),
        ...(route.sub ? { subresource: route.sub } : {}),
      });
    const stored = dryRun ? admitted : store.replace(key, admitted);
    return [200, route.sub === 'scale' ? scaleOf(stored) : ser(withVersion(stored, type, route.version))];
  }

  /** The field manager of an apply request, which the API server requires. */
  function requireApplyManager(q: URLSearchParams): string {
    const manager = q.get('fieldManager');
    if (!manager)
      throw invalid('PatchOptions', '', [
        { field: 'fieldManager', message: 'Required value: is required for apply patch' },
      ]);
    return manager;
  }

  function checkNamespace(route: Route, obj: KubeObject): void {
    if (!route.type.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && obj.metadata.namespace !== route.namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (route.namespace === undefined) throw notFoundPath();
    obj.metadata.namespace = route.namespace;
    if (!store.get('namespaces', undefined, route.namespace))
      throw notFound('', 'namespaces', route.namespace);
  }

  function checkName(type: ResourceType, obj: KubeObject): void {
    const name = obj.metadata.name;
    if (!name)
      throw invalid(type.kind, '', [
        { field: 'metadata.name', message: 'Required value: name or generateName is required' },
      ]);
    if (!dns1123.test(name) || name.length > 253) {
      throw invalid(type.kind, name, [
        {
          field: 'metadata.name',
          message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
        },
      ]);
    }
  }

  function deleteCascade(type: ResourceType, obj: KubeObject, q: URLSearchParams): KubeObject {
    const orphan = q.get('propagationPolicy') === 'Orphan' || q.get('orphanDependents') === 'true';
    const gone = store.delete(storageKey(type), obj.metadata.namespace, obj.metadata.name)!;
    const uid = obj.metadata.uid;
    if (type.plural === 'namespaces') {
      for (const t of resourceTypes) {
        if (!t.namespaced || t.virtual) continue;
        for (const o of store.list(storageKey(t), obj.metadata.name))
          store.delete(storageKey(t), o.metadata.namespace, o.metadata.name);
      }
    }
    for (const t of resourceTypes) {
      if (!t.namespaced || t.virtual) continue;
      for (const o of store.list(storageKey(t), obj.metadata.namespace)) {
        if (!o.metadata.ownerReferences?.some((r) => r.uid === uid)) continue;
        if (orphan) {
          store.replace(storageKey(t), {
            ...o,
            metadata: {
              ...o.metadata,
              ownerReferences: o.metadata.ownerReferences.filter((r) => r.uid !== uid),
            },
          });
        } else deleteCascade(t, o, new URLSearchParams());
      }
    }
    return { ...gone, metadata: { ...gone.metadata, deletionTimestamp: kubeTime(clock.now()) } };
  }

  return {
    handle: (req, res) => {
      handle(req, res).catch((err: unknown) => sendError(res, err));
    },
    closeWatches: () => {
      for (const w of watches) w.end();
      watches.clear();
    },
  };
}

function nameIn(raw: Buffer): string | undefined {
  try {
    const name = (JSON.parse(raw.toString('utf8')) as { metadata?: { name?: unknown } }).metadata?.name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** A label selector object written as the query-string form (`app=web,tier in (a,b)`). */
function selectorString(
  sel:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
