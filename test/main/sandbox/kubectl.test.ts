import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectlOutput } from './kubectl-run.ts';
import { useSandboxFolder } from './sandbox-folder.ts';

const box = useSandboxFolder('sandbox-kubectl-');
const { dir } = box;

const kubectl = (...args: string[]) => kubectlOutput(dir, ...args);

const prod = ['-n', 'platform-production'];

// The canary VirtualService of the reference runbook (weights 90/10 onto the stable and canary subsets).
const canaryVirtualService = `
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: workflow-engine, namespace: platform-production}
spec:
  hosts: [workflow-engine, api.platform.com]
  gateways: [platform-gateway, mesh]
  http:
    - name: primary
      match: [{uri: {prefix: /api/v1/workflows}}]
      route:
        - {destination: {host: workflow-engine, subset: stable}, weight: 90}
        - {destination: {host: workflow-engine, subset: canary}, weight: 10}
      timeout: 30s
      retries: {attempts: 3, perTryTimeout: 10s, retryOn: '5xx,reset,connect-failure'}
`;

describe('kubectl against the sandbox', () => {
  it('gets every served resource', async () => {
    const resources = [
      'namespaces',
      'nodes',
      'pods',
      'services',
      'endpoints',
      'events',
      'deployments',
      'replicasets',
      'jobs',
      'poddisruptionbudgets',
      'virtualservices',
      'destinationrules',
      'httproutes',
      'rollouts',
    ];
    // One kubectl call for all of them: it fails as a whole if any type is unknown to discovery.
    const out = (await kubectl('get', resources.join(','), '-A', '-o', 'name')).split('\n');
    for (const name of [
      'namespace/platform-production',
      'node/sandbox-node-1',
      'service/workflow-engine',
      'endpoints/workflow-engine',
      'deployment.apps/workflow-engine',
      'poddisruptionbudget.policy/workflow-engine-pdb',
      'virtualservice.networking.istio.io/workflow-engine',
      'destinationrule.networking.istio.io/workflow-engine',
    ]) {
      expect(out).toContain(name);
    }
    expect(out.filter((l) => l.startsWith('pod/workflow-engine-'))).toHaveLength(30);
    expect(out.filter((l) => l.startsWith('replicaset.apps/workflow-engine-'))).toHaveLength(3);
  });

  it('prints the columns kubectl users expect', async () => {
    expect(await kubectl(...prod, 'get', 'deployments')).toMatch(
      /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE[\s\S]*workflow-engine\s+20\/20\s+20\s+20\s/,
    );
    expect(await kubectl(...prod, 'get', 'pods', '-l', 'app=agent-manager')).toMatch(
      /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n(agent-manager-\S+\s+1\/1\s+Running\s+0\s+\S+\n?){3}$/,
    );
  });

  it('sets an image, waits for the rollout, and undoes it', async () => {
    await kubectl(
      ...prod,
      'set',
      'image',
      'deployment/agent-manager',
      'agent-manager=registry.platform.com/agent-manager:v1.25.0',
    );
    expect(
      await kubectl(...prod, 'rollout', 'status', 'deployment/agent-manager', '--timeout=50s'),
    ).toContain('successfully rolled out');
    expect(
      await kubectl(
        ...prod,
        'get',
        'pods',
        '-l',
        'app=agent-manager',
        '-o',
        'jsonpath={.items[*].spec.containers[0].image}',
      ),
    ).toBe(Array(3).fill('registry.platform.com/agent-manager:v1.25.0').join(' '));
    expect(await kubectl(...prod, 'rollout', 'history', 'deployment/agent-manager')).toMatch(
      /1\s+<none>\s+2\s+<none>/,
    );
    await kubectl(...prod, 'rollout', 'undo', 'deployment/agent-manager');
    expect(
      await kubectl(...prod, 'rollout', 'status', 'deployment/agent-manager', '--timeout=50s'),
    ).toContain('successfully rolled out');
    const image = await kubectl(
      ...prod,
      'get',
      'deployment',
      'agent-manager',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}',
    );
    expect(image).toBe('registry.platform.com/agent-manager:v1.24.0 3');
    const writes = box.sb
      .audit()
      .filter((w) => w.name === 'agent-manager' && w.userAgent.startsWith('kubectl'));
    expect(writes.map((w) => w.verb)).toEqual(['patch', 'patch']);
  });

  it('scales a deployment', async () => {
    await kubectl(...prod, 'scale', 'deployment/notification-service', '--replicas=5');
    expect(
      await kubectl(...prod, 'rollout', 'status', 'deployment/notification-service', '--timeout=50s'),
    ).toContain('successfully rolled out');
    expect(
      (await kubectl(...prod, 'get', 'pods', '-l', 'app=notification-service', '-o', 'name')).split('\n'),
    ).toHaveLength(5);
  });

  it.each([
    [
      'json',
      '[{"op":"replace","path":"/spec/http/0/route/0/weight","value":50},{"op":"replace","path":"/spec/http/0/route/1/weight","value":50}]',
      'virtualservice/workflow-engine',
      '{.spec.http[0].route[*].weight}',
      '50 50',
    ],
    [
      'merge',
      '{"metadata":{"labels":{"owner":"platform"}}}',
      'deployment/workflow-engine',
      '{.metadata.labels.owner}',
      'platform',
    ],
  ])('patches with --type=%s', async (type, patch, target, jsonpath, expected) => {
    await kubectl(...prod, 'patch', target, `--type=${type}`, '-p', patch);
    expect(await kubectl(...prod, 'get', target, '-o', `jsonpath=${jsonpath}`)).toBe(expected);
  });

  it("applies the runbook's canary VirtualService", async () => {
    const file = join(dir, 'vs.yaml');
    writeFileSync(file, canaryVirtualService);
    expect(await kubectl('apply', '-f', file)).toContain(
      'virtualservice.networking.istio.io/workflow-engine',
    );
    expect(
      await kubectl(
        ...prod,
        'get',
        'vs',
        'workflow-engine',
        '-o',
        'jsonpath={.spec.http[0].route[*].weight}',
      ),
    ).toBe('90 10');
    expect(await kubectl('apply', '-f', file)).toContain('unchanged');
  });

  it('says the token may do everything', async () => {
    expect(await kubectl('auth', 'can-i', 'patch', 'deployments', ...prod)).toBe('yes');
  });
});
