import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { clientsFor, until } from './clients.ts';

let sb: SandboxHandle;
let c: ReturnType<typeof clientsFor>;
const ns = 'default';

function demo(name: string, replicas = 2): k8s.V1Deployment {
  return {
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: `registry.platform.com/${name}:v1.24.0` }] },
      },
    },
  };
}

function statusOf(err: unknown): { code: number; reason: string; message: string } {
  expect(err).toBeInstanceOf(k8s.ApiException);
  return JSON.parse((err as k8s.ApiException<string>).body) as {
    code: number;
    reason: string;
    message: string;
  };
}

async function raw(method: string, path: string, body?: string | Buffer, contentType = 'application/json') {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sb.token}`, 'content-type': contentType },
    ...(body !== undefined ? { body } : {}),
  });
  return {
    status: res.status,
    body: (await res.json()) as { kind: string; code: number; reason: string; message: string },
  };
}

beforeAll(async () => {
  sb = await startSandbox({ speed: 60 });
  c = clientsFor(sb);
});
afterAll(async () => {
  await sb.close();
});

describe('writes through @kubernetes/client-node', () => {
  it('creates a Deployment, refuses a second one of the same name, and runs its pods', async () => {
    const created = await c.apps.createNamespacedDeployment({ namespace: ns, body: demo('alpha') });
    expect(created.metadata?.uid).toBeTruthy();
    expect(
      statusOf(
        await c.apps
          .createNamespacedDeployment({ namespace: ns, body: demo('alpha') })
          .catch((e: unknown) => e),
      ),
    ).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
    });
    const ready = await until(async () => {
      const d = await c.apps.readNamespacedDeployment({ name: 'alpha', namespace: ns });
      return d.status?.availableReplicas === 2 ? d : undefined;
    });
    expect(ready.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
  });

  it('answers an update with a stale resourceVersion with 409 Conflict', async () => {
    const d = await c.apps.readNamespacedDeployment({ name: 'alpha', namespace: ns });
    await c.apps.patchNamespacedDeployment(
      { name: 'alpha', namespace: ns, body: { metadata: { labels: { touched: 'yes' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const err = await c.apps
      .replaceNamespacedDeployment({
        name: 'alpha',
        namespace: ns,
        body: { ...d, spec: { ...d.spec!, replicas: 3 } },
      })
      .catch((e: unknown) => e);
    expect(statusOf(err)).toMatchObject({ code: 409, reason: 'Conflict' });
    expect((await c.apps.readNamespacedDeployment({ name: 'alpha', namespace: ns })).spec?.replicas).toBe(2);
  });

  it.each([
    ['json patch', k8s.PatchStrategy.JsonPatch, [{ op: 'replace', path: '/spec/replicas', value: 4 }], 4],
    ['merge patch', k8s.PatchStrategy.MergePatch, { spec: { replicas: 5 } }, 5],
    ['strategic merge patch', k8s.PatchStrategy.StrategicMergePatch, { spec: { replicas: 1 } }, 1],
  ])('applies a %s', async (_name, type, body, replicas) => {
    const d = await c.apps.patchNamespacedDeployment(
      { name: 'alpha', namespace: ns, body },
      k8s.setHeaderOptions('Content-Type', type),
    );
    expect(d.spec?.replicas).toBe(replicas);
  });

  it('merges containers by name in a strategic merge patch (kubectl set image)', async () => {
    const d = await c.apps.patchNamespacedDeployment(
      {
        name: 'alpha',
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: {
                $setElementOrder_containers: undefined,
                containers: [{ name: 'alpha', image: 'registry.platform.com/alpha:v1.25.0' }],
              },
            },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    const container = d.spec?.template.spec?.containers[0];
    expect(container?.image).toBe('registry.platform.com/alpha:v1.25.0');
    expect(container?.terminationMessagePath).toBe('/dev/termination-log');
    expect(d.metadata?.generation).toBeGreaterThan(1);
  });

  it('refuses a strategic merge patch on a custom resource with 415', async () => {
    const r = await raw(
      'PATCH',
      '/apis/networking.istio.io/v1beta1/namespaces/platform-production/virtualservices/workflow-engine',
      '{"spec":{}}',
      'application/strategic-merge-patch+json',
    );
    expect(r).toMatchObject({ status: 415, body: { reason: 'UnsupportedMediaType' } });
  });

  it('fails a JSON patch test operation with 422 and leaves the object alone', async () => {
    const err = await c.apps
      .patchNamespacedDeployment(
        {
          name: 'alpha',
          namespace: ns,
          body: [
            { op: 'test', path: '/spec/replicas', value: 99 },
            { op: 'replace', path: '/spec/replicas', value: 7 },
          ],
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      )
      .catch((e: unknown) => e);
    expect(statusOf(err).code).toBe(422);
    expect((await c.apps.readNamespacedDeployment({ name: 'alpha', namespace: ns })).spec?.replicas).toBe(1);
  });

  it('refuses an unknown field under strict validation with 400, a wrong type with 422, and warns under the default', async () => {
    // client-node's typed APIs drop fields their models do not know, so the custom objects API carries the typo.
    const objects = c.custom;
    const vs = (name: string, extra: Record<string, unknown>) => ({
      namespace: ns,
      group: 'networking.istio.io',
      version: 'v1beta1',
      plural: 'virtualservices',
      body: {
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'VirtualService',
        metadata: { name },
        spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web' }, weight: 100 }] }] },
        ...extra,
      },
    });
    const refused = statusOf(
      await objects
        .createNamespacedCustomObject({ ...vs('strict', { specc: {} }), fieldValidation: 'Strict' })
        .catch((e: unknown) => e),
    );
    expect(refused).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(refused.message).toBe(
      'VirtualService in version "v1beta1" cannot be handled as a VirtualService: strict decoding error: unknown field "specc"',
    );
    const badWeight = vs('typed', {});
    (badWeight.body.spec.http[0]!.route[0] as { weight: unknown }).weight = 'abc';
    const invalid = statusOf(await objects.createNamespacedCustomObject(badWeight).catch((e: unknown) => e));
    expect(invalid).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(invalid.message).toContain('spec.http[0].route[0].weight: Invalid value: "string"');
    // Without fieldValidation the API server warns (Warn is its default) and drops the unknown field.
    const res = await fetch(`${sb.url}/apis/apps/v1/namespaces/${ns}/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...demo('warned'), spec: { ...demo('warned').spec, replica: 3 } }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('warning')).toBe('299 - "unknown field \\"spec.replica\\""');
    const stored = (await res.json()) as { spec: Record<string, unknown> };
    expect(stored.spec.replica).toBeUndefined();
    expect(stored.spec.replicas).toBe(2);
  });

  it('names the Go field and type of a wrong value, as the API server decoder does', async () => {
    const half = { ...demo('half'), spec: { ...demo('half').spec, replicas: 1.5 } };
    const r = await raw('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, JSON.stringify(half));
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });

  it('creates by server-side apply and records the manager in managedFields', async () => {
    const applied = await c.apps.patchNamespacedDeployment(
      { name: 'applied', namespace: ns, body: demo('applied'), fieldManager: 'release-bot' },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    );
    expect(applied.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([
      ['release-bot', 'Apply'],
    ]);
    const missingManager = await raw(
      'PATCH',
      `/apis/apps/v1/namespaces/${ns}/deployments/applied`,
      JSON.stringify(demo('applied')),
      'application/apply-patch+yaml',
    );
    expect(missingManager.status).toBe(422);
    expect(missingManager.body.message).toContain(
      'fieldManager: Required value: is required for apply patch',
    );
  });

  it('scales through the scale subresource', async () => {
    const s = await c.apps.replaceNamespacedDeploymentScale({
      name: 'alpha',
      namespace: ns,
      body: { metadata: { name: 'alpha', namespace: ns }, spec: { replicas: 3 } },
    });
    expect(s.spec?.replicas).toBe(3);
    await until(async () =>
      (await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=alpha' })).items.length === 3
        ? true
        : undefined,
    );
  });

  it('deletes a Deployment with its ReplicaSets and pods', async () => {
    await c.apps.createNamespacedDeployment({ namespace: ns, body: demo('doomed', 2) });
    await until(async () =>
      (await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=doomed' })).items.length === 2
        ? true
        : undefined,
    );
    await c.apps.deleteNamespacedDeployment({ name: 'doomed', namespace: ns });
    expect(
      (await c.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=doomed' })).items,
    ).toHaveLength(0);
    expect(
      (await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=doomed' })).items,
    ).toHaveLength(0);
  });

  it('allows every action in a SelfSubjectAccessReview', async () => {
    const r = await c.authz.createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: { verb: 'patch', group: 'apps', resource: 'deployments', namespace: ns },
        },
      },
    });
    expect(r.status?.allowed).toBe(true);
  });

  it('records every write with its verb, client and body digest', () => {
    const writes = sb.audit().filter((w) => w.name === 'alpha');
    expect(writes.map((w) => w.verb)).toEqual([
      'create',
      'create',
      'patch',
      'update',
      'patch',
      'patch',
      'patch',
      'patch',
      'patch',
      'update',
    ]);
    expect(writes[1]).toMatchObject({ code: 409, resource: 'deployments', group: 'apps', namespace: ns });
    expect(writes[writes.length - 1]).toMatchObject({ resource: 'deployments/scale', code: 200 });
    expect(writes.every((w) => /^[0-9a-f]{64}$/.test(w.digest) && w.userAgent.length > 0)).toBe(true);
    expect(sb.audit().some((w) => w.resource === 'selfsubjectaccessreviews')).toBe(false);
  });
});

