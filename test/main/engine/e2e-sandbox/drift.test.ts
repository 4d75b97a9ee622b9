import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createKubeReleaseOps } from '../../../../src-main/adapters/kube/release-ops.ts';
import { onSandbox, planOf, startOnSandbox } from '../../../support/sandbox-release.ts';
import { setVirtualServiceWeights } from '../../adapters/kube/sandbox-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-drift-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('someone else moving traffic mid-release pauses the run with a sentence naming the object; their change stays', async () => {
  const plan = planOf(`
name: drift
target: { namespace: platform-production, name: workflow-engine, image: registry.platform.com/workflow-engine:v1.25.0 }
router: { kind: istio, virtualService: workflow-engine, destinationRule: workflow-engine }
strategy: { kind: canary, steps: [{ setWeight: 10 }, { pause: { duration: 2m } }, { setWeight: 50 }] }
`);
  await onSandbox({ speed: 50 }, async (sb) => {
    const handle = await startOnSandbox(sb, plan, dir, { stopWhenPaused: true });
    let edited = false;
    handle.subscribe((s) => {
      if (edited || s.currentStep !== 1) return;
      edited = true;
      void setVirtualServiceWeights(sb, 75, 25);
    });
    const outcome = await handle.done;
    expect(edited).toBe(true);
    expect(outcome.kind, outcome.reason).toBe('paused');
    expect(outcome.reason).toMatch(
      /VirtualService platform-production\/workflow-engine was changed by someone else/,
    );
    expect(outcome.reason).toMatch(/weight of subset canary is 25 \(Switchyard left it at 10\)/);
    expect((await createKubeReleaseOps(sb.kubeconfigYaml(), plan).readSplit()).weights).toEqual({
      stable: 75,
      canary: 25,
    });
  });
}, 60_000);
