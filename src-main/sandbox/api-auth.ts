import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize, forbidden, rulesFor, type RequestAttributes, type UserInfo } from './rbac.ts';
import { apiVersionOf } from './resources.ts';
import { ApiError, badRequest, invalid } from './status.ts';
import { kubeTime } from './store.ts';
import type { ApiContext } from './api-context.ts';
import { SANDBOX_USER, type Route, selfSubjectReview } from './api-routes.ts';
import { asObject, decodeBody, methodNotAllowed, queryBool, readBody, send } from './api-http.ts';

/** Who sent a request and what RBAC lets them do: authentication, impersonation, access and self reviews. */
export function createAuth(ctx: ApiContext) {
  const { deps, store, clock, requestUsers } = ctx;
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

  return { authenticate, userOf, check, proxyVerb, verbOf, accessReview, selfReview };
}
