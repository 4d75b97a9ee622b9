import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, runArgv } from '../../../support/cli.ts';
import { onSandbox } from '../../../support/sandbox-release.ts';

/** Resolves once `ok()` holds, checking every 50 ms; rejects after `ms`. */
async function until(ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const PLAN = join(import.meta.dirname, '../../../fixtures/plans/flag-rollout-sandbox-fast.yaml');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-flag-pods-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every pod serves every variant of a flag, so pod restarts cannot be split by variant. They must still be
// read (for the whole workload), or a flag that crashes the pods would ramp on with "0 restarts".
describe('a flag ramp watches the pods of the whole workload', () => {
  it('pods OOM-killed after the flag moved pull the kill switch on the pod-restarts trigger', async () => {
    await onSandbox({ scenario: 'flags', speed: 100 }, async (sb) => {
      const plan = join(dir, 'plan.yaml');
      writeFileSync(
        plan,
        readFileSync(PLAN, 'utf8').replace(
          '    - pause: { duration: 1m }\n',
          '    - pause: { duration: 30m }\n',
        ) + 'rollbackTriggers:\n  - { metric: pod-restarts, op: ">", threshold: 0, for: 2m }\n',
      );
      const kubeconfig = join(dir, 'sandbox.kubeconfig');
      sb.writeKubeconfig(kubeconfig, 'sandbox');
      const run = cli(runArgv(plan, { kubeconfig, context: 'sandbox', journal: join(dir, 'journal') }), {
        HOME: dir,
      });
      // The pods start crashing once the flag has moved (the new code path leaks memory).
      await until(() => sb.audit().some((w) => w.code < 300 && w.resource === 'featureflags'), 60_000);
      sb.setFault({ namespace: 'shop', service: 'checkout', version: 'v2.3.0', oomKill: true });
      const r = await run;
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout).toMatch(/^aborted: Kill switch pulled: flag "new-checkout" serves 0 % on/m);
      expect(r.stdout).toMatch(/pod-restarts/);
      expect(r.stdout).toMatch(/pod=~"checkout-\.\*"/);
      expect(r.stdout).not.toMatch(/kube_pod_labels/);
    });
  }, 120_000);
});