describe('watch', () => {
  function collect(path: string, query: Record<string, string>) {
    const events: { type: string; name: string; rv: string; code?: number }[] = [];
    let ended: unknown = 'open';
    const ctl = c.watch.watch(
      path,
      query,
      (type, obj: k8s.KubernetesObject & { code?: number }) =>
        events.push({
          type,
          name: obj.metadata?.name ?? '',
          rv: obj.metadata?.resourceVersion ?? '',
          code: obj.code,
        }),
      (err) => (ended = err),
    );
    return { events, ended: () => ended, stop: async () => (await ctl).abort() };
  }

  it('streams changes and resumes from a resourceVersion without gaps', async () => {
    const list = await c.core.listNamespacedConfigMap({ namespace: ns });
    const w = collect(`/api/v1/namespaces/${ns}/configmaps`, {
      resourceVersion: list.metadata!.resourceVersion!,
    });
    await c.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'cm1' }, data: { a: '1' } },
    });
    await c.core.patchNamespacedConfigMap(
      { name: 'cm1', namespace: ns, body: { data: { a: '2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await c.core.deleteNamespacedConfigMap({ name: 'cm1', namespace: ns });
    await until(() => (w.events.length >= 3 ? true : undefined));
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED cm1', 'MODIFIED cm1', 'DELETED cm1']);
    await w.stop();
    const resumed = collect(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: w.events[0]!.rv });
    await until(() => (resumed.events.length >= 2 ? true : undefined));
    expect(resumed.events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    await resumed.stop();
  });

  it('reports objects entering and leaving a label-selected watch as ADDED and DELETED', async () => {
    const w = collect(`/api/v1/namespaces/${ns}/configmaps`, { labelSelector: 'team=a' });
    const relabel = (team: string) =>
      c.core.patchNamespacedConfigMap(
        { name: 'cm-team', namespace: ns, body: { metadata: { labels: { team } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    await c.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'cm-team', labels: { team: 'a' } } },
    });
    await relabel('b');
    await relabel('c');
    await relabel('a');
    await until(() => (w.events.length >= 3 ? true : undefined));
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED']);
    await w.stop();
  });

  it('filters a watch by field selector, as kubectl rollout status does', async () => {
    const w = collect(`/apis/apps/v1/namespaces/${ns}/deployments`, { fieldSelector: 'metadata.name=alpha' });
    await until(() => (w.events.length >= 1 ? true : undefined));
    expect(new Set(w.events.map((e) => e.name))).toEqual(new Set(['alpha']));
    await w.stop();
  });

  it('answers a resourceVersion older than its history with a 410 Expired event', async () => {
    // Laying down the reference scenario alone writes more than the 100 changes this sandbox keeps.
    const small = await startSandbox({ watchHistory: 100 });
    try {
      const events: { type: string; code?: number }[] = [];
      let ended = false;
      await new k8s.Watch(clientsFor(small).kc).watch(
        '/api/v1/namespaces',
        { resourceVersion: '1' },
        (type, obj: { code?: number }) => events.push({ type, code: obj.code }),
        () => (ended = true),
      );
      await until(() => (ended ? true : undefined));
      expect(events).toEqual([{ type: 'ERROR', code: 410 }]);
    } finally {
      await small.close();
    }
  });
});

