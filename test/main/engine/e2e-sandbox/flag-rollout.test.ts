import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createOpenFeatureProvider } from '../../../../src-main/adapters/kube/flags/openfeature-provider.ts';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { cli } from '../../../support/cli.ts';
import { clientsFor } from '../../sandbox/clients.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';

const PLAN = join(import.meta.dirname, '../../../fixtures/plans/flag-rollout-sandbox-fast.yaml');
const FF = { group: 'core.openfeature.dev', version: 'v1beta1', plural: 'featureflags' } as const;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-flag-ramp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The flag as another client reads it from the cluster. */
export async function storedFlag(sb: SandboxHandle) {
  const ff = (await clientsFor(sb).custom.getNamespacedCustomObject({
    ...FF,
    namespace: 'shop',
    name: 'checkout-flags',
  })) as { spec: { flagSpec: { flags: Record<string, { defaultVariant: string; targeting?: unknown }> } } };
  return ff.spec.flagSpec.flags['new-checkout']!;
}

/** The exposure an independent reader (a fresh provider) reads back. */
const readBack = (sb: SandboxHandle) =>
  createOpenFeatureProvider(sb.kubeconfigYaml(), {
    namespace: 'shop',
    name: 'checkout-flags',
    flag: 'new-checkout',
  }).read();

/** Writes to the FeatureFlag that succeeded, by verb. */
function flagWrites(sb: SandboxHandle): string[] {
  return sb
    .audit()
    .filter((w) => w.code < 300 && w.resource === 'featureflags')
    .map((w) => `${w.verb} ${w.namespace ?? ''}/${w.name ?? ''}`);
}

describe('switchyard run of a flag ramp against the sandbox FeatureFlag', () => {
  it.concurrent.each([
    { name: 'a healthy new variant', fault: false, code: 0, percent: { off: 0, on: 100 } },
    { name: 'a failing new variant', fault: true, code: 2, percent: { off: 100, on: 0 } },
  ])(
    '$name: exit $code, the flag read back at $percent.on % on',
    async ({ fault, code, percent }) => {
      const sb = await startSandbox({ scenario: 'flags', speed: 100 });
      try {
        if (fault) sb.setFault({ namespace: 'shop', service: 'checkout', variant: 'on', errorRate: 0.3 });
        const kubeconfig = join(dir, `sandbox-${code}.kubeconfig`);
        sb.writeKubeconfig(kubeconfig, 'sandbox');
        const journal = join(dir, `journal-${code}`);
        const r = await cli(
          ['run', PLAN, '--kubeconfig', kubeconfig, '--context', 'sandbox', '--yes', '--journal', journal],
          { HOME: dir },
        );
        expect(r.code, r.stdout + r.stderr).toBe(code);
        expect((await readBack(sb)).percent).toEqual(percent);
        if (fault) {
          expect(r.stdout).toMatch(/^aborted: Kill switch pulled: flag "new-checkout" serves 0 % on/m);
          expect(r.stdout).toMatch(/Analysis of step 2 \(on\) failed: error-rate \(variant-health\): failed 1 > failureLimit 0/);
          expect(r.stdout).toMatch(/feature_flag_variant="on"/);
          const flag = await storedFlag(sb);
          expect(flag.defaultVariant).toBe('off');
        } else {
          expect(r.stdout).toMatch(/^completed: /m);
        }
      } finally {
        await closeSoon(sb);
      }
    },
    120_000,
  );
});

void readFileSync;
void setHeaderOptions;
void flagWrites;
