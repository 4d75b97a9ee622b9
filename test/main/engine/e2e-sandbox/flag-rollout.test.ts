import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createOpenFeatureProvider } from '../../../../src-main/adapters/kube/flags/openfeature-provider.ts';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { flagProviderFindings } from '../../../../src-main/engine/preflight/flag-findings.ts';
import type { ReleaseHandle } from '../../../../src-main/engine/runner/release-runner.ts';
import type { FlagRolloutPlanStrategy } from '../../../../src-shared/plan/flag-rollout.schema.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import type { ReleaseSnapshot } from '../../../../src-shared/release/release.schema.ts';
import { cli, runArgv } from '../../../support/cli.ts';
import { onSandbox, planOf, startOnSandbox, untilSnapshot } from '../../../support/sandbox-release.ts';
import { runner, type RunEvent } from '../../../support/switchyard-process.ts';
import { startTcpGate } from '../../../support/tcp-gate.ts';
import { clientsFor } from '../../sandbox/clients.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';

const PLAN = join(import.meta.dirname, '../../../fixtures/plans/flag-rollout-sandbox-fast.yaml');
const FF = { group: 'core.openfeature.dev', version: 'v1beta1', plural: 'featureflags' } as const;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-flag-ramp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The flag as another client reads it from the cluster. */
async function storedFlag(sb: SandboxHandle) {
  const ff = (await clientsFor(sb).custom.getNamespacedCustomObject({
    ...FF,
    namespace: 'shop',
    name: 'checkout-flags',
  })) as { spec: { flagSpec: { flags: Record<string, { defaultVariant: string; targeting?: unknown }> } } };
  return ff.spec.flagSpec.flags['new-checkout']!;
}

/** The scenario's flag, through the OpenFeature provider reaching the cluster with `kubeconfig`. */
const checkoutFlags = (kubeconfig: string) =>
  createOpenFeatureProvider(kubeconfig, { namespace: 'shop', name: 'checkout-flags', flag: 'new-checkout' });

/** The exposure an independent reader (a fresh provider) reads back. */
const readBack = (sb: SandboxHandle) => checkoutFlags(sb.kubeconfigYaml()).read();

/** Runs `test` against a fresh sandbox of the `flags` scenario at 100×, and closes it afterwards. */
const onFlagSandbox = (test: (sb: SandboxHandle) => Promise<void>) =>
  onSandbox({ scenario: 'flags', speed: 100 }, test);

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
      await onFlagSandbox(async (sb) => {
        if (fault) sb.setFault({ namespace: 'shop', service: 'checkout', variant: 'on', errorRate: 0.3 });
        const kubeconfig = join(dir, `sandbox-${code}.kubeconfig`);
        sb.writeKubeconfig(kubeconfig, 'sandbox');
        const journal = join(dir, `journal-${code}`);
        const r = await cli(runArgv(PLAN, { kubeconfig, context: 'sandbox', journal }), { HOME: dir });
        expect(r.code, r.stdout + r.stderr).toBe(code);
        // Preflight judged the flag, not a change of pods: no dry run of an image, no pod audit.
        expect(r.stdout).toMatch(/^preflight passed: \d+ checks passed, 0 finding\(s\)$/m);
        expect((await readBack(sb)).percent).toEqual(percent);
        if (fault) {
          expect(r.stdout).toMatch(/^aborted: Kill switch pulled: flag "new-checkout" serves 0 % on/m);
          expect(r.stdout).toMatch(
            /Analysis of step 2 \(on\) failed: error-rate \(variant-health\): failed 1 > failureLimit 0/,
          );
          expect(r.stdout).toMatch(/feature_flag_variant="on"/);
          const flag = await storedFlag(sb);
          expect(flag.defaultVariant).toBe('off');
        } else {
          expect(r.stdout).toMatch(/^completed: /m);
        }
      });
    },
    120_000,
  );
});

/** The fixture plan with other steps, parsed. */
function planWith(steps: string, strategy = ''): ReleasePlan {
  const text = readFileSync(PLAN, 'utf8')
    .replace(/ {2}steps:\n( {4}- .*\n)+/, `  steps:\n${steps}`)
    .replace('  flag: new-checkout\n', `  flag: new-checkout\n${strategy}`);
  return planOf(text);
}

const until = (handle: ReleaseHandle, ok: (s: ReleaseSnapshot) => boolean) =>
  untilSnapshot(handle, ok, 60_000, 20);

function start(sb: SandboxHandle, plan: ReleasePlan, kubeconfig = sb.kubeconfigYaml(), url = sb.url) {
  return startOnSandbox(sb, plan, join(dir, `engine-${Math.random()}`), {
    kubeconfig,
    metricsUrl: url,
    flags: checkoutFlags(kubeconfig),
    stopWhenPaused: true,
  });
}

