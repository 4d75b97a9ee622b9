import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { createOpenFeatureProvider } from '../../src-main/adapters/kube/flags/openfeature-provider.ts';
import type { SandboxHandle } from '../../src-main/sandbox/sandbox.ts';
import type { ReleasePlan } from '../../src-shared/plan/plan.schema.ts';
import { clientsFor } from '../main/sandbox/clients.ts';
import { onSandbox, planOf, startOnSandbox } from './sandbox-release.ts';

/** Flag with deploy on the `flags` scenario: a canary of checkout v2.4.0, then the ramp of new-checkout. */
export const FLAG_WITH_DEPLOY_PLAN = join(
  import.meta.dirname,
  '../fixtures/plans/flag-with-deploy-sandbox-fast.yaml',
);

/** A temporary directory for the calling test file, removed after it. */
export function tempDirForFile(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The scenario's flag, through the OpenFeature provider reaching the cluster with `kubeconfig`. */
export const checkoutFlags = (kubeconfig: string) =>
  createOpenFeatureProvider(kubeconfig, { namespace: 'shop', name: 'checkout-flags', flag: 'new-checkout' });

/** The exposure an independent reader (a fresh provider) reads back. */
export const flagNow = (sb: SandboxHandle) => checkoutFlags(sb.kubeconfigYaml()).read();

/** The image the stable Deployment runs, as another client reads it. */
export async function stableImage(sb: SandboxHandle): Promise<string | undefined> {
  const d = await clientsFor(sb).apps.readNamespacedDeployment({ namespace: 'shop', name: 'checkout' });
  return d.spec?.template.spec?.containers[0]?.image;
}

/** Asserts where a release left checkout: the image its pods run and the flag's exposure, as others read them. */
export async function expectCheckout(sb: SandboxHandle, tag: string, percent: Record<string, number>) {
  expect(await stableImage(sb)).toBe(`registry.platform.com/checkout:${tag}`);
  expect((await flagNow(sb)).percent).toEqual(percent);
}

/** Writes to the FeatureFlag that succeeded. */
export const flagWrites = (sb: SandboxHandle) =>
  sb.audit().filter((w) => w.code < 300 && w.resource === 'featureflags');

/** Runs `test` against a fresh sandbox of the `flags` scenario at 100×, and closes it afterwards. */
export const onFlagSandbox = (test: (sb: SandboxHandle) => Promise<void>) =>
  onSandbox({ scenario: 'flags', speed: 100 }, test);

/** The flag with deploy fixture plan, parsed. */
export const flagWithDeployPlan = (): ReleasePlan => planOf(readFileSync(FLAG_WITH_DEPLOY_PLAN, 'utf8'));

/** Starts `p` on the sandbox with its flag provider; it stops driving (and settles) when it pauses. */
export function startWithFlag(sb: SandboxHandle, dir: string, p: ReleasePlan = flagWithDeployPlan()) {
  const kubeconfig = sb.kubeconfigYaml();
  return startOnSandbox(sb, p, join(dir, `engine-${Math.random()}`), {
    kubeconfig,
    flags: checkoutFlags(kubeconfig),
    stopWhenPaused: true,
  });
}

/** Writes the sandbox's kubeconfig (context `sandbox`) to `<dir>/<name>.kubeconfig` and returns its path. */
export function kubeconfigFile(sb: SandboxHandle, dir: string, name: string): string {
  const file = join(dir, `${name}.kubeconfig`);
  sb.writeKubeconfig(file, 'sandbox');
  return file;
}

/** Writes the flag with deploy fixture plan, changed by `edit`, to `<dir>/<name>.yaml` and returns its path. */
export function planFile(dir: string, name: string, edit: (yaml: string) => string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, edit(readFileSync(FLAG_WITH_DEPLOY_PLAN, 'utf8')));
  return file;
}
