import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectlResult } from './kubectl-run.ts';
import { useSandboxFolder } from './sandbox-folder.ts';

// kubectl's server-side apply, strict validation and explain against the sandbox.
const { dir } = useSandboxFolder('sandbox-apply-');

const kubectl = (...args: string[]) => kubectlResult(dir, ...args);

/** Removes what an earlier attempt of a test left (the suite retries a failed test once). */
async function fresh(...names: string[]): Promise<void> {
  await kubectl(...ns, 'delete', 'deployment', ...names, '--ignore-not-found', '--wait=false');
}

function manifest(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const ns = ['-n', 'platform-production'];

/** `kubectl apply --server-side -f path` with `flags` (a field manager, --force-conflicts). */
const applyServerSide = (path: string, ...flags: string[]) =>
  kubectl('apply', '--server-side', ...flags, '-f', path);

/**
 * The Deployment `name` in platform-production, with `replicas` if given; `app` is the image of its container
 * "app" and any YAML that follows it (more fields, more containers).
 */
function deploymentManifest(name: string, app: string, replicas?: number): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: platform-production}
spec:${replicas === undefined ? '' : `\n  replicas: ${replicas}`}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: app
          image: ${app}
`;
}

/** A Deployment with a sidecar, env and ports, as a team writes it. */
function deployment(name: string, image: string, replicas = 2): string {
  return deploymentManifest(
    name,
    `${image}
          env: [{name: LOG_LEVEL, value: info}, {name: REGION, value: eu-west-1}]
          ports: [{containerPort: 8080, name: http}, {containerPort: 9090, name: metrics}]
          readinessProbe: {httpGet: {path: /health/ready, port: 8080}}
        - name: envoy
          image: envoyproxy/envoy:v1.31.0`,
    replicas,
  );
}

/** The same Deployment as a pipeline applies it: only the image it owns. */
function imageOnly(name: string, image: string): string {
  return deploymentManifest(name, image);
}

async function getDeployment(name: string): Promise<{
  spec: {
    replicas: number;
    template: {
      spec: {
        containers: {
          name: string;
          image: string;
          env?: { name: string }[];
          ports?: { containerPort: number; protocol: string }[];
          readinessProbe?: Record<string, unknown>;
        }[];
      };
    };
  };
  metadata: { managedFields?: { manager: string; operation: string; fieldsV1: unknown }[] };
}> {
  const r = await kubectl(...ns, 'get', 'deployment', name, '-o', 'json', '--show-managed-fields');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('server-side apply', () => {
  it('creates by apply, then an image-only apply keeps the sidecar, env and ports another manager set', async () => {
    await fresh('ssa-web');
    const created = await applyServerSide(manifest('a1.yaml', deployment('ssa-web', 'web:1.0.0')));
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('deployment.apps/ssa-web serverside-applied');
    // A second manager (the release pipeline) applies only the image: the first manager owns it, so it conflicts.
    const refused = await applyServerSide(
      manifest('a2.yaml', imageOnly('ssa-web', 'web:1.1.0')),
      '--field-manager=pipeline',
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl" using apps/v1');
    expect(refused.stderr).toContain('.spec.template.spec.containers[name="app"].image');
    const forced = await applyServerSide(
      join(dir, 'a2.yaml'),
      '--field-manager=pipeline',
      '--force-conflicts',
    );
    expect(forced.code, forced.stderr).toBe(0);
    const d = await getDeployment('ssa-web');
    const [app, envoy] = d.spec.template.spec.containers;
    expect(app?.image).toBe('web:1.1.0');
    expect(envoy?.name).toBe('envoy');
    expect(app?.env?.map((e) => e.name)).toEqual(['LOG_LEVEL', 'REGION']);
    expect(app?.ports?.map((p) => [p.containerPort, p.protocol])).toEqual([
      [8080, 'TCP'],
      [9090, 'TCP'],
    ]);
    expect(d.spec.replicas).toBe(2);
    const managers = d.metadata.managedFields?.map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toEqual(['kubectl/Apply', 'pipeline/Apply']);
    const pipeline = JSON.stringify(d.metadata.managedFields?.[1]?.fieldsV1);
    expect(pipeline).toContain('"k:{\\"name\\":\\"app\\"}":{".":{},"f:image":{},"f:name":{}}');
    // The first manager lost the app's image to the forced apply, and kept the rest (the sidecar's image too).
    const first = d.metadata.managedFields?.[0]?.fieldsV1 as Record<
      string,
      Record<string, Record<string, never>>
    >;
    const containers = (
      first['f:spec']?.['f:template'] as Record<string, Record<string, Record<string, object>>>
    )['f:spec']?.['f:containers'] as Record<string, object>;
    expect(Object.keys(containers['k:{"name":"app"}']!)).not.toContain('f:image');
    expect(Object.keys(containers['k:{"name":"app"}']!)).toContain('f:env');
    expect(Object.keys(containers['k:{"name":"envoy"}']!)).toContain('f:image');
  });

  it('refuses to change replicas a client-side apply set, until forced', async () => {
    await fresh('csa-web');
    const path = manifest('b1.yaml', deployment('csa-web', 'web:1.0.0', 3));
    const first = await kubectl('apply', '-f', path);
    expect(first.code, first.stderr).toBe(0);
    const refused = await applyServerSide(manifest('b2.yaml', deployment('csa-web', 'web:1.0.0', 5)));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    expect((await getDeployment('csa-web')).spec.replicas).toBe(3);
    const forced = await applyServerSide(join(dir, 'b2.yaml'), '--force-conflicts');
    expect(forced.code, forced.stderr).toBe(0);
    expect((await getDeployment('csa-web')).spec.replicas).toBe(5);
  });

  it('removes a field the manager no longer applies', async () => {
    await fresh('drop-web');
    const withEnv = deployment('drop-web', 'web:1.0.0');
    expect((await applyServerSide(manifest('c1.yaml', withEnv))).code).toBe(0);
    const withoutRegion = withEnv.replace(', {name: REGION, value: eu-west-1}', '');
    const second = await applyServerSide(manifest('c2.yaml', withoutRegion));
    expect(second.code, second.stderr).toBe(0);
    const app = (await getDeployment('drop-web')).spec.template.spec.containers[0];
    expect(app?.env?.map((e) => e.name)).toEqual(['LOG_LEVEL']);
    // A configuration naming only the fields its manager owns (an autoscaler's replicas) needs no selector or template.
    const replicasOnly = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: drop-web, namespace: platform-production}
spec: {replicas: 4}
`;
    const scaled = await applyServerSide(
      manifest('c3.yaml', replicasOnly),
      '--field-manager=autoscaler',
      '--force-conflicts',
    );
    expect(scaled.code, scaled.stderr).toBe(0);
    const after = await getDeployment('drop-web');
    expect(after.spec.replicas).toBe(4);
    expect(after.spec.template.spec.containers.map((c) => c.name)).toEqual(['app', 'envoy']);
  });
});