describe('preflight of a flag ramp against the sandbox', () => {
  it('blocks a ramp whose FeatureFlag is missing, before any write', async () => {
    await onFlagSandbox(async (sb) => {
      const kubeconfig = join(dir, 'preflight.kubeconfig');
      sb.writeKubeconfig(kubeconfig, 'sandbox');
      const plan = join(dir, 'missing.yaml');
      writeFileSync(
        plan,
        readFileSync(PLAN, 'utf8')
          .replace('name: checkout-flags', 'name: missing-flags')
          .replace(
            '  flag: new-checkout\n',
            "  flag: new-checkout\n  prerequisites: [{ flag: dark-mode, variant: 'off' }]\n",
          ),
      );
      const r = await cli(runArgv(plan, { kubeconfig, context: 'sandbox', journal: join(dir, 'pf') }), {
        HOME: dir,
      });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/blocker: Flag "new-checkout": flag exists failed\. .*missing-flags/);
      expect(r.stderr).toContain('Preflight found blockers; the release was not started.');
      expect(flagWrites(sb)).toEqual([]);
    });
  }, 90_000);
});

describe('the flag system checks of preflight', () => {
  it('pass for the scenario flag and warn of a prerequisite that is not on yet, naming the step that will hold', async () => {
    await onFlagSandbox(async (sb) => {
      const plan = planWith(
        '    - setPercentage: 10\n',
        "  prerequisites: [{ flag: dark-mode, variant: 'off' }]\n",
      );
      const flags = checkoutFlags(sb.kubeconfigYaml());
      const { findings, passed } = await flagProviderFindings(
        flags,
        plan.strategy as FlagRolloutPlanStrategy,
      );
      expect(findings).toEqual([
        {
          id: 'flag:prerequisite-dark-mode',
          check: 'access',
          severity: 'warning',
          title: 'Prerequisite flag "dark-mode" is not on yet',
          explanation:
            'Now prerequisite flag "dark-mode" serves off to 0 % of users, not everyone. Every move of flag "new-checkout" waits for its prerequisites: the ramp will hold at its first move, saying why, until it is on.',
          steps: [{ index: 0, label: 'step 1' }],
        },
      ]);
      expect(passed.map((p) => p.id)).toEqual(
        expect.arrayContaining([
          'flag:reachable',
          'flag:flag-exists',
          'flag:variants-exist',
          'flag:can-edit',
        ]),
      );
    });
  }, 60_000);
});

