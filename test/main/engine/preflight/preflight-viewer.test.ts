import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubePreflightCluster } from '../../../../src-main/adapters/kube/preflight-cluster.ts';
import { createSandboxAnalysis } from '../../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { runPreflight } from '../../../../src-main/engine/preflight/preflight.ts';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { defaultPlan } from '../../../../src-shared/plan/plan.defaults.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';

/* Preflight's access review rehearsed on the sandbox: the read-only `sandbox-viewer` may not release. */

let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startSandbox({ speed: 60 });
});
afterAll(() => closeSoon(sb));

describe('preflight as a user without rights', () => {
  it('blocks the plan on every write it needs, with the cluster’s answer, and refuses the dry run', async () => {
    const plan = defaultPlan('canary', {
      namespace: 'platform-production',
      name: 'workflow-engine',
      image: 'registry.platform.com/workflow-engine:v1.25.0',
    });
    const viewerKubeconfig = sb
      .kubeconfigYaml('sandbox', { viewer: true })
      .replace('current-context: sandbox\n', 'current-context: sandbox-viewer\n');
    const result = await runPreflight({
      plan,
      cluster: createKubePreflightCluster(viewerKubeconfig, plan),
      analysis: createSandboxAnalysis({ url: sb.url, token: sb.token }),
    });
    expect(result.ok).toBe(false);
    const blockers = result.findings.filter((f) => f.severity === 'blocker').map((f) => f.id);
    expect(blockers).toEqual(
      expect.arrayContaining(['access:update/networking.istio.io/virtualservices', 'dry-run:first-change']),
    );
    // Reading is what `view` grants, so those checks pass.
    expect(result.passed.map((p) => p.id)).toContain('access:get/apps/deployments');
    const dry = result.findings.find((f) => f.id === 'dry-run:first-change')!;
    expect(dry.explanation).toContain(
      'User "sandbox-viewer" cannot create resource "deployments" in API group "apps" in the namespace "platform-production"',
    );
  });
});