describe('field validation', () => {
  it('refuses unknown fields with kubectl create, and warns under --validate=warn', async () => {
    const bad = deployment('typo-web', 'web:1.0.0')
      .replace('replicas: 2', 'replica: 2')
      .replace('image: web:1.0.0', 'image: web:1.0.0\n          imagePullPolicyy: Always');
    const path = manifest('d1.yaml', bad);
    await fresh('typo-web');
    const refused = await kubectl('create', '-f', path);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('strict decoding error: unknown field "spec.replica"');
    expect(refused.stderr).toContain('unknown field "spec.template.spec.containers[0].imagePullPolicyy"');
    expect((await kubectl(...ns, 'get', 'deployment', 'typo-web')).code).not.toBe(0);
    const warned = await kubectl('create', '--validate=warn', '-f', path);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('Warning: unknown field "spec.replica"');
    // As the API server's decoder does, the unknown fields were dropped, the rest stored.
    const stored = (await getDeployment('typo-web')) as unknown as {
      spec: { replica?: number; template: { spec: { containers: Record<string, unknown>[] } } };
    };
    expect(stored.spec.replica).toBeUndefined();
    expect(stored.spec.template.spec.containers[0]?.imagePullPolicyy).toBeUndefined();
    expect(stored.spec.template.spec.containers[0]?.image).toBe('web:1.0.0');
  });

  it('refuses a wrong type and a missing required field with the field path', async () => {
    const r = await kubectl('create', '-f', manifest('e1.yaml', deployment('type-web', '12')));
    // `image: 12` is a number in YAML.
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string',
    );
    const unnamed = await kubectl(
      'create',
      '-f',
      manifest('e3.yaml', deployment('unnamed-web', 'web:1.0.0').replace('- name: envoy', '- ')),
    );
    expect(unnamed.code).not.toBe(0);
    expect(unnamed.stderr).toContain('spec.template.spec.containers[1].name: Required value');
    const vs = `
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: bad-weights, namespace: platform-production}
spec:
  hosts: [web]
  http:
    - route:
        - {destination: {host: web, subset: stable}, weight: "abc"}
`;
    const w = await kubectl('create', '-f', manifest('e2.yaml', vs));
    expect(w.code).not.toBe(0);
    expect(w.stderr).toContain('spec.http[0].route[0].weight');
    expect(w.stderr).toContain('must be of type integer');
  });
});

describe('schemas', () => {
  it('explains a field from the OpenAPI schema', async () => {
    const r = await kubectl('explain', 'deployment.spec.strategy');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('KIND:       Deployment');
    expect(r.stdout).toContain('FIELD: strategy <DeploymentStrategy>');
    expect(r.stdout).toContain('rollingUpdate');
  });

  it('fills the defaults kubectl describe prints', async () => {
    const described = await kubectl(...ns, 'describe', 'deployment', 'ssa-web');
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/Ports:\s+8080\/TCP, 9090\/TCP/);
    expect(described.stdout).toMatch(
      /Readiness:\s+http-get http:\/\/:8080\/health\/ready delay=0s timeout=1s period=10s #success=1 #failure=3/,
    );
    const d = await getDeployment('ssa-web');
    expect(d.spec.template.spec.containers[0]?.readinessProbe).toMatchObject({
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });
});