describe('a flag ramp in the engine, against the sandbox FeatureFlag', () => {
  it('a colleague editing the flag mid-ramp pauses it as drift with the difference; their change stays', async () => {
    await onFlagSandbox(async (sb) => {
      const plan = planWith(
        '    - setPercentage: 10\n    - pause: { duration: 2m }\n    - setPercentage: 50\n',
      );
      const handle = await start(sb, plan);
      await until(handle, (s) => s.currentStep === 1);
      // From the flag system's own UI: everyone gets the new checkout.
      await clientsFor(sb).custom.patchNamespacedCustomObject(
        {
          ...FF,
          namespace: 'shop',
          name: 'checkout-flags',
          body: {
            spec: { flagSpec: { flags: { 'new-checkout': { defaultVariant: 'on', targeting: null } } } },
          },
        },
        setHeaderOptions('Content-Type', 'application/merge-patch+json'),
      );
      const writes = flagWrites(sb).length;
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('paused');
      expect(outcome.snapshot.pause?.cause).toBe('drift');
      expect(outcome.reason).toMatch(
        /^Someone else changed FeatureFlag shop\/checkout-flags, flag new-checkout: Switchyard left it at off 90 %, on 10 %, it now shows off 0 %, on 100 %/,
      );
      expect(flagWrites(sb)).toHaveLength(writes);
      expect((await readBack(sb)).percent).toEqual({ off: 0, on: 100 });
      expect(outcome.snapshot.traffic.actual).toEqual({ off: 0, on: 100 });
    });
  }, 90_000);

  it('serves the segments first, then waits for a scheduled step until its time', async () => {
    await onFlagSandbox(async (sb) => {
      const atMs = Math.ceil((sb.clock.now() + 180_000) / 1000) * 1000;
      const at = new Date(atMs).toISOString();
      const plan = planWith(
        `    - setPercentage: 10\n    - setPercentage: 50\n      at: '${at}'\n`,
        "  segments: [{ name: beta testers, attribute: email, operator: ends_with, values: ['@beta.example.com'] }]\n",
      );
      const handle = await start(sb, plan);
      const waiting = await until(handle, (s) => s.currentStep === 1 && s.waitUntilMs !== null);
      expect(waiting.waitUntilMs).toBe(atMs);
      expect(waiting.status).toBe('running');
      const early = await readBack(sb);
      expect(early.percent).toEqual({ off: 90, on: 10 });
      expect(early.segments?.map((g) => g.name)).toEqual(['beta testers']);
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('completed');
      expect(sb.clock.now()).toBeGreaterThanOrEqual(atMs);
      expect((await readBack(sb)).percent).toEqual({ off: 0, on: 100 });
    });
  }, 90_000);

  it('holds a move while a prerequisite flag is not on, naming it; the flag is not touched', async () => {
    await onFlagSandbox(async (sb) => {
      // dark-mode serves on to everyone in the scenario: a prerequisite on its off variant is not met.
      const plan = planWith(
        '    - setPercentage: 10\n',
        "  prerequisites: [{ flag: dark-mode, variant: 'off' }]\n",
      );
      const handle = await start(sb, plan);
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('paused');
      expect(outcome.snapshot.pause?.cause).toBe('prerequisite');
      expect(outcome.reason).toBe(
        'Step 1 of flag "new-checkout" is held: prerequisite flag "dark-mode" serves off to 0 % of users, not everyone. Resume once it is on.',
      );
      expect(flagWrites(sb)).toEqual([]);
      expect((await readBack(sb)).percent).toEqual({ off: 100, on: 0 });
    });
  }, 90_000);

  it('an unreachable cluster pauses the ramp as unreachable; it goes on by itself once the cluster answers', async () => {
    const sb = await startSandbox({ scenario: 'flags', speed: 100 });
    const gate = await startTcpGate(Number(new URL(sb.url).port));
    try {
      const plan = planWith(
        '    - setPercentage: 10\n    - pause: { duration: 1m }\n    - setPercentage: 50\n',
      );
      const kubeconfig = sb.kubeconfigYaml().replace(new URL(sb.url).port, String(gate.port));
      const handle = await start(sb, plan, kubeconfig, `http://127.0.0.1:${gate.port}`);
      await until(handle, (s) => s.currentStep === 1);
      await gate.shut();
      const paused = await until(handle, (s) => s.pause?.cause === 'cluster-unreachable');
      expect(paused.status).toBe('paused');
      expect(paused.pause?.message).toMatch(
        /^cluster sandbox unreachable since (?:sim \d\d:\d\d:\d\d|\d\d:\d\d:\d\d \S+): .*ECONNREFUSED.*once the cluster answers again\.$/,
      );
      // The OpenFeature flag lives in the cluster: the cluster is what does not answer.
      expect(paused.pause?.system).toBe('cluster sandbox');
      expect((await readBack(sb)).percent).toEqual({ off: 90, on: 10 });
      await gate.open();
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('completed');
      expect((await readBack(sb)).percent).toEqual({ off: 0, on: 100 });
    } finally {
      await gate.close();
      await closeSoon(sb);
    }
  }, 90_000);
});

describe('SIGKILL in the middle of a flag ramp', () => {
  it('each resume goes on from the journal; the flag is written once per percentage', async () => {
    await onFlagSandbox(async (sb) => {
      const kubeconfig = join(dir, 'sigkill.kubeconfig');
      sb.writeKubeconfig(kubeconfig, 'sandbox');
      const common = ['--kubeconfig', kubeconfig, '--context', 'sandbox', '--journal', join(dir, 'sigkill')];
      const at = (step: number, phase: RegExp) => (e: RunEvent) =>
        e.event === 'progress' && e.step === step && phase.test(e.phase ?? '');
      const killPoints = [
        at(0, /moving/),
        at(1, /analysis/),
        at(2, /moving/),
        at(3, /pausing/),
        at(5, /moving/),
      ];
      let id: string | undefined;
      let killed = 0;
      let last: Awaited<ReturnType<typeof runner>> | undefined;
      for (const killWhen of killPoints) {
        last = await runner(
          id ? ['run', '--resume', id, ...common] : ['run', PLAN, ...common, '--yes'],
          killWhen,
        );
        id ??= last.releaseId;
        expect(id, last.stdout).toBeDefined();
        if (last.signal !== 'SIGKILL') break;
        killed++;
      }
      if (last?.signal === 'SIGKILL') last = await runner(['run', '--resume', id!, ...common]);
      expect(last?.code, last?.stdout).toBe(0);
      expect(last?.stdout).toMatch(/^\{"event":"outcome","kind":"completed"/m);
      expect(killed).toBeGreaterThanOrEqual(3);
      // 10 %, 50 %, 100 %: one write each, however often the runner was killed.
      expect(flagWrites(sb)).toEqual([
        'update shop/checkout-flags',
        'update shop/checkout-flags',
        'update shop/checkout-flags',
      ]);
      expect((await readBack(sb)).percent).toEqual({ off: 0, on: 100 });
    });
  }, 240_000);
});
