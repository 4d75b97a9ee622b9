import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKubePreflightCluster } from '../../../../src-main/adapters/kube/preflight-cluster.ts';
import { createSandboxAnalysis } from '../../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { runPreflight } from '../../../../src-main/engine/preflight/preflight.ts';
import { resumeRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { cli, runArgv, startCli } from '../../../support/cli.ts';
import {
  checkoutFlags,
  expectCheckout,
  FLAG_WITH_DEPLOY_PLAN as PLAN,
  flagNow,
  flagWithDeployPlan,
  flagWrites,
  kubeconfigFile,
  onFlagSandbox,
  planFile,
  stableImage,
  startWithFlag,
  tempDirForFile,
} from '../../../support/flag-sandbox.ts';
import { planOf, sandboxDeps, startOnSandbox, untilSnapshot } from '../../../support/sandbox-release.ts';
import { runner, type RunEvent } from '../../../support/switchyard-process.ts';

// A flag with deploy across kills, releases, laptops' worth of journals, preflight and migration gates.
const dir = tempDirForFile('switchyard-flag-deploy-journeys-');

/** Writes to the checkout Deployments (stable and canary) that succeeded. */
const deploymentWrites = (sb: SandboxHandle) =>
  sb.audit().filter((w) => w.code < 300 && w.resource === 'deployments');

describe('SIGKILL during a flag with deploy', () => {
  it('resumes inside the canary, at the boundary and inside the ramp; the boundary resume deploys nothing again', async () => {
    await onFlagSandbox(async (sb) => {
      const kubeconfig = kubeconfigFile(sb, dir, 'sigkill');
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
      await expectCheckout(sb, 'v2.4.0', { off: 0, on: 100 });
    });
  }, 240_000);
});

describe('release after release with a flag ramp, through switchyard run', () => {
  it('killed in the ramp, fixed, released again: completes; a third holds while the flag is on; rolled back later: flag off, then the code', async () => {
    await onFlagSandbox(async (sb) => {
      const kubeconfig = kubeconfigFile(sb, dir, 'again');
      const journal = join(dir, 'again');
      const planFor = (tag: string) =>
        planFile(dir, `again-${tag}`, (yaml) =>
          yaml.replaceAll('v2.4.0', tag).replace('v240', tag.replace(/\W/g, '')),
        );
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
      await expectCheckout(sb, 'v2.4.1', { off: 0, on: 100 });

      const status = await cli(['status', '--journal', journal], { HOME: dir });
      expect(status.stdout).toMatch(/\tsucceeded\tcanary \+ flag ramp\tsandbox\/shop\t/);

      const third = await startWithFlag(sb, dir, planOf(readFileSync(planFor('v2.5.0'), 'utf8')));
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
      await expectCheckout(sb, 'v2.4.0', { off: 100, on: 0 });
    });
  }, 240_000);
});

describe('preflight of a flag with deploy', () => {
  const preflight = (sb: SandboxHandle) =>
    runPreflight({
      plan: flagWithDeployPlan(),
      cluster: createKubePreflightCluster(sb.kubeconfigYaml(), flagWithDeployPlan()),
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

describe('a flag with deploy from another laptop', () => {
  it('is refused while the first release holds checkout in its ramp; its abort from a terminal is the kill switch', async () => {
    await onFlagSandbox(async (sb) => {
      const kubeconfig = kubeconfigFile(sb, dir, 'laptops');
      // A ramp that waits for an operator at its 25 % step, so the release stays in its ramp.
      const file = planFile(dir, 'laptops', (yaml) =>
        yaml.replace('    - setPercentage: 25\n', '    - setPercentage: 25\n    - pause: {}\n'),
      );
      const laptop = (name: string) => ({ kubeconfig, context: 'sandbox', journal: join(dir, name) });
      const a = startCli(runArgv(file, laptop('laptop-a')), { HOME: dir });
      const id = await untilValue(() => /^release (\S+)$/m.exec(a.stdout())?.[1]);
      await untilValue(() => /paused at step 5 of 7 \(pause until promoted\)/.test(a.stdout()) || undefined);
      // The journal says where it stands, in step words, as the run does (once its last save is written).
      const status = () => cli(['status', '--journal', join(dir, 'laptop-a')], { HOME: dir });
      let listed = (await status()).stdout;
      const end = Date.now() + 30_000;
      while (!/step 5 of 7/.test(listed) && Date.now() < end) listed = (await status()).stdout;
      expect(listed).toMatch(/\tcanary \+ flag ramp\t/);
      expect(listed).toMatch(/^ {4}step 5 of 7 \(pause until promoted\) · traffic off 75 % · on 25 %/m);
      const b = await cli(runArgv(file, laptop('laptop-b')), { HOME: dir });
      expect(b.code, b.stdout + b.stderr).toBe(1);
      expect(b.stderr).toMatch(new RegExp(`deployment shop/checkout is held by release ${id} `));
      expect(b.stderr).toContain('a second release of it is refused until that one ends.');

      const abort = await cli(['abort', id, '--journal', join(dir, 'laptop-a'), '--reason', 'done testing'], {
        HOME: dir,
      });
      expect(abort.code, abort.stdout + abort.stderr).toBe(0);
      const ended = await a.done;
      expect(ended.code, ended.stdout + ended.stderr).toBe(2);
      // The kill switch: the flag off, the code left deployed dark.
      await expectCheckout(sb, 'v2.4.0', { off: 100, on: 0 });
    });
  }, 180_000);
});

/** Polls `read` until it gives a value (up to 60 s). */
async function untilValue<T>(read: () => T | undefined): Promise<T> {
  const end = Date.now() + 60_000;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
