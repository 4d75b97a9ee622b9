import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxBodyDepth } from '../../../src-main/sandbox/api-http.ts';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { clientsFor } from './clients.ts';

/* The preflight's access review, rehearsed: @kubernetes/client-node signed in as the sandbox's viewer. */

let sb: SandboxHandle;
let viewer: { apps: k8s.AppsV1Api; authz: k8s.AuthorizationV1Api; core: k8s.CoreV1Api };
const ns = 'platform-production';

beforeAll(async () => {
  sb = await startSandbox({ speed: 60 });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml('sandbox', { viewer: true }));
  kc.setCurrentContext('sandbox-viewer');
  viewer = {
    apps: kc.makeApiClient(k8s.AppsV1Api),
    authz: kc.makeApiClient(k8s.AuthorizationV1Api),
    core: kc.makeApiClient(k8s.CoreV1Api),
  };
});
afterAll(async () => {
  await sb.close();
});

const review = (verb: string, resource: string, group = 'apps') => ({
  spec: { resourceAttributes: { namespace: ns, verb, group, resource } },
});

describe('RBAC for a user without rights', () => {
  it('reads, and is refused a change with a 403 that names user, verb, resource and namespace', async () => {
    expect((await viewer.apps.listNamespacedDeployment({ namespace: ns })).items.length).toBeGreaterThan(0);
    const err = await viewer.apps
      .patchNamespacedDeployment(
        { name: 'workflow-engine', namespace: ns, body: { spec: { replicas: 1 } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch((e: unknown) => e as k8s.ApiException<string>);
    expect(err).toBeInstanceOf(k8s.ApiException);
    expect((err as k8s.ApiException<string>).code).toBe(403);
    expect(JSON.parse((err as k8s.ApiException<string>).body)).toMatchObject({
      reason: 'Forbidden',
      message:
        'deployments.apps "workflow-engine" is forbidden: User "sandbox-viewer" cannot patch resource "deployments" in API group "apps" in the namespace "platform-production"',
    });
    const admin = clientsFor(sb);
    expect(
      (await admin.apps.readNamespacedDeployment({ name: 'workflow-engine', namespace: ns })).spec?.replicas,
    ).toBe(20);
  });

  it('answers SelfSubjectAccessReviews from the RBAC objects, and SubjectAccessReviews for the admin', async () => {
    const ssar = (verb: string, resource: string) =>
      viewer.authz.createSelfSubjectAccessReview({ body: review(verb, resource) });
    expect((await ssar('list', 'deployments')).status?.allowed).toBe(true);
    expect((await ssar('patch', 'deployments')).status?.allowed).toBe(false);
    const admin = clientsFor(sb);
    const sar = await admin.authz.createSubjectAccessReview({
      body: { spec: { user: 'sandbox-viewer', ...review('get', 'deployments').spec } },
    });
    expect(sar.status).toMatchObject({
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "sandbox-viewer-view" of ClusterRole "view" to User "sandbox-viewer"',
    });
    // A Role granted later is honoured at once.
    await admin.objects.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'viewer-edits', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'sandbox-viewer' }],
    } as k8s.KubernetesObject);
    expect((await ssar('patch', 'deployments')).status?.allowed).toBe(true);
    const err = await viewer.authz
      .createSubjectAccessReview({ body: { spec: { user: 'x', ...review('get', 'pods', '').spec } } })
      .catch((e: unknown) => e as k8s.ApiException<string>);
    expect((err as k8s.ApiException<string>).code).toBe(403);
  });
});

describe("the sandbox's control endpoints for the viewer", () => {
  it('may read the clock but not inject a fault', async () => {
    const headers = { authorization: `Bearer ${sb.viewerToken}`, 'content-type': 'application/json' };
    expect((await fetch(`${sb.url}/_sandbox/clock`, { headers })).status).toBe(200);
    const res = await fetch(`${sb.url}/_sandbox/faults`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ service: 'workflow-engine', version: 'v1.24.0', errorRate: 1 }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toBe(
      'User "sandbox-viewer" may not change the sandbox (POST /_sandbox/faults)',
    );
  });
});

describe('request bodies', () => {
  it(`answers a body nested deeper than ${maxBodyDepth} levels with a 400, not a 500`, async () => {
    const depth = 100_000;
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const res = await fetch(`${sb.url}/api/v1/namespaces/${ns}/configmaps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('exceeded max depth');
  });
});
