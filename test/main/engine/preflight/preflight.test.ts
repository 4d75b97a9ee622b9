import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubePreflightCluster } from '../../../../src-main/adapters/kube/preflight-cluster.ts';
import { createSandboxAnalysis } from '../../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { runPreflight } from '../../../../src-main/engine/preflight/preflight.ts';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { defaultPlan } from '../../../../src-shared/plan/plan.defaults.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import { PreflightResultSchema } from '../../../../src-shared/preflight/preflight.schema.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';

const NS = 'platform-production';
let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startSandbox({ speed: 60 });
  // Let the sandbox serve a few seconds of traffic so the service has numbers.
  await new Promise((r) => setTimeout(r, 500));
});
afterAll(() => closeSoon(sb));

function preflight(plan: ReleasePlan) {
  return runPreflight({
    plan,
    cluster: createKubePreflightCluster(sb.kubeconfigYaml(), plan),
    analysis: createSandboxAnalysis({ url: sb.url, token: sb.token }),
  });
}

const canary = (over: Partial<ReleasePlan['target']> = {}) =>
  defaultPlan('canary', {
    namespace: NS,
    name: 'workflow-engine',
    image: 'registry.platform.com/workflow-engine:v1.25.0',
    ...over,
  });

describe('preflight on the reference scenario', () => {
  it('passes the canary of workflow-engine, flagging only the missing resource requests', async () => {
    const result = PreflightResultSchema.parse(await preflight(canary()));
    expect(result.ok).toBe(true);
    expect(result.findings.map((f) => `${f.severity} ${f.id}`)).toEqual(['warning zero-downtime:requests']);
    const requests = result.findings[0]!;
    expect(requests.explanation).toMatch(/platform-production\/workflow-engine/);
    expect(requests.steps.map((s) => s.label)).toContain('step 1: setWeight 10');
    const ids = result.passed.map((p) => p.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'dry-run:first-change',
        'access:update/networking.istio.io/virtualservices',
        'access:get/coordination.k8s.io/leases',
        'access:create/coordination.k8s.io/leases',
        'access:update/coordination.k8s.io/leases',
        'zero-downtime:pdb',
        'zero-downtime:max-unavailable',
        'query:initial-canary/error-rate',
      ]),
    );
  });

  it('blocks a plan whose queries find no traffic, citing the query and the step it endangers', async () => {
    const result = await preflight(canary({ job: 'workflow-engin' }));
    expect(result.ok).toBe(false);
    const f = result.findings.find((x) => x.id === 'query:extended-canary/latency-p95');
    expect(f?.severity).toBe('blocker');
    expect(f?.explanation).toMatch(/no data/);
    expect(f?.query).toContain('job="workflow-engin"');
    expect(f?.steps).toEqual([{ index: 3, label: 'step 4: analysis extended-canary' }]);
  });

  it.each([
    { router: 'gateway-api' as const, says: /not enforced by a gateway-api router/ },
    { router: 'istio' as const, says: /Istio draws the weighted choice between variants per request/ },
  ])('warns before an A/B test how far $router keeps a user on one variant', async ({ router, says }) => {
    const plan = defaultPlan(
      'ab-test',
      { namespace: NS, name: 'workflow-engine', image: 'registry.platform.com/workflow-engine:v1.25.0' },
      { router },
    );
    const f = (await preflight(plan)).findings.find((x) => x.check === 'routing');
    expect(f?.severity).toBe('warning');
    expect(f?.explanation).toMatch(says);
    expect(f?.explanation).toContain('x-user-id');
  });

  it('rejects an invalid custom query with the parser message before reading it', async () => {
    const plan = canary();
    plan.analysis.templates[0]!.metrics.push({
      ...plan.analysis.templates[0]!.metrics[0]!,
      name: 'custom',
      kind: 'custom',
      query: 'sum(rate(x[5m])',
    });
    const f = (await preflight(plan)).findings.find((x) => x.id === 'query:initial-canary/custom');
    expect(f?.severity).toBe('blocker');
    expect(f?.title).toMatch(/not valid PromQL/);
  });

  it.each([
    { maxUnavailable: 10, flagged: true },
    { maxUnavailable: 4, flagged: false },
  ])(
    'a rolling update with maxUnavailable $maxUnavailable against the 80 % budget of 20 pods: flagged $flagged',
    async ({ maxUnavailable, flagged }) => {
      const plan = defaultPlan('rolling', {
        namespace: NS,
        name: 'workflow-engine',
        image: 'registry.platform.com/workflow-engine:v1.25.0',
      });
      if (plan.strategy.kind === 'rolling') plan.strategy.maxUnavailable = maxUnavailable;
      const result = await preflight(plan);
      const f = result.findings.find((x) => x.id === 'zero-downtime:max-unavailable');
      expect(Boolean(f)).toBe(flagged);
      if (f) expect(f.explanation).toMatch(/allows only 4/);
    },
  );

  it('flags a workload with too few replicas and no budget (agent-manager)', async () => {
    const plan = defaultPlan('canary', {
      namespace: NS,
      name: 'notification-service',
      image: 'registry.platform.com/notification-service:v1.25.0',
    });
    const ids = (await preflight(plan)).findings.map((f) => f.id);
    expect(ids).toContain('zero-downtime:pdb');
  });

  it('reports a dry run the API server refuses as a blocker on the first change', async () => {
    const plan = canary({ name: 'no-such-workload' });
    const result = await preflight(plan);
    expect(result.ok).toBe(false);
    expect(result.findings.find((f) => f.id === 'dry-run:first-change')?.steps).toEqual([
      { index: null, label: 'creating the canary workload' },
    ]);
    expect(result.findings.find((f) => f.id === 'zero-downtime:workload')?.title).toMatch(/does not exist/);
  });
});
