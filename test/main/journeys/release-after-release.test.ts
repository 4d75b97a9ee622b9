import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppsV1Api, V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { cli, runArgv, startCli } from '../../support/cli.ts';
import { planOf, startOnSandbox } from '../../support/sandbox-release.ts';
import { appsApi, closeSoon } from '../adapters/kube/sandbox-fixture.ts';

// One persistent sandbox for the whole file, as an SRE's day runs against one cluster: every release is a
// separate `switchyard run` (in-process) on its kubeconfig, and nothing is cleaned up by hand in between.
const NS = 'platform-production';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-journeys-'));
const kubeconfig = join(dir, 'sandbox.kubeconfig');
let sb: SandboxHandle;
let apps: AppsV1Api;

beforeAll(async () => {
  sb = await startSandbox({ speed: 60 });
  sb.writeKubeconfig(kubeconfig, 'sandbox');
  apps = appsApi(sb);
});
afterAll(async () => {
  await closeSoon(sb);
  rmSync(dir, { recursive: true, force: true });
});

const image = (app: string, tag: string) => `registry.platform.com/${app}:${tag}`;
const health = `
analysis:
  templates:
    - name: health
      metrics: [{ name: error-rate, kind: error-rate, interval: 5s, count: 2, window: 30s, failureLimit: 0, successCondition: { op: '<', threshold: 0.02 } }]`;
const validation = `validation: { duration: 30s, interval: 10s, window: 20s, checks: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }] }`;

const plans = {
  canary: (
    app: string,
    tag: string,
    steps = `[{ setWeight: 20 }, { pause: { duration: 60s } }, { analysis: { templates: [health] } }]`,
  ) => `
name: ${app}-canary
target: { namespace: ${NS}, name: ${app}, image: ${image(app, tag)} }
router: { kind: istio, virtualService: ${app}, destinationRule: ${app} }
strategy: { kind: canary, steps: ${steps} }
${health}
`,
  'ratio-canary': (app: string, tag: string) => `
name: ${app}-ratio-canary
target: { namespace: ${NS}, name: ${app}, image: ${image(app, tag)} }
router: { kind: replica-ratio }
strategy: { kind: canary, steps: [{ setWeight: 50 }, { pause: { duration: 60s } }, { analysis: { templates: [health] } }] }
${health}
`,
  'blue-green': (app: string, tag: string) => `
name: ${app}-blue-green
target: { namespace: ${NS}, name: ${app}, image: ${image(app, tag)} }
router: { kind: service-selector, service: ${app} }
strategy:
  kind: blue-green
  readyTimeout: 600s
  warmup: { requests: 0 }
  settle: 10s
  ${validation}
`,
  rolling: (app: string, tag: string) => `
name: ${app}-rolling
target: { namespace: ${NS}, name: ${app}, image: ${image(app, tag)} }
router: { kind: service-selector, service: ${app} }
strategy: { kind: rolling, maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0, ${validation} }
`,
};
type Strategy = keyof typeof plans;

let planCount = 0;
function planFile(strategy: Strategy, app: string, tag: string): string {
  const file = join(dir, `plan-${++planCount}-${strategy}-${tag}.yaml`);
  writeFileSync(file, plans[strategy](app, tag));
  return file;
}

/** `switchyard cleanup NS/app` on the sandbox context, as the user types it. */
const cleanup = (app: string) =>
  cli(['cleanup', `${NS}/${app}`, '--kubeconfig', kubeconfig, '--context', 'sandbox']);

const runArgs = (plan: string, journal: string) =>
  runArgv(plan, { kubeconfig, context: 'sandbox', journal: join(dir, journal) });