describe('bad requests get the Status a real API server gives, and the sandbox keeps serving', () => {
  it.each([
    [
      'an unknown resource',
      'GET',
      '/apis/apps/v1/namespaces/default/widgets',
      undefined,
      'application/json',
      404,
      'NotFound',
    ],
    [
      'an unknown group',
      'GET',
      '/apis/example.com/v1/things',
      undefined,
      'application/json',
      404,
      'NotFound',
    ],
    [
      'malformed JSON',
      'POST',
      '/api/v1/namespaces/default/configmaps',
      '{"metadata": {',
      'application/json',
      400,
      'BadRequest',
    ],
    [
      'a wrong patch type',
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/alpha',
      '{"spec":{}}',
      'text/plain',
      415,
      'UnsupportedMediaType',
    ],
    [
      'an oversized body',
      'POST',
      '/api/v1/namespaces/default/configmaps',
      `{"data":{"x":"${'a'.repeat(3_200_000)}"}}`,
      'application/json',
      413,
      'RequestEntityTooLarge',
    ],
    [
      'an invalid name',
      'POST',
      '/api/v1/namespaces/default/configmaps',
      '{"metadata":{"name":"Bad_Name"}}',
      'application/json',
      422,
      'Invalid',
    ],
    [
      'a missing namespace',
      'POST',
      '/api/v1/namespaces/nowhere/configmaps',
      '{"metadata":{"name":"x"}}',
      'application/json',
      404,
      'NotFound',
    ],
    [
      'a bad label selector',
      'GET',
      '/api/v1/pods?labelSelector=a%20in%20(',
      undefined,
      'application/json',
      400,
      'BadRequest',
    ],
    [
      'an unsupported field selector',
      'GET',
      '/api/v1/pods?fieldSelector=spec.bogus%3Dx',
      undefined,
      'application/json',
      400,
      'BadRequest',
    ],
  ])('%s', async (_what, method, path, body, type, code, reason) => {
    const r = await raw(method, path, body, type);
    expect(r.status).toBe(code);
    expect(r.body).toMatchObject({ kind: 'Status', code, reason });
    const again = await c.core.listNamespace();
    expect(again.items.length).toBeGreaterThan(0);
  });

  it('refuses requests without the token with 401, except /metrics', async () => {
    expect((await fetch(`${sb.url}/api/v1/pods`)).status).toBe(401);
    expect((await fetch(`${sb.url}/_sandbox/audit`)).status).toBe(401);
    expect((await fetch(`${sb.url}/metrics`)).status).toBe(200);
  });
});
