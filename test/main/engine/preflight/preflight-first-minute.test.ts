import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubePreflightCluster } from '../../../../src-main/adapters/kube/preflight-cluster.ts';
import { createSandboxAnalysis } from '../../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { runPreflight } from '../../../../src-main/engine/preflight/preflight.ts';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { parsePlan } from '../../../../src-shared/plan/plan.parse.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';

const NS = 'platform-production';
let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startSandbox({ speed: 60 });
});
afterAll(() => closeSoon(sb));

const target = `target: { namespace: ${NS}, name: workflow-engine, image: registry.platform.com/workflow-engine:v1.25.0 }`;
const istio = (over = '') =>
  `router: { kind: istio, virtualService: workflow-engine, destinationRule: workflow-engine${over} }`;
const canary = (steps: string) => `strategy: { kind: canary, steps: ${steps} }`;

async function findings(text: string) {
  const parsed = parsePlan(`name: p\n${text}`);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const plan = parsed.plan;
  const result = await runPreflight({
    plan,
    cluster: createKubePreflightCluster(sb.kubeconfigYaml(), plan),
    analysis: createSandboxAnalysis({ url: sb.url, token: sb.token }),
  });
  return { result, of: (re: RegExp) => result.findings.filter((f) => re.test(f.id)) };
}

const weights = canary('[{ setWeight: 10 }, { pause: { duration: 1m } }, { setWeight: 50 }]');

describe('preflight catches what would fail in the first minute (against the sandbox)', () => {
  it.each([
    {
      what: 'a missing DestinationRule',
      plan: `${target}\n${istio().replace('destinationRule: workflow-engine', 'destinationRule: workflow-engin')}\n${weights}`,
      title: 'DestinationRule platform-production/workflow-engin does not exist',
    },
    {
      what: 'a DestinationRule without the stable subset',
      plan: `${target}\n${istio(', stableSubset: primary')}\n${weights}`,
      title:
        /^DestinationRule platform-production\/workflow-engine has no subset "primary" \(it has "stable"/,
    },
    {
      what: 'a missing VirtualService',
      plan: `${target}\n${istio().replace('virtualService: workflow-engine', 'virtualService: nope')}\n${weights}`,
      title: 'VirtualService platform-production/nope does not exist',
    },
    {
      what: 'a VirtualService without the named route',
      plan: `${target}\n${istio(', route: secondary')}\n${weights}`,
      title: 'VirtualService platform-production/workflow-engine has no http route named "secondary"',
    },
    {
      what: 'a missing HTTPRoute',
      plan: `${target}\nrouter: { kind: gateway-api, httpRoute: nope, backendRefs: { stable: workflow-engine, canary: workflow-engine-canary } }\n${weights}`,
      title: 'HTTPRoute platform-production/nope does not exist',
    },
    {
      what: 'a missing Service for a selector switch',
      plan: `${target}\nrouter: { kind: service-selector, service: nope }\nstrategy: { kind: rolling }`,
      title: 'Service platform-production/nope does not exist',
    },
  ])('blocks $what', async ({ plan, title }) => {
    const { result, of } = await findings(plan);
    expect(result.ok).toBe(false);
    const [f] = of(/^routing:object:/);
    expect(f?.severity).toBe('blocker');
    expect(f?.title).toMatch(title);
    expect(f?.explanation).toMatch(/the first traffic change would fail/);
  });

  it('passes the router objects of the reference scenario', async () => {
    const { result, of } = await findings(`${target}\n${istio()}\n${weights}`);
    expect(of(/^routing:object:/)).toEqual([]);
    expect(result.passed.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        'VirtualService platform-production/workflow-engine is there',
        'DestinationRule platform-production/workflow-engine is there',
      ]),
    );
  });

  it.each([
    { replicas: 5, weight: 10, pods: 'rounds to 1', blocked: false },
    {
      replicas: 4,
      weight: 10,
      pods: 'rounds to 0 canary pod(s), so no traffic would reach the new version',
      blocked: true,
    },
    {
      replicas: 4,
      weight: 90,
      pods: 'rounds to 4 canary pod(s), so every pod would run the new version',
      blocked: true,
    },
  ])(
    'replica-ratio with $replicas replicas and a $weight % step: blocked $blocked',
    async ({ replicas, weight, pods, blocked }) => {
      const { of } = await findings(
        `${target}\nrouter: { kind: replica-ratio, replicas: ${replicas} }\n${canary(`[{ setWeight: ${weight} }, { pause: { duration: 1m } }]`)}`,
      );
      const f = of(/^plan:replica-ratio-/);
      if (!blocked) return expect(f).toEqual([]);
      expect(f[0]?.severity).toBe('blocker');
      expect(f[0]?.title).toBe(`Step 1 (${weight} %) cannot be honoured with ${replicas} replicas`);
      expect(f[0]?.explanation).toContain(`${weight} % of ${replicas} replicas ${pods}`);
    },
  );

  it('warns when canary weights go down (60 → 50), naming both steps', async () => {
    const { result, of } = await findings(
      `${target}\n${istio()}\n${canary('[{ setWeight: 60 }, { pause: { duration: 1m } }, { setWeight: 50 }]')}`,
    );
    const [f] = of(/^plan:weights-down-/);
    expect(f?.severity).toBe('warning');
    expect(f?.title).toBe('Step 3 lowers the canary weight from 60 % to 50 %');
    expect(result.ok).toBe(true);
  });

  it('warns when a rollback trigger is longer than the phase it guards, naming both', async () => {
    const { of } = await findings(
      `${target}\n${istio()}\nstrategy: { kind: blue-green, settle: 30s, validation: { duration: 5m, interval: 1m, checks: [] } }\nrollbackTriggers: [{ metric: latency-p95, threshold: 1000, for: 10m }, { metric: error-rate, threshold: 0.02, for: 2m }]`,
    );
    const f = of(/^plan:trigger-window-/);
    expect(f).toHaveLength(1);
    expect(f[0]?.severity).toBe('warning');
    expect(f[0]?.title).toBe(
      'Rollback trigger latency-p95 (for 10m) can never fire within the 30s settle and 5m validation after the switch (330 s)',
    );
  });

  it('blocks a flag-rollout plan of the old form (no flag system named), saying what to add', async () => {
    const { result, of } = await findings(
      `${target}\n${istio()}\nstrategy: { kind: flag-rollout, flag: new-checkout, percentages: [10, 50, 100] }`,
    );
    expect(result.ok).toBe(false);
    const f = of(/^plan:flag-provider-missing$/)[0];
    expect(f?.title).toBe('The plan names no flag system for flag "new-checkout"');
    expect(f?.explanation).toMatch(
      /Add strategy.provider: \{ kind: openfeature, name: <FeatureFlag object> \}/,
    );
  });
});