/** One `switchyard run` of `strategy` for `app` at `tag`, to its end; fails with its output if it hangs. */
async function release(strategy: Strategy, app: string, tag: string, journal = app) {
  const run = startCli(runArgs(planFile(strategy, app, tag), journal), { HOME: dir });
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${strategy} ${tag} of ${app} did not end:\n${run.stdout()}`)),
      80_000,
    );
  });
  return Promise.race([run.done, hung]).finally(() => clearTimeout(timer));
}

const deployment = async (name: string): Promise<V1Deployment | undefined> =>
  apps.readNamespacedDeployment({ name, namespace: NS }).catch(() => undefined);
const imageOf = (d: V1Deployment | undefined) => d?.spec?.template?.spec?.containers?.[0]?.image;
const lastTraffic = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => / traffic /.test(l))
    .at(-1);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Waits until `check` holds (polling every 100 ms), or fails after `ms` naming `what`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting until ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Requests the sandbox saw per version of `app` over the last 10 s of its time. */
const served = (app: string, version: string) =>
  sb.stats({ namespace: NS, job: app, version, windowSeconds: 10 }).requests ?? 0;

const KNOWN = ['v1.24.0', 'v1.25.0', 'v1.26.0', 'v1.27.0', 'v1.28.0', 'v1.29.0'];
/** The known versions of `app` that served requests over the last 10 s. */
const versionsServing = (app: string) => KNOWN.filter((v) => served(app, v) > 0);

describe('release after release of one service, through the CLI against one sandbox', () => {
  /** Releases `tag` and expects exit 0, a clean preflight, "completed" and only `tag` serving afterwards. */
  async function expectReleased(strategy: Strategy, app: string, tag: string): Promise<void> {
    const before = served(app, tag) > 0 ? [] : versionsServing(app);
    const r = await release(strategy, app, tag);
    expect(r.code, `${strategy} ${tag}: ${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^preflight passed/m);
    expect(r.stdout).toMatch(/^completed: /m);
    await until(`only ${tag} of ${app} serves (before: ${before.join(', ')})`, () => {
      return served(app, tag) > 0 && before.every((v) => served(app, v) === 0);
    });
  }

  it('a bad canary aborts, the fix is released, then the next version: no manual clean-up', async () => {
    const app = 'workflow-engine';
    const bad = await release('canary', app, 'v1.25.1-bad');
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stdout).toMatch(/^aborted: .*error-rate/m);
    expect(lastTraffic(bad.stdout)).toContain('stable 100 % · canary 0 %');
    const left = await deployment(`${app}-canary`);
    expect(left?.spec?.replicas).toBe(0);
    expect(left?.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('switchyard');

    const fix = await release('canary', app, 'v1.25.0');
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    expect(fix.stdout).toMatch(/^preflight passed/m);
    expect(fix.stdout).toMatch(/^completed: /m);
    expect(lastTraffic(fix.stdout)).toContain('stable 100 % · canary 0 %');
    expect(imageOf(await deployment(app))).toBe(image(app, 'v1.25.0'));

    const next = await release('canary', app, 'v1.26.0');
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toMatch(/^completed: /m);
    expect(imageOf(await deployment(app))).toBe(image(app, 'v1.26.0'));
    const canary = await deployment(`${app}-canary`);
    expect(canary?.spec?.replicas).toBe(0);
    const id = /^release (\S+)$/m.exec(next.stdout)?.[1];
    expect(canary?.metadata?.annotations?.['switchyard.dev/release']).toBe(id);
    await until('only v1.26.0 serves', () => served(app, 'v1.26.0') > 0 && served(app, 'v1.25.0') === 0);
  }, 120_000);

  it('the canary stays for the next release until the user removes it with switchyard cleanup', async () => {
    const app = 'workflow-engine';
    const left = await deployment(`${app}-canary`);
    expect(left?.spec?.replicas).toBe(0);
    const removed = await cleanup(app);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(
      new RegExp(
        `^Removed Deployment ${NS}/${app}-canary \\(.*, left by release ${escape(left!.metadata!.annotations!['switchyard.dev/release']!)}\\)`,
      ),
    );
    expect(await deployment(`${app}-canary`)).toBeUndefined();
    const again = await cleanup(app);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/There is no canary Deployment .*nothing to remove/);
  }, 60_000);

  it.each([
    { strategy: 'canary' as const, app: 'workflow-engine', tags: ['v1.27.0', 'v1.28.0'] },
    { strategy: 'blue-green' as const, app: 'agent-manager', tags: ['v1.25.0', 'v1.26.0'] },
    { strategy: 'rolling' as const, app: 'notification-service', tags: ['v1.25.0', 'v1.26.0'] },
  ])(
    '$strategy released twice in a row on $app: the second starts cleanly and completes',
    async ({ strategy, app, tags }) => {
      for (const tag of tags) await expectReleased(strategy, app, tag);
    },
    120_000,
  );

  it('a canary after a rolling starts cleanly and completes', async () => {
    await expectReleased('rolling', 'workflow-engine', 'v1.29.0');
    await expectReleased('canary', 'workflow-engine', 'v1.25.0');
    // The same by replica ratio (no mesh), twice: the second adopts the canary the first left.
    await expectReleased('ratio-canary', 'notification-service', 'v1.27.0');
    await expectReleased('ratio-canary', 'notification-service', 'v1.28.0');
  }, 120_000);

  it('a rolling after a service-selector blue-green is refused by preflight, saying which pods serve', async () => {
    // After the blue-green above, the Service selects the colour Deployment, not agent-manager's own pods.
    const r = await release('rolling', 'agent-manager', 'v1.28.0');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^ {2}blocker: Service platform-production\/agent-manager sends no traffic to the pods of Deployment platform-production\/agent-manager\. Service platform-production\/agent-manager selects .*colour=(blue|green).*release it with blue-green/m,
    );
    expect(imageOf(await deployment('agent-manager'))).toBe(image('agent-manager', 'v1.24.0'));
    const next = await release('blue-green', 'agent-manager', 'v1.28.0');
    expect(next.code, next.stdout + next.stderr).toBe(0);
  }, 120_000);

  it('a -canary Deployment Switchyard did not create blocks preflight, saying so, and is left alone', async () => {
    const app = 'notification-service';
    const stable = (await deployment(app))!;
    // The ratio canaries above left theirs; the user removes it, then another team creates one of that name.
    if (await deployment(`${app}-canary`)) {
      const removed = await cleanup(app);
      expect(removed.code, removed.stderr).toBe(0);
    }
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: `${app}-canary`, namespace: NS, labels: { app, team: 'payments' } },
        spec: { ...stable.spec!, replicas: 1 },
      },
    });
    const r = await release('ratio-canary', app, 'v1.27.0');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^preflight found blockers/m);
    expect(r.stdout).toContain(
      `blocker: Deployment ${NS}/${app}-canary exists and is not Switchyard's. Deployment ${NS}/${app}-canary exists on context "sandbox" but Switchyard did not create it (no label app.kubernetes.io/managed-by=switchyard)`,
    );
    expect(r.stderr).toMatch(/Preflight found blockers; the release was not started/);
    const theirs = await deployment(`${app}-canary`);
    expect(theirs?.metadata?.labels).toEqual({ app, team: 'payments' });
    expect(theirs?.spec?.replicas).toBe(1);
    const refused = await cleanup(app);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Switchyard did not create it .*neither adopts nor deletes it/);
    expect(await deployment(`${app}-canary`)).toBeDefined();
    await apps.deleteNamespacedDeployment({ name: `${app}-canary`, namespace: NS });
  }, 60_000);

  /** A colleague's release of `tag` on `app` (set with the client, as another tool would), until it serves. */
  async function colleagueReleases(app: string, tag: string): Promise<void> {
    // Read, change, write, and read again when the controller wrote in between (409), as kubectl's edits do.
    for (let attempt = 1; ; attempt++) {
      const current = (await deployment(app))!;
      current.spec!.template.spec!.containers[0]!.image = image(app, tag);
      try {
        await apps.replaceNamespacedDeployment({ name: app, namespace: NS, body: current });
        break;
      } catch (error) {
        if ((error as { code?: number }).code !== 409 || attempt === 5) throw error;
      }
    }
    await until(`${tag} serves`, () => served(app, tag) > 0);
  }

  /**
   * With `run` waiting at a pause-until-promoted of release `id`: promote pauses it as drift naming the
   * colleague's image and the one the release began with, a resume pauses again, and an abort ends it (exit 2)
   * with the colleague's image still on the stable Deployment.
   */
  async function expectDriftNeverOverwrites(
    run: ReturnType<typeof startCli>,
    id: string,
    journal: string,
    began: string,
    theirs: string,
  ): Promise<void> {
    const app = 'workflow-engine';
    const control = (verb: string) => cli([verb, id, '--journal', join(dir, journal)], { HOME: dir });
    const drifts = () => run.stdout().match(/paused: .*changed by someone else/g)?.length ?? 0;
    const promoted = await control('promote');
    expect(promoted.code, promoted.stderr).toBe(0);
    await until('the release pauses as drift', () => drifts() >= 1);
    const said = run.stdout().match(/paused: .*changed by someone else.*/)?.[0] ?? '';
    expect(said).toContain(`Deployment ${NS}/${app} was changed by someone else`);
    expect(said).toMatch(new RegExp(`image is ${escape(theirs)} \\([^)]*${escape(began)}\\)`));
    expect(said).toContain('nothing was overwritten');
    expect(imageOf(await deployment(app))).toBe(theirs);

    // Resuming again changes nothing either: the older image is never written over the newer one.
    const resumed = await control('resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    await until('it pauses again', () => drifts() >= 2);
    expect(imageOf(await deployment(app))).toBe(theirs);

    const aborted = await control('abort');
    expect(aborted.code, aborted.stderr).toBe(0);
    const end = await run.done;
    expect(end.code, end.stdout).toBe(2);
    expect(end.stdout).not.toMatch(/^completed/m);
    expect(lastTraffic(end.stdout)).toContain('stable 100 % · canary 0 %');
    expect(imageOf(await deployment(app))).toBe(theirs);
    expect((await deployment(`${app}-canary`))?.spec?.replicas).toBe(0);
  }

  const untilPromoted = `[{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }]`;

  it('a paused canary resumed after someone released another version pauses as drift and never overwrites', async () => {
    const app = 'workflow-engine';
    const plan = join(dir, 'stale-resume.yaml');
    writeFileSync(plan, plans.canary(app, 'v1.27.0', untilPromoted));
    const run = startCli(runArgs(plan, 'stale-resume'), { HOME: dir });
    await until('the canary waits to be promoted', () => /paused at step 2 of 3/.test(run.stdout()), 60_000);
    const id = /^release (\S+)$/m.exec(run.stdout())?.[1] ?? '';
    const began = imageOf(await deployment(app))!;
    const inUse = await cleanup(app);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/still has \d+ replica\(s\): a release may be using it/);
    await colleagueReleases(app, 'v1.26.0');
    await expectDriftNeverOverwrites(run, id, 'stale-resume', began, image(app, 'v1.26.0'));
  }, 120_000);

  it('a canary whose process stopped, resumed with run --resume after another release, pauses as drift', async () => {
    const app = 'workflow-engine';
    const plan = planOf(plans.canary(app, 'v1.28.0', untilPromoted));
    const journal = 'stopped-resume';
    // The first process drives the release to its pause and then ends (as a killed or closed one would).
    const releaseId = `stopped-resume-${Date.now()}`;
    const first = await startOnSandbox(sb, plan, join(dir, journal), { releaseId, stopWhenPaused: true });
    expect((await first.done).kind).toBe('paused');
    const began = imageOf(await deployment(app))!;
    await colleagueReleases(app, 'v1.29.0');

    const run = startCli(
      ['run', '--resume', releaseId, '--kubeconfig', kubeconfig, '--yes', '--journal', join(dir, journal)],
      { HOME: dir },
    );
    await until(
      'the resumed canary waits to be promoted',
      () => /paused at step 2 of 3/.test(run.stdout()),
      60_000,
    );
    await expectDriftNeverOverwrites(run, releaseId, journal, began, image(app, 'v1.29.0'));
  }, 120_000);
});
