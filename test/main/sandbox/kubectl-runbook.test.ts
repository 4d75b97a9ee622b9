import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectlOutput, kubectlResult as runKubectl } from './kubectl-run.ts';
import { useSandboxFolder } from './sandbox-folder.ts';

/*
 * kubectl as a runbook script or an SRE on call uses it: kinds beyond the release's own, logs, drain with a
 * PodDisruptionBudget, a read-only user, impersonation, rollout history with change causes.
 */

const box = useSandboxFolder('sandbox-kubectl-runbook-', { context: 'sandbox', viewer: true });
const { dir } = box;

const kubectlResult = (...args: string[]) => runKubectl(dir, ...args);
const kubectl = (...args: string[]) => kubectlOutput(dir, ...args);

const prod = ['-n', 'platform-production'];

/** `kubectl create deployment NAME` of two replicas of registry.platform.com/NAME:v1 in platform-production. */
const createDeployment = (name: string) =>
  kubectl(...prod, 'create', 'deployment', name, `--image=registry.platform.com/${name}:v1`, '--replicas=2');

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The runbook's analysis-templates.yaml, exactly as printed in its section "Analysis Templates". */
function runbookAnalysisTemplates(): string {
  const md = readFileSync('/work/shared/reference/deployment-strategies-runbook.md', 'utf8');
  const start = md.indexOf('# analysis-templates.yaml');
  return md.slice(start, md.indexOf('```', start));
}

