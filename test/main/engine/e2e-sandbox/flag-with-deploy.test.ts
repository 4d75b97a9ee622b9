import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOpenFeatureProvider } from '../../../../src-main/adapters/kube/flags/openfeature-provider.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import {
  onSandbox,
  planOf,
  sandboxDeps,
  startOnSandbox,
  untilSnapshot,
} from '../../../support/sandbox-release.ts';
import { resumeRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import { runner, type RunEvent } from '../../../support/switchyard-process.ts';
import { createKubePreflightCluster } from '../../../../src-main/adapters/kube/preflight-cluster.ts';
import { createSandboxAnalysis } from '../../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { runPreflight } from '../../../../src-main/engine/preflight/preflight.ts';
import { cli, runArgv } from '../../../support/cli.ts';
import { clientsFor } from '../../sandbox/clients.ts';

const PLAN = join(import.meta.dirname, '../../../fixtures/plans/flag-with-deploy-sandbox-fast.yaml');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-flag-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const checkoutFlags = (kubeconfig: string) =>
  createOpenFeatureProvider(kubeconfig, { namespace: 'shop', name: 'checkout-flags', flag: 'new-checkout' });

/** The exposure an independent reader (a fresh provider) reads back. */
const flagNow = (sb: SandboxHandle) => checkoutFlags(sb.kubeconfigYaml()).read();

/** The image the stable Deployment runs, as another client reads it. */
async function stableImage(sb: SandboxHandle): Promise<string | undefined> {
  const d = await clientsFor(sb).apps.readNamespacedDeployment({ namespace: 'shop', name: 'checkout' });
  return d.spec?.template.spec?.containers[0]?.image;
}

/** Writes to the FeatureFlag that succeeded. */
const flagWrites = (sb: SandboxHandle) =>
  sb.audit().filter((w) => w.code < 300 && w.resource === 'featureflags');

const onFlagSandbox = (test: (sb: SandboxHandle) => Promise<void>) =>
  onSandbox({ scenario: 'flags', speed: 100 }, test);

const plan = (): ReleasePlan => planOf(readFileSync(PLAN, 'utf8'));

function start(sb: SandboxHandle, p: ReleasePlan = plan()) {
  const kubeconfig = sb.kubeconfigYaml();
  return startOnSandbox(sb, p, join(dir, `engine-${Math.random()}`), {
    kubeconfig,
    flags: checkoutFlags(kubeconfig),
    stopWhenPaused: true,
  });
}

describe('flag with deploy: a canary sends the code out dark, then the flag ramps, as one release', () => {
  it('a good release completes: v2.4.0 on every pod, the flag read back at 100 % on, one step list', async () => {
    await onFlagSandbox(async (sb) => {
      const handle = await start(sb);
      const seen = new Set<string>();
      handle.subscribe((s) => {
        if (s.currentStep !== null)
          seen.add(`${s.currentStep + 1}/${s.steps.length} ${s.steps[s.currentStep]?.label}`);
      });
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('completed');
      expect(outcome.snapshot.strategy).toBe('flag-after:canary');
      expect(outcome.snapshot.steps.map((s) => `${s.label}: ${s.state}`)).toEqual([
        'set weight 25 %: done',
        'analysis version-health: done',
        'set weight 50 %: done',
        'flag at 25 %: done',
        'analysis variant-health: done',
        'flag at 100 %: done',
      ]);
      expect([...seen]).toEqual(
        expect.arrayContaining(['1/6 set weight 25 %', '4/6 flag at 25 %', '6/6 flag at 100 %']),
      );
      expect(outcome.reason).toMatch(
        /^The code is deployed and flag "new-checkout" serves on to everyone\.$/,
      );
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.4.0');
      expect((await flagNow(sb)).percent).toEqual({ off: 0, on: 100 });
    });
  }, 120_000);
});

describe('flag with deploy: abort in each phase', () => {
  it('a fault on the new variant during the ramp pulls the kill switch; the code stays deployed dark', async () => {
    await onFlagSandbox(async (sb) => {
      // Only v2.4.0's requests served the new checkout fail: the canary (flag off) is healthy.
      sb.setFault({
        namespace: 'shop',
        service: 'checkout',
        version: 'v2.4.0',
        variant: 'on',
        errorRate: 0.3,
      });
      const handle = await start(sb);
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      const kill = outcome.snapshot.decisions.find((d) => d.cause === 'analysis-failed');
      expect(kill?.summary).toMatch(
        /^Analysis of step 5 \(on\) failed: error-rate \(variant-health\): failed 1 > failureLimit 0.*pulling the kill switch on flag "new-checkout"/,
      );
      expect(kill?.stepIndex).toBe(4);
      expect(kill?.evidence[0]?.query).toMatch(/feature_flag_variant="on"/);
      expect(kill?.evidence[0]?.samples?.length).toBeGreaterThan(0);
      expect(outcome.snapshot.steps.map((s) => s.state)).toEqual([
        'done',
        'done',
        'done',
        'done',
        'failed',
        'skipped',
      ]);
      expect((await flagNow(sb)).percent).toEqual({ off: 100, on: 0 });
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.4.0');
    });
  }, 120_000);

  it("the operator's Abort: during the canary it is the canary's own abort, during the ramp the kill switch", async () => {
    await onFlagSandbox(async (sb) => {
      const handle = await start(sb);
      const canary = await untilSnapshot(handle, (s) => s.currentStep === 1, 60_000, 20);
      expect(canary.controls?.PAUSE.enabled).toBe(true);
      expect(canary.controls?.ABORT.enabled).toBe(true);
      handle.send({ type: 'ABORT', reason: 'wrong build' }, 'alice');
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      expect(outcome.reason).toMatch(/^alice aborted/);
      expect(flagWrites(sb)).toEqual([]);
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.3.0');
    });
    await onFlagSandbox(async (sb) => {
      const handle = await start(sb);
      const ramp = await untilSnapshot(handle, (s) => s.currentStep === 4, 60_000, 20);
      expect(ramp.controls?.ABORT.enabled).toBe(true);
      handle.send({ type: 'ABORT', reason: 'support calls' }, 'alice');
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      expect(outcome.snapshot.decisions.map((d) => d.summary)).toEqual(
        expect.arrayContaining([
          'alice pulled the kill switch on flag "new-checkout" at step 5 (support calls).',
        ]),
      );
      expect((await flagNow(sb)).percent).toEqual({ off: 100, on: 0 });
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.4.0');
    });
  }, 120_000);

  it('a fault during the canary rolls the code back; the flag never moves', async () => {
    await onFlagSandbox(async (sb) => {
      sb.setFault({ namespace: 'shop', service: 'checkout', version: 'v2.4.0', errorRate: 0.3 });
      const handle = await start(sb);
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      expect(outcome.reason).toMatch(/Analysis of step 2 .*failed/);
      expect(outcome.snapshot.steps.map((s) => s.state)).toEqual([
        'done',
        'failed',
        'skipped',
        'skipped',
        'skipped',
        'skipped',
      ]);
      expect(flagWrites(sb)).toEqual([]);
      expect((await flagNow(sb)).percent).toEqual({ off: 100, on: 0 });
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.3.0');
    });
  }, 120_000);

  it('a flag already on holds the release before the deploy, naming it; nothing is deployed, the flag not touched', async () => {
    await onFlagSandbox(async (sb) => {
      const flags = checkoutFlags(sb.kubeconfigYaml());
      await flags.setPercent(10, await flags.read());
      const writes = flagWrites(sb).length;
      const handle = await start(sb);
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('paused');
      expect(outcome.snapshot.pause?.cause).toBe('prerequisite');
      expect(outcome.reason).toMatch(
        /^flag "new-checkout" serves on to 10 % of users \(.*\)\. A flag with deploy sends the code out dark, with the flag off for everyone; nothing has been deployed\. Turn it off/,
      );
      expect(flagWrites(sb)).toHaveLength(writes);
      expect(sb.audit().filter((w) => w.code < 300 && w.resource === 'deployments')).toEqual([]);
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.3.0');
    });
  }, 120_000);
});

/** Writes to the checkout Deployments (stable and canary) that succeeded. */
const deploymentWrites = (sb: SandboxHandle) =>
  sb.audit().filter((w) => w.code < 300 && w.resource === 'deployments');

describe('SIGKILL during a flag with deploy', () => {
  it('resumes inside the canary, at the boundary and inside the ramp; the boundary resume deploys nothing again', async () => {
    await onFlagSandbox(async (sb) => {
      const kubeconfig = join(dir, 'sigkill.kubeconfig');
      sb.writeKubeconfig(kubeconfig, 'sandbox');
      const common = ['--kubeconfig', kubeconfig, '--context', 'sandbox', '--journal', join(dir, 'sigkill')];
      let deployed = false;
      const killPoints: ((e: RunEvent) => boolean)[] = [
        (e) => e.event === 'progress' && e.step === 1 && /^deploy\..*analysis/.test(e.phase ?? ''),
        // The boundary: the canary completed, the wrapper checks the flag is still off before the ramp.
        (e) => {
          if (e.event === 'progress' && e.step === 2) deployed = true;
          return (
            deployed &&
            e.event === 'progress' &&
            (e.phase === 'checking' || /^ramp\.starting/.test(e.phase ?? ''))
          );
        },
        (e) => e.event === 'progress' && e.step === 4 && /^ramp\..*analysis/.test(e.phase ?? ''),
      ];
      let id: string | undefined;
      let last: Awaited<ReturnType<typeof runner>> | undefined;
      let afterBoundary: number | null = null;
      let killed = 0;
      const phases: string[] = [];
      for (const [i, killWhen] of killPoints.entries()) {
        last = await runner(
          id ? ['run', '--resume', id, ...common] : ['run', PLAN, ...common, '--yes'],
          killWhen,
        );
        id ??= last.releaseId;
        expect(id, last.stdout).toBeDefined();
        phases.push(...[...last.stdout.matchAll(/"phase":"([^"]+)"/g)].map((m) => m[1]!));
        if (i === 1) afterBoundary = deploymentWrites(sb).length;
        if (last.signal !== 'SIGKILL') break;
        killed++;
      }
      if (last?.signal === 'SIGKILL') last = await runner(['run', '--resume', id!, ...common]);
      expect(last?.code, last?.stdout).toBe(0);
      expect(last?.stdout).toMatch(/^\{"event":"outcome","kind":"completed"/m);
      expect(killed).toBeGreaterThanOrEqual(2);
      expect(phases).toEqual(expect.arrayContaining(['checking']));
      // Nothing deployed again after the boundary; the flag written once per percentage (25 %, 100 %).
      expect(afterBoundary).not.toBeNull();
      expect(deploymentWrites(sb)).toHaveLength(afterBoundary!);
      expect(flagWrites(sb).map((w) => `${w.verb} ${w.name}`)).toEqual([
        'update checkout-flags',
        'update checkout-flags',
      ]);
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.4.0');
      expect((await flagNow(sb)).percent).toEqual({ off: 0, on: 100 });
    });
  }, 240_000);
});

describe('release after release with a flag ramp, through switchyard run', () => {
  it('killed in the ramp, fixed, released again: completes; a third holds while the flag is on; rolled back later: flag off, then the code', async () => {
    await onFlagSandbox(async (sb) => {
      const kubeconfig = join(dir, 'again.kubeconfig');
      sb.writeKubeconfig(kubeconfig, 'sandbox');
      const journal = join(dir, 'again');
      const planFor = (tag: string) => {
        const file = join(dir, `again-${tag}.yaml`);
        writeFileSync(
          file,
          readFileSync(PLAN, 'utf8').replaceAll('v2.4.0', tag).replace('v240', tag.replace(/\W/g, '')),
        );
        return file;
      };
      sb.setFault({
        namespace: 'shop',
        service: 'checkout',
        version: 'v2.4.0',
        variant: 'on',
        errorRate: 0.3,
      });
      const first = await cli(runArgv(planFor('v2.4.0'), { kubeconfig, context: 'sandbox', journal }), {
        HOME: dir,
      });
      expect(first.code, first.stdout + first.stderr).toBe(2);
      // Step words, never state paths: the ramp's steps follow the canary's in one count.
      expect(first.stdout).toMatch(/running step 4 of 6 \(flag at 25 %\)/);
      expect(first.stdout).not.toMatch(/ramp\.|deploy\.|flag-after/);
      expect(first.stdout).toMatch(/Analysis of step 5 \(on\) failed/);
      expect(first.stdout).toMatch(/^aborted: Kill switch pulled: flag "new-checkout" serves 0 % on/m);
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.4.0');

      const second = await cli(runArgv(planFor('v2.4.1'), { kubeconfig, context: 'sandbox', journal }), {
        HOME: dir,
      });
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.stdout).toMatch(
        /^completed: The code is deployed and flag "new-checkout" serves on to everyone\.$/m,
      );
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.4.1');
      expect((await flagNow(sb)).percent).toEqual({ off: 0, on: 100 });

      const status = await cli(['status', '--journal', journal], { HOME: dir });
      expect(status.stdout).toMatch(/\tsucceeded\tcanary \+ flag ramp\tsandbox\/shop\t/);

      const third = await start(sb, planOf(readFileSync(planFor('v2.5.0'), 'utf8')));
      const held = await third.done;
      expect(held.kind, held.reason).toBe('paused');
      expect(held.reason).toMatch(/^flag "new-checkout" serves on to 100 % of users/);
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.4.1');
      await third.stop();

      // Rolled back later: the flag off for everyone first, then the code to the image before the release.
      const id = /^release (\S+)$/m.exec(second.stdout)?.[1];
      const where = ['--kubeconfig', kubeconfig, '--context', 'sandbox', '--journal', journal];
      const back = await cli(['rollback', id!, '--yes', '--reason', 'checkout complaints', ...where], {
        HOME: dir,
      });
      expect(back.code, back.stdout + back.stderr).toBe(0);
      expect(back.stdout).toMatch(
        /Roll the completed canary and flag ramp release .* back to the image checkout ran before .*v2\.4\.1, after its kill switch \(flag "new-checkout" to off for everyone\)/,
      );
      expect(back.stdout).toMatch(
        /^rolled back: \S+ rolled the completed release back \(checkout complaints\): first the kill switch, everyone gets off again \(the flag reads back off 100 % \/ on 0 %.*then the code to registry\.platform\.com\/checkout:v2\.4\.0/m,
      );
      expect((await flagNow(sb)).percent).toEqual({ off: 100, on: 0 });
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.4.0');
    });
  }, 240_000);
});

describe('preflight of a flag with deploy', () => {
  const preflight = (sb: SandboxHandle) =>
    runPreflight({
      plan: plan(),
      cluster: createKubePreflightCluster(sb.kubeconfigYaml(), plan()),
      analysis: createSandboxAnalysis({ url: sb.url, token: sb.token }),
      flags: checkoutFlags(sb.kubeconfigYaml()),
    });

  it("reports the canary's checks and the flag system's in one report; a flag already on is a blocker", async () => {
    await onFlagSandbox(async (sb) => {
      const good = await preflight(sb);
      expect(good.ok, JSON.stringify(good.findings)).toBe(true);
      const ids = good.passed.map((p) => p.id);
      // The deploy's: a dry run of the canary and access to Deployments; the ramp's: the flag system's checks.
      expect(ids).toEqual(
        expect.arrayContaining([
          'dry-run:first-change',
          'access:create/apps/deployments',
          'flag:reachable',
          'flag:flag-exists',
          'flag:variants-exist',
          'flag:can-edit',
          'flag:dark',
        ]),
      );
      expect(ids.some((id) => id.startsWith('query:variant-health/'))).toBe(true);

      const flags = checkoutFlags(sb.kubeconfigYaml());
      await flags.setPercent(10, await flags.read());
      const on = await preflight(sb);
      expect(on.ok).toBe(false);
      expect(on.findings.find((f) => f.id === 'flag:dark')).toMatchObject({
        severity: 'blocker',
        title: 'Flag "new-checkout" is on for 10 % of users',
      });
    });
  }, 90_000);
});

describe('flag with deploy inside migration gates', () => {
  it('runs as migration:flag-after:canary, one step list; resumed from its journal at the contract gate', async () => {
    await onFlagSandbox(async (sb) => {
      const p = planOf(
        `${readFileSync(PLAN, 'utf8')}migration: { contract: { action: { kind: manual, instructions: drop the old column } } }\n`,
      );
      const journalDir = join(dir, 'migration');
      const kubeconfig = sb.kubeconfigYaml();
      const handle = await startOnSandbox(sb, p, journalDir, {
        kubeconfig,
        flags: checkoutFlags(kubeconfig),
        stopWhenPaused: true,
      });
      const ramping = await untilSnapshot(handle, (s) => s.currentStep === 4, 60_000, 20);
      expect(ramping.strategy).toBe('migration:flag-after:canary');
      expect(ramping.steps.map((s) => s.label)).toEqual([
        'expand migration',
        'set weight 25 %',
        'analysis version-health',
        'set weight 50 %',
        'flag at 25 %',
        'analysis variant-health',
        'flag at 100 %',
        'contract migration',
      ]);
      const atGate = await handle.done;
      expect(atGate.kind, atGate.reason).toBe('paused');
      expect(atGate.snapshot.pause?.cause).toBe('gate');
      expect((await flagNow(sb)).percent).toEqual({ off: 0, on: 100 });

      const resumed = await resumeRelease({
        releaseId: handle.id,
        ...sandboxDeps(sb, p, journalDir),
        flags: checkoutFlags(kubeconfig),
      });
      expect(resumed.getSnapshot().currentStep).toBe(7);
      resumed.send({ type: 'CONFIRM' }, 'test');
      const outcome = await resumed.done;
      expect(outcome.kind, outcome.reason).toBe('completed');
      expect(outcome.snapshot.steps.every((s) => s.state === 'done')).toBe(true);
      expect(outcome.snapshot.decisions.map((d) => d.summary)).toEqual(
        expect.arrayContaining(['The code is deployed and flag "new-checkout" serves on to everyone.']),
      );
    });
  }, 120_000);
});
