import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { JOURNAL_FILES } from '../../../src-main/engine/journal/file-journal.ts';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { cli } from '../../support/cli.ts';
import { laptopFlags, leaseApi, leaseOfAnotherLaptop, rollingPlanFile } from '../../support/laptop.ts';

const CANARY = join(import.meta.dirname, '../../fixtures/plans/canary-sandbox-fast.yaml');
const NS = 'platform-production';
const LEASE = 'switchyard-deployment-workflow-engine';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-lease-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rolling = (tag: string) => rollingPlanFile(dir, tag);

let sb: SandboxHandle | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

/** A persistent sandbox (as `switchyard sandbox --kubeconfig-out` runs one), its kubeconfig, and its Lease API. */
async function sharedSandbox(name: string) {
  sb = await startSandbox({ speed: 100 });
  const kubeconfig = join(dir, `${name}.kubeconfig`);
  sb.writeKubeconfig(kubeconfig, 'sandbox');
  return { kubeconfig, leases: leaseApi(sb) };
}

/** `switchyard run` on one laptop: its own journal directory, the shared sandbox. */
function laptop(kubeconfig: string, journal: string, plan: string, ...extra: string[]) {
  return cli(['run', plan, ...laptopFlags(kubeconfig, join(dir, journal)), '--yes', ...extra], { HOME: dir });
}

const releaseIdOf = (stdout: string) => /^release (\S+)$/m.exec(stdout)?.[1];
const me = `of ${userInfo().username} on ${hostname()}`;
// A date and time with its zone, as people read it: `2026-12-06 14:03:25 CET`.
const time = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+';

describe('two laptops (two journals, one sandbox) racing for one workload', () => {
  it('runs exactly one release; the other exits 1 naming the holder, and runs once the first has ended', async () => {
    const { kubeconfig, leases } = await sharedSandbox('race');
    const [planA, planB] = [rolling('v1.26.0'), rolling('v1.27.0')];
    const [a, b] = await Promise.all([
      laptop(kubeconfig, 'laptop-a', planA),
      laptop(kubeconfig, 'laptop-b', planB),
    ]);
    expect([a.code, b.code].sort(), `${a.stderr}\n${b.stderr}`).toEqual([0, 1]);
    const [winner, loser, loserJournal, loserPlan] =
      a.code === 0 ? [a, b, 'laptop-b', planB] : [b, a, 'laptop-a', planA];
    expect(winner.stdout).toMatch(/^completed: /m);
    const holder = releaseIdOf(winner.stdout);
    expect(holder).toBeDefined();
    expect(loser.stderr).toMatch(
      new RegExp(
        `^error: deployment platform-production/workflow-engine is held by release ${holder} ${me} \\(since ${time}, last renewed ${time} \\(\\d+ s ago\\)\\); a second release of it is refused until that one ends\\.$`,
        'm',
      ),
    );
    // The refused laptop never started: no preflight, no release in its journal.
    expect(loser.stdout).not.toMatch(/^preflight|^release /m);
    const status = await cli(['status', '--journal', join(dir, loserJournal), '--json'], { HOME: dir });
    expect((JSON.parse(status.stdout) as { releases: unknown[] }).releases).toEqual([]);

    // The finished release gave the workload back, so the other laptop runs its plan now.
    await expect(leases.readNamespacedLease({ name: LEASE, namespace: NS })).rejects.toMatchObject({
      code: 404,
    });
    const again = await laptop(kubeconfig, loserJournal, loserPlan);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^completed: /m);

    // A start that preflight refuses gives the lease back at once.
    const noData = join(dir, 'no-data.yaml');
    writeFileSync(
      noData,
      readFileSync(CANARY, 'utf8').replace(
        '  name: workflow-engine\n',
        '  name: workflow-engine\n  job: workflow-engin\n',
      ),
    );
    const blocked = await laptop(kubeconfig, 'laptop-a', noData);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('Preflight found blockers; the release was not started.');
    await expect(leases.readNamespacedLease({ name: LEASE, namespace: NS })).rejects.toMatchObject({
      code: 404,
    });
  }, 180_000);
});

describe('a lease whose holder stopped renewing', () => {
  it('is taken over only with --take-over, and the takeover is audited', async () => {
    const { kubeconfig, leases } = await sharedSandbox('stale');
    // What the cluster shows when carol's laptop died 5 minutes ago in the middle of a release.
    const died = Date.now() - 5 * 60_000;
    await leaseOfAnotherLaptop(leases, {
      releaseId: 'canary-carol',
      user: 'carol',
      host: 'laptop-c',
      renewedAtMs: died,
    });

    const plan = rolling('v1.26.0');
    const refused = await laptop(kubeconfig, 'laptop-a', plan);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^error: deployment platform-production/workflow-engine is held by release canary-carol of carol on laptop-c \\(since ${time}, last renewed ${time} \\(5 min ago\\)\\); it stopped renewing its 30 s lease, so take it over only if that release is no longer driven: run again with --take-over \\(in the console: Take over\\)\\.$`,
        'm',
      ),
    );
    const untouched = await leases.readNamespacedLease({ name: LEASE, namespace: NS });
    expect(untouched.spec?.holderIdentity).toBe('canary-carol');

    const taken = await laptop(kubeconfig, 'laptop-a', plan, '--take-over');
    expect(taken.code, taken.stderr).toBe(0);
    const id = releaseIdOf(taken.stdout)!;
    const audit = readFileSync(join(dir, 'laptop-a', id, JOURNAL_FILES.audit), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { what: string; why: string; data?: { leaseTakenFrom?: unknown } });
    const start = audit.find((e) => e.what === 'start');
    expect(start?.why).toContain(
      `${userInfo().username} confirmed taking over the lease of deployment platform-production/workflow-engine from release canary-carol of carol on laptop-c`,
    );
    expect(start?.data?.leaseTakenFrom).toMatchObject({
      releaseId: 'canary-carol',
      user: 'carol',
      stale: true,
    });
    await expect(leases.readNamespacedLease({ name: LEASE, namespace: NS })).rejects.toMatchObject({
      code: 404,
    });
  }, 120_000);
});