describe('kubectl beyond the release kinds', () => {
  it('lists the CRDs of the custom kinds and applies the runbook analysis templates', async () => {
    const crds = await kubectl('get', 'crd', '-o', 'name');
    for (const crd of [
      'virtualservices.networking.istio.io',
      'destinationrules.networking.istio.io',
      'httproutes.gateway.networking.k8s.io',
      'gateways.gateway.networking.k8s.io',
      'rollouts.argoproj.io',
      'analysistemplates.argoproj.io',
    ])
      expect(crds).toContain(`customresourcedefinition.apiextensions.k8s.io/${crd}`);
    expect(await kubectl('get', 'crd')).toMatch(/^NAME\s+CREATED AT\n/);
    const file = join(dir, 'analysis-templates.yaml');
    writeFileSync(file, runbookAnalysisTemplates());
    expect(await kubectl('apply', '-f', file)).toContain('analysistemplate.argoproj.io/success-rate created');
    expect((await kubectl(...prod, 'get', 'analysistemplates', '-o', 'name')).split('\n')).toEqual([
      'analysistemplate.argoproj.io/error-rate',
      'analysistemplate.argoproj.io/latency-check',
      'analysistemplate.argoproj.io/success-rate',
    ]);
  });

  it('serves Secrets, ServiceAccounts, RBAC objects and Ingresses', async () => {
    await kubectl(...prod, 'create', 'secret', 'generic', 'db', '--from-literal=password=s3cret');
    await kubectl(...prod, 'create', 'serviceaccount', 'deployer');
    await kubectl(...prod, 'create', 'role', 'deployer', '--verb=get,patch', '--resource=deployments');
    await kubectl(
      ...prod,
      'create',
      'rolebinding',
      'deployer',
      '--role=deployer',
      '--serviceaccount=platform-production:deployer',
    );
    await kubectl(...prod, 'create', 'ingress', 'web', '--rule=api.platform.com/*=workflow-engine:8080');
    expect(await kubectl(...prod, 'get', 'secret', 'db')).toMatch(
      /NAME\s+TYPE\s+DATA\s+AGE\ndb\s+Opaque\s+1\s/,
    );
    expect(await kubectl(...prod, 'get', 'rolebinding', 'deployer')).toMatch(/deployer\s+Role\/deployer\s/);
    expect(await kubectl(...prod, 'get', 'ingress', 'web')).toMatch(/web\s+<none>\s+api\.platform\.com\s/);
    // The ServiceAccount may patch what its Role says, and nothing else.
    const sa = ['--as', 'system:serviceaccount:platform-production:deployer', ...prod];
    expect((await kubectlResult(...sa, 'auth', 'can-i', 'patch', 'deployments')).stdout).toBe('yes');
    expect((await kubectlResult(...sa, 'auth', 'can-i', 'delete', 'deployments')).stdout).toBe('no');
  });

  it('autoscales a Deployment on its CPU (the simulated saturation)', async () => {
    await createDeployment('busy');
    await kubectl(...prod, 'autoscale', 'deployment', 'busy', '--min=2', '--max=5', '--cpu-percent=50');
    await until('a CPU reading', async () =>
      /cpu: 40%\/50%/.test(await kubectl(...prod, 'get', 'hpa', 'busy')) ? true : undefined,
    );
    await fetch(`${box.sb.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${box.sb.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        namespace: 'platform-production',
        service: 'busy',
        version: 'v1',
        saturation: 0.9,
      }),
    });
    await until('scaled to the maximum', async () =>
      (await kubectl(...prod, 'get', 'deploy', 'busy', '-o', 'jsonpath={.spec.replicas}')) === '5'
        ? true
        : undefined,
    );
    expect(await kubectl(...prod, 'get', 'hpa', 'busy')).toMatch(
      /REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nbusy\s+Deployment\/busy\s+cpu: 90%\/50%\s+2\s+5\s+\d\s/,
    );
  });

  it('rolls out StatefulSets and DaemonSets with their pods', async () => {
    const file = join(dir, 'sets.yaml');
    writeFileSync(
      file,
      `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: queue, namespace: platform-production}
spec:
  serviceName: queue
  replicas: 3
  selector: {matchLabels: {app: queue}}
  template:
    metadata: {labels: {app: queue}}
    spec: {containers: [{name: queue, image: registry.platform.com/queue:v1}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent, namespace: platform-production}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec: {containers: [{name: agent, image: registry.platform.com/node-agent:v1}]}
`,
    );
    const sets = ['sts/queue', 'ds/node-agent'];
    /** `kubectl rollout status` of both sets, one after the other, and what each printed. */
    const rolledOut = async () => [
      await kubectl(...prod, 'rollout', 'status', sets[0]!, '--timeout=50s'),
      await kubectl(...prod, 'rollout', 'status', sets[1]!, '--timeout=50s'),
    ];
    const images = () =>
      kubectl(
        ...prod,
        'get',
        'pods',
        '-l',
        'app in (queue,node-agent)',
        '-o',
        'jsonpath={.items[*].spec.containers[0].image}',
      );
    await kubectl('apply', '-f', file);
    const [queue, agent] = await rolledOut();
    expect(queue).toContain('roll out complete: 3 new pods have been updated');
    expect(agent).toContain('daemon set "node-agent" successfully rolled out');
    expect(await kubectl(...prod, 'get', 'pods', '-l', 'app=queue', '-o', 'name')).toBe(
      'pod/queue-0\npod/queue-1\npod/queue-2',
    );
    await kubectl(...prod, 'set', 'image', 'sts/queue', 'queue=registry.platform.com/queue:v2');
    await kubectl(...prod, 'set', 'image', 'ds/node-agent', 'agent=registry.platform.com/node-agent:v2');
    await rolledOut();
    expect(await images()).not.toMatch(/:v1\b/);
    expect(await kubectl(...prod, 'get', 'sts', 'queue')).toMatch(/queue\s+3\/3\s/);
    expect(await kubectl(...prod, 'rollout', 'history', 'sts/queue')).toMatch(
      /REVISION\s+CHANGE-CAUSE\n1\s+\S+\n2\s/,
    );
    for (const set of sets) await kubectl(...prod, 'rollout', 'undo', set);
    await rolledOut();
    expect(
      await until('the old images back', async () => {
        const now = await images();
        return now.includes(':v2') || now.split(' ').length !== 6 ? undefined : now;
      }),
    ).toBe(
      'registry.platform.com/node-agent:v1 registry.platform.com/node-agent:v1 registry.platform.com/node-agent:v1 registry.platform.com/queue:v1 registry.platform.com/queue:v1 registry.platform.com/queue:v1',
    );
    expect(await kubectl(...prod, 'rollout', 'history', 'ds/node-agent')).toMatch(/\n2\s+\S+\n3\s/);
    expect(await kubectl(...prod, 'get', 'ds', 'node-agent')).toMatch(
      /node-agent\s+3\s+3\s+3\s+3\s+3\s+<none>\s/,
    );
    expect(
      await kubectl(...prod, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=workflow-engine'),
    ).toMatch(/workflow-engine-\S+\s+IPv4\s+8080,9090,9091\s+\S+ \+ 17 more\.\.\./);
  });

  it('shows one named Deployment with the list columns', async () => {
    expect(await kubectl(...prod, 'get', 'deploy', 'workflow-engine')).toMatch(
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nworkflow-engine\s+20\/20\s+20\s+20\s+\S+$/,
    );
    expect(await kubectl(...prod, 'get', 'deploy', 'workflow-engine', '-o', 'wide')).toMatch(
      /CONTAINERS\s+IMAGES[\s\S]*workflow-engine\s+registry\.platform\.com\/workflow-engine:v1\.24\.0/,
    );
  });

  it('prints what a container wrote, its tail, and follows it', async () => {
    const pod = (await kubectl(...prod, 'get', 'pods', '-l', 'app=workflow-engine', '-o', 'name')).split(
      '\n',
    )[0]!;
    const tail = (await kubectl(...prod, 'logs', pod, '--tail', '3')).split('\n');
    expect(tail).toHaveLength(3);
    for (const line of tail)
      expect(line).toMatch(/ (INFO|ERROR) GET \/api\/v1\/workflows status=\d{3} duration=\d+ms/);
    const child = spawn('kubectl', [
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      ...prod,
      'logs',
      '-f',
      '--tail',
      '0',
      pod,
    ]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      // At 60x, a request line every 2 s of sandbox time arrives many times a real second.
      await until('followed lines', async () => (out.split('\n').length > 3 ? true : undefined));
    } finally {
      child.kill();
    }
    const previous = await kubectlResult(...prod, 'logs', pod, '--previous');
    expect(previous.stderr).toContain(`previous terminated container "workflow-engine" in pod`);
  });

  it('drains a node only as far as the PodDisruptionBudget allows', async () => {
    await createDeployment('drain-me');
    await kubectl(...prod, 'create', 'pdb', 'drain-me', '--selector=app=drain-me', '--min-available=2');
    await kubectl(...prod, 'rollout', 'status', 'deployment/drain-me', '--timeout=50s');
    /** The node of each drain-me pod. */
    const nodesOfPods = async () =>
      (
        await kubectl(
          ...prod,
          'get',
          'pods',
          '-l',
          'app=drain-me',
          '-o',
          'jsonpath={.items[*].spec.nodeName}',
        )
      ).split(' ');
    const node = (await nodesOfPods())[0]!;
    const drain = ['drain', node, '--pod-selector', 'app=drain-me', '--ignore-daemonsets', '--timeout', '3s'];
    await until('the budget status', async () =>
      /MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\ndrain-me\s+2\s+N\/A\s+0\s/.test(
        await kubectl(...prod, 'get', 'pdb', 'drain-me'),
      )
        ? true
        : undefined,
    );
    const refused = await kubectlResult(...drain);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(await kubectl('get', 'node', node)).toContain('Ready,SchedulingDisabled');
    expect(
      (await kubectl(...prod, 'get', 'pods', '-l', 'app=drain-me', '-o', 'name')).split('\n'),
    ).toHaveLength(2);

    await kubectl(...prod, 'patch', 'pdb', 'drain-me', '--type=merge', '-p', '{"spec":{"minAvailable":1}}');
    expect((await kubectlResult(...drain.slice(0, -1), '30s')).stdout).toContain(`node/${node} drained`);
    expect(await nodesOfPods()).not.toContain(node);
    await kubectl('uncordon', node);
  });

  it('reaches a Service’s pods through the Service proxy', async () => {
    expect(
      await kubectl(
        'get',
        '--raw',
        '/api/v1/namespaces/platform-production/services/workflow-engine:8080/proxy/health/ready',
      ),
    ).toBe('ok');
    await kubectl(...prod, 'scale', 'deployment/agent-manager', '--replicas=0');
    await until('agent-manager gone', async () =>
      (await kubectl(...prod, 'get', 'pods', '-l', 'app=agent-manager', '-o', 'name')) === ''
        ? true
        : undefined,
    );
    const none = await kubectlResult(
      'get',
      '--raw',
      '/api/v1/namespaces/platform-production/services/agent-manager/proxy/',
    );
    expect(none.stderr).toContain('no endpoints available for service "agent-manager"');
    await kubectl(...prod, 'scale', 'deployment/agent-manager', '--replicas=3');
  });

  it('keeps each revision’s CHANGE-CAUSE, and undo keeps the Deployment’s annotations', async () => {
    const deploy = 'deployment/notification-service';
    await kubectl(
      ...prod,
      'annotate',
      deploy,
      'team=notifications',
      'kubernetes.io/change-cause=initial release',
    );
    await kubectl(...prod, 'rollout', 'status', deploy, '--timeout=50s');
    await kubectl(
      ...prod,
      'set',
      'image',
      deploy,
      'notification-service=registry.platform.com/notification-service:v1.25.0',
    );
    await kubectl(...prod, 'annotate', deploy, '--overwrite', 'kubernetes.io/change-cause=ship v1.25.0');
    await kubectl(...prod, 'rollout', 'status', deploy, '--timeout=50s');
    expect(await kubectl(...prod, 'rollout', 'history', deploy)).toMatch(
      /REVISION\s+CHANGE-CAUSE\n1\s+initial release\n2\s+ship v1\.25\.0/,
    );
    await kubectl(...prod, 'rollout', 'undo', deploy);
    await kubectl(...prod, 'rollout', 'status', deploy, '--timeout=50s');
    const annotations = JSON.parse(
      await kubectl(...prod, 'get', deploy, '-o', 'jsonpath={.metadata.annotations}'),
    ) as Record<string, string>;
    expect(annotations).toMatchObject({
      team: 'notifications',
      'kubernetes.io/change-cause': 'initial release',
    });
  });
});

describe('a user without rights', () => {
  const viewer = ['--context', 'sandbox-viewer', ...prod];

  it('may read but not change, with the API server’s 403', async () => {
    expect(await kubectl(...viewer, 'get', 'deploy', 'workflow-engine', '-o', 'name')).toBe(
      'deployment.apps/workflow-engine',
    );
    const scale = await kubectlResult(...viewer, 'scale', 'deployment/workflow-engine', '--replicas=1');
    expect(scale.code).not.toBe(0);
    expect(scale.stderr).toContain(
      'deployments.apps "workflow-engine" is forbidden: User "sandbox-viewer" cannot patch resource "deployments/scale" in API group "apps" in the namespace "platform-production"',
    );
    const secrets = await kubectlResult(...viewer, 'get', 'secrets');
    expect(secrets.stderr).toContain(
      'secrets is forbidden: User "sandbox-viewer" cannot list resource "secrets" in API group "" in the namespace "platform-production"',
    );
    expect(
      await kubectl(...prod, 'get', 'deploy', 'workflow-engine', '-o', 'jsonpath={.spec.replicas}'),
    ).toBe('20');
  });

  it('gets auth can-i answers from RBAC, for itself and through --as', async () => {
    expect((await kubectlResult(...viewer, 'auth', 'can-i', 'list', 'pods')).stdout).toBe('yes');
    const rules = await kubectl(...viewer, 'auth', 'can-i', '--list');
    expect(rules).toMatch(/\ndeployments\s+\[\]\s+\[\]\s+\[get list watch\]\n/);
    expect(rules).not.toContain('*.*');
    expect(await kubectl(...prod, 'auth', 'can-i', '--list')).toMatch(/\n\*\.\*\s+\[\]\s+\[\]\s+\[\*\]\n/);
    const no = await kubectlResult(...viewer, 'auth', 'can-i', 'patch', 'deployments');
    expect([no.code, no.stdout]).toEqual([1, 'no']);
    expect((await kubectlResult(...prod, 'auth', 'can-i', 'patch', 'deployments')).stdout).toBe('yes');
    expect(
      (await kubectlResult(...prod, '--as', 'sandbox-viewer', 'auth', 'can-i', 'patch', 'deployments'))
        .stdout,
    ).toBe('no');
    const asViewer = await kubectlResult(...prod, '--as', 'sandbox-viewer', 'delete', 'pod', 'whatever');
    expect(asViewer.stderr).toContain('User "sandbox-viewer" cannot delete resource "pods"');
    expect(
      await kubectl(...prod, '--as', 'someone', '--as-group', 'system:masters', 'auth', 'whoami'),
    ).toMatch(/Username\s+someone/);
  });

  it('may not impersonate', async () => {
    const r = await kubectlResult(...viewer, '--as', 'sandbox-admin', 'get', 'pods');
    expect(r.stderr).toContain(
      'users "sandbox-admin" is forbidden: User "sandbox-viewer" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });
});
