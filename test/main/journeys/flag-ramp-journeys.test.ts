import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOpenFeatureProvider } from '../../../src-main/adapters/kube/flags/openfeature-provider.ts';
import { JOURNAL_FILES } from '../../../src-main/engine/journal/file-journal.ts';
import type { SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { cli } from '../../support/cli.ts';
import { ageLease, laptopFlags, leaseApi } from '../../support/laptop.ts';
import { onSandbox } from '../../support/sandbox-release.ts';
import { runner, type RunEvent } from '../../support/switchyard-process.ts';
import { clientsFor } from '../sandbox/clients.ts';

// A flag ramp's whole journey on one cluster (the sandbox's `flags` scenario: FeatureFlag shop/checkout-flags
// beside shop/checkout): two laptops (two journal directories) racing for one ramp, a laptop that went away
// and came back, and ramp after ramp of two flags of one service, the first rolled back later.
const FIXTURE = join(import.meta.dirname, '../../fixtures/plans/flag-rollout-sandbox-fast.yaml');
const NS = 'shop';
const LEASE = 'switchyard-deployment-checkout';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-flag-journeys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let plans = 0;
/** The fixture ramp of `flag` with `steps` (YAML list lines), written to a plan file. */
function planFile(steps: string[], flag = 'new-checkout'): string {
  const file = join(dir, `plan-${++plans}.yaml`);
  const text = readFileSync(FIXTURE, 'utf8')
    .replace(/ {2}steps:\n( {4}- .*\n)+/, `  steps:\n${steps.map((s) => `    - ${s}\n`).join('')}`)
    .replace('  flag: new-checkout\n', `  flag: ${flag}\n`);
  writeFileSync(file, text);
  return file;
}

/** The exposure of `flag` as an independent reader (a fresh provider) reads it from the cluster. */
const exposure = async (sb: SandboxHandle, flag = 'new-checkout') =>
  (
    await createOpenFeatureProvider(sb.kubeconfigYaml(), {
      namespace: NS,
      name: 'checkout-flags',
      flag,
    }).read()
  ).percent;

/** The shared sandbox's kubeconfig file, as `switchyard sandbox --kubeconfig-out` writes it. */
function kubeconfigOf(sb: SandboxHandle, name: string): string {
  const file = join(dir, `${name}.kubeconfig`);
  sb.writeKubeconfig(file, 'sandbox');
  return file;
}

const me = `of ${userInfo().username} on ${hostname()}`;
const time = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+';
/** Waits until `check` holds (polling every 200 ms), or fails after 60 s naming `what`. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting until ${what}.`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const pauseOf = (e: RunEvent) => (e as { pause?: { message?: string } | null }).pause?.message ?? '';

describe('a flag ramp across two laptops on one cluster', () => {
  it('the second laptop is refused while the first holds the ramp, takes it over once that laptop is gone, and the first, back, pauses as drift', async () => {
    await onSandbox({ scenario: 'flags', speed: 100 }, async (sb) => {
      const kubeconfig = kubeconfigOf(sb, 'laptops');
      const laptop = (name: string) => laptopFlags(kubeconfig, join(dir, name));
      const leases = leaseApi(sb);

      // Laptop A ramps new-checkout to 10 % and waits to be promoted; then the laptop is gone (killed, lid shut).
      const a = await runner(
        ['run', planFile(['setPercentage: 10', 'pause: {}', 'setPercentage: 100']), ...laptop('a'), '--yes'],
        (e) => e.phase === 'running.steps.untilPromoted',
      );
      expect(a.signal, a.stdout).toBe('SIGKILL');
      const idA = a.releaseId!;
      expect(await exposure(sb)).toEqual({ on: 10, off: 90 });
      expect((await leases.readNamespacedLease({ name: LEASE, namespace: NS })).spec?.holderIdentity).toBe(
        idA,
      );

      // Laptop B, its own journal: refused while A's lease is fresh, told who holds it and since when.
      const next = planFile(['setPercentage: 50', 'setPercentage: 100']);
      const live = await cli(['run', next, ...laptop('b'), '--yes'], { HOME: dir });
      expect(live.code).toBe(1);
      expect(live.stderr).toMatch(
        new RegExp(
          `^error: deployment shop/checkout is held by release ${idA} ${me} \\(since ${time}, last renewed ${time} \\(\\d+ s ago\\)\\); a second release of it is refused until that one ends\\.$`,
          'm',
        ),
      );
      expect(live.stdout).not.toMatch(/^preflight|^release /m);
      // Nor can B drive A's ramp: it is not in B's journal.
      const promote = await cli(['promote', idA, '--journal', join(dir, 'b')], { HOME: dir });
      expect(promote.code).toBe(1);
      expect(await exposure(sb)).toEqual({ on: 10, off: 90 });

      // What the cluster shows a minute later: A stopped renewing. B is told so and takes over only when asked.
      expect(await ageLease(leases, NS, LEASE)).toBe(idA);
      const stale = await cli(['run', next, ...laptop('b'), '--yes'], { HOME: dir });
      expect(stale.code).toBe(1);
      expect(stale.stderr).toMatch(
        /it stopped renewing its 30 s lease, so take it over only if .*--take-over/,
      );
      const taken = await cli(['run', next, ...laptop('b'), '--yes', '--take-over'], { HOME: dir });
      expect(taken.code, taken.stdout + taken.stderr).toBe(0);
      expect(taken.stdout).toMatch(/^completed: /m);
      expect(await exposure(sb)).toEqual({ on: 100, off: 0 });
      const idB = /^release (\S+)$/m.exec(taken.stdout)![1]!;
      const start = readFileSync(join(dir, 'b', idB, JOURNAL_FILES.audit), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { what: string; why: string })
        .find((e) => e.what === 'start');
      expect(start?.why).toContain(
        `confirmed taking over the lease of deployment shop/checkout from release ${idA}`,
      );
      await expect(leases.readNamespacedLease({ name: LEASE, namespace: NS })).rejects.toMatchObject({
        code: 404,
      });

      // Laptop A is back and resumes its ramp (promoting it once it waits again): the flag is not what A left, so
      // the ramp pauses as drift naming what it found and moves nothing. (A killed run may have journaled its
      // last write or not: the resume re-checks that write, or the promote moves on; either finds B's 100 %.)
      const back = runner(['run', '--resume', idA, ...laptop('a')], (e) => /changed/.test(pauseOf(e)));
      let settled = false;
      void back.then(() => (settled = true));
      await until('laptop A’s resumed ramp pauses as drift', async () => {
        if (!settled) await cli(['promote', idA, '--journal', join(dir, 'a')], { HOME: dir });
        return settled;
      });
      const drifted = await back;
      expect(drifted.signal, drifted.stdout).toBe('SIGKILL');
      const said = drifted.stdout.split('\n').find((l) => /"cause":"drift"/.test(l)) ?? '';
      expect(said).toMatch(
        /Someone else changed FeatureFlag shop\/checkout-flags, flag new-checkout: .*it now shows off 0 %, on 100 %/,
      );
      expect(await exposure(sb)).toEqual({ on: 100, off: 0 });
    });
  }, 180_000);
});

describe('ramp after ramp of two flags of one service', () => {
  it('ramps new-checkout to 100 %, then new-search, then rolls the first back later: each flag keeps its own', async () => {
    await onSandbox({ scenario: 'flags', speed: 100 }, async (sb) => {
      const kubeconfig = kubeconfigOf(sb, 'two-flags');
      const where = laptopFlags(kubeconfig, join(dir, 'two-flags'));
      const run = (plan: string) => cli(['run', plan, ...where, '--yes'], { HOME: dir });
      const first = await run(planFile(['setPercentage: 50', 'setPercentage: 100']));
      expect(first.code, first.stdout + first.stderr).toBe(0);
      const idFirst = /^release (\S+)$/m.exec(first.stdout)![1]!;
      expect(await exposure(sb)).toEqual({ on: 100, off: 0 });

      // The team adds a second flag to the same FeatureFlag (off for everyone), as they would with kubectl.
      const key = {
        group: 'core.openfeature.dev',
        version: 'v1beta1',
        namespace: NS,
        plural: 'featureflags',
      };
      const custom = clientsFor(sb).custom;
      const ff = (await custom.getNamespacedCustomObject({ ...key, name: 'checkout-flags' })) as {
        spec: { flagSpec: { flags: Record<string, unknown> } };
      };
      ff.spec.flagSpec.flags['new-search'] = {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: {},
      };
      await custom.replaceNamespacedCustomObject({ ...key, name: 'checkout-flags', body: ff });

      const second = await run(planFile(['setPercentage: 30', 'setPercentage: 100'], 'new-search'));
      expect(second.code, second.stdout + second.stderr).toBe(0);
      const idSecond = /^release (\S+)$/m.exec(second.stdout)![1]!;
      expect(await exposure(sb, 'new-search')).toEqual({ on: 100, off: 0 });
      expect(await exposure(sb)).toEqual({ on: 100, off: 0 });

      // The first ramp rolled back later: new-checkout off for everyone, new-search untouched.
      const back = await cli(['rollback', idFirst, '--yes', ...where], { HOME: dir });
      expect(back.code, back.stdout + back.stderr).toBe(0);
      expect(back.stdout).toMatch(/^rolled back: .*pulled the kill switch/m);
      expect(await exposure(sb)).toEqual({ on: 0, off: 100 });
      expect(await exposure(sb, 'new-search')).toEqual({ on: 100, off: 0 });

      // And the second still rolls back by itself: the first's kill switch was no drift of new-search.
      const backSecond = await cli(['rollback', idSecond, '--yes', ...where], { HOME: dir });
      expect(backSecond.code, backSecond.stdout + backSecond.stderr).toBe(0);
      expect(await exposure(sb, 'new-search')).toEqual({ on: 0, off: 100 });
    });
  }, 180_000);
});
