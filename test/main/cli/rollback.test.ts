import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { closeSoon } from '../adapters/kube/sandbox-fixture.ts';
import { cli } from '../../support/cli.ts';

const NS = 'platform-production';
const APP = 'workflow-engine';
const SPEED = 50;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-rollback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A persistent sandbox shared by several CLI runs, reached through a kubeconfig file. */
async function sandbox(name: string): Promise<{ sb: SandboxHandle; kc: string; journal: string }> {
  const sb = await startSandbox({ speed: SPEED });
  const kc = join(dir, `${name}.kubeconfig`);
  sb.writeKubeconfig(kc);
  return { sb, kc, journal: join(dir, `journal-${name}`) };
}

function writePlan(name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

const blueGreen = (tag: string, extra: string) => `
name: bg-${tag}
target: { namespace: ${NS}, name: ${APP}, container: ${APP}, image: registry.platform.com/${APP}:${tag} }
router: { kind: istio, virtualService: ${APP}, destinationRule: ${APP} }
strategy:
  kind: blue-green
  warmup: { requests: 0 }
  settle: 10s
  validation: { duration: 20s, interval: 10s, window: 20s, checks: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }] }
${extra}
`;

const canary = (tag: string) => `
name: canary-${tag}
target: { namespace: ${NS}, name: ${APP}, container: ${APP}, image: registry.platform.com/${APP}:${tag} }
router: { kind: istio, virtualService: ${APP}, destinationRule: ${APP} }
strategy:
  kind: canary
  steps: [{ setWeight: 50 }, { pause: { duration: 30s } }, { analysis: { templates: [health] } }]
analysis:
  templates:
    - name: health
      metrics: [{ name: error-rate, kind: error-rate, interval: 5s, count: 2, window: 20s, failureLimit: 0, successCondition: { op: '<', threshold: 0.02 } }]
`;

const run = (kc: string, journal: string, plan: string) =>
  cli(['run', plan, '--kubeconfig', kc, '--context', 'sandbox', '--yes', '--journal', journal], {
    HOME: dir,
  });

/** `switchyard rollback ID --yes` on the sandbox behind `kc`, with that journal. */
const rollback = (kc: string, journal: string, id: string) =>
  cli(['rollback', id, '--kubeconfig', kc, '--context', 'sandbox', '--journal', journal, '--yes'], {
    HOME: dir,
  });

async function releases(journal: string): Promise<{ id: string; status: string }[]> {
  const r = await cli(['status', '--journal', journal, '--json'], { HOME: dir });
  return (JSON.parse(r.stdout) as { releases: { id: string; status: string }[] }).releases;
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function apps(kc: string): AppsV1Api {
  const k = new KubeConfig();
  k.loadFromFile(kc);
  return k.makeApiClient(AppsV1Api);
}

const deployment = (kc: string, name: string) => apps(kc).readNamespacedDeployment({ name, namespace: NS });

/** Waits until the sandbox's last 10 s of traffic reach `version` only (pods may still be replaced). */
async function servesOnly(sb: SandboxHandle, version: string, gone: string): Promise<void> {
  const served = (v: string) =>
    sb.stats({ namespace: NS, job: APP, version: v, windowSeconds: 10 }).requests ?? 0;
  await until(
    `traffic on ${version} only`,
    async () => ({ [version]: served(version), [gone]: served(gone) }),
    (v) => (v[version] ?? 0) > 0 && v[gone] === 0,
  );
}

function audit(journal: string, id: string): { what: string; why: string; who: { user: string } }[] {
  return readFileSync(join(journal, id, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { what: string; why: string; who: { user: string } });
}

describe('blue-green as planned, through the CLI against a sandbox', () => {
  it('with autoPromote false waits after the smoke checks and switches on `switchyard promote`; the old colour keeps its pods', async () => {
    const { sb, kc, journal } = await sandbox('manual');
    try {
      const plan = writePlan('manual', blueGreen('v1.25.0', '  autoPromote: false'));
      const running = run(kc, journal, plan);
      const [paused] = await until(
        'the release waits for promotion',
        () => releases(journal),
        (l) => l[0]?.status === 'paused',
      );
      // Waiting means waiting: traffic has not moved while it is paused.
      const split = (await cli(['status', '--journal', journal], { HOME: dir })).stdout;
      expect(split).toMatch(/paused \(driven by /);
      expect(sb.stats({ namespace: NS, job: APP, version: 'v1.25.0', windowSeconds: 5 }).requests ?? 0).toBe(
        0,
      );
      const promote = await cli(['promote', paused!.id, '--journal', journal], { HOME: dir });
      expect(promote.code, promote.stderr).toBe(0);
      const r = await running;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        /Paused: Waiting for an operator to promote: green runs registry\.platform\.com\/workflow-engine:v1\.25\.0/,
      );
      expect(r.stdout).toMatch(/Promoted: \S+ promoted: switching all traffic from blue to green/);
      await servesOnly(sb, 'v1.25.0', 'v1.24.0');
      // keepPrevious defaults to true: the old colour still has all its pods.
      const blue = (await deployment(kc, APP)).spec?.replicas ?? 0;
      expect(blue).toBeGreaterThan(0);
    } finally {
      await closeSoon(sb);
    }
  }, 120_000);
});

describe('roll back a completed release later, through the CLI', () => {
  it('blue-green with keepPrevious false: the old colour is scaled to 0, and a rollback scales it back, switches and reads traffic back', async () => {
    const { sb, kc, journal } = await sandbox('bg');
    try {
      const replicasBefore = (await deployment(kc, APP)).spec?.replicas ?? 0;
      const plan = writePlan('bg', blueGreen('v1.25.0', '  keepPrevious: false\n  scaleDownDelay: 40s'));
      const r = await run(kc, journal, plan);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        /Completed: blue was scaled to 0, 40s after the switch \(keepPrevious: false\)/,
      );
      expect((await deployment(kc, APP)).spec?.replicas).toBe(0);
      const [done] = await releases(journal);
      expect(done?.status).toBe('succeeded');

      const back = await cli(
        [
          'rollback',
          done!.id,
          '--kubeconfig',
          kc,
          '--context',
          'sandbox',
          '--journal',
          journal,
          '--yes',
          '--reason',
          'checkout errors',
        ],
        { HOME: dir },
      );
      expect(back.code, back.stderr).toBe(0);
      expect(back.stdout).toMatch(/scaling blue back to \d+ replicas/);
      expect(back.stdout).toMatch(
        /^rolled back: \S+ rolled the completed release back to blue \(checkout errors\); traffic reads back blue 100 % \/ green 0 % \(VirtualService platform-production\/workflow-engine/m,
      );
      const blue = await deployment(kc, APP);
      expect(blue.spec?.replicas).toBe(replicasBefore);
      expect(blue.status?.readyReplicas).toBe(replicasBefore);
      await servesOnly(sb, 'v1.24.0', 'v1.25.0');

      expect((await releases(journal))[0]?.status).toBe('rolledBack');
      const entries = audit(journal, done!.id);
      const last = entries.at(-1);
      expect(last?.what).toBe('rollback');
      expect(last?.why).toMatch(
        /rolled the completed release back to blue \(checkout errors\); traffic reads back blue 100 %/,
      );
      expect(entries.map((e) => e.what)).toContain('rollback-requested');

      const again = await rollback(kc, journal, done!.id);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already rolled back/);
    } finally {
      await closeSoon(sb);
    }
  }, 150_000);

  it('canary: back to the image before it; refused once the workload has moved on, naming the release', async () => {
    const { sb, kc, journal } = await sandbox('canary');
    try {
      const first = await run(kc, journal, writePlan('c1', canary('v1.25.0')));
      expect(first.code, first.stderr).toBe(0);
      const [one] = await releases(journal);
      // The canary workload of the first release stays behind (scaled to 0); removed here as a user does
      // with kubectl today, so the second canary's preflight dry run does not refuse to create it.
      await apps(kc).deleteNamespacedDeployment({ name: `${APP}-canary`, namespace: NS });
      const second = await run(kc, journal, writePlan('c2', canary('v1.26.0')));
      expect(second.code, second.stderr).toBe(0);
      const two = (await releases(journal)).find((x) => x.id !== one!.id);

      const refused = await rollback(kc, journal, one!.id);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `has moved on since release ${one!.id}: it runs registry.platform.com/workflow-engine:v1.26.0 (release ${two!.id}, completed)`,
      );
      expect(audit(journal, one!.id).some((e) => e.what.startsWith('rollback'))).toBe(false);

      const back = await rollback(kc, journal, two!.id);
      expect(back.code, back.stderr).toBe(0);
      expect(back.stdout).toMatch(
        /rolled the completed release back to registry\.platform\.com\/workflow-engine:v1\.25\.0; traffic reads back stable 100 %/,
      );
      const dep = await deployment(kc, APP);
      expect(dep.spec?.template?.spec?.containers?.[0]?.image).toBe(
        'registry.platform.com/workflow-engine:v1.25.0',
      );
      await servesOnly(sb, 'v1.25.0', 'v1.26.0');
      const status = await releases(journal);
      expect(status.find((x) => x.id === two!.id)?.status).toBe('rolledBack');
    } finally {
      await closeSoon(sb);
    }
  }, 90_000);

  it('rolling: back to the image before it, with the traffic read back from the Service', async () => {
    const { sb, kc, journal } = await sandbox('rolling');
    try {
      const plan = writePlan(
        'rolling',
        `
name: rolling-v1.25.0
target: { namespace: ${NS}, name: agent-manager, image: registry.platform.com/agent-manager:v1.25.0 }
router: { kind: service-selector, service: agent-manager }
strategy:
  kind: rolling
  maxSurge: 1
  maxUnavailable: 0
  minReadySeconds: 0
  validation: { duration: 20s, interval: 10s, window: 20s, checks: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }] }
`,
      );
      const r = await run(kc, journal, plan);
      expect(r.code, r.stderr).toBe(0);
      const [done] = await releases(journal);
      const back = await rollback(kc, journal, done!.id);
      expect(back.code, back.stderr).toBe(0);
      expect(back.stdout).toMatch(
        /rolled the completed release back to registry\.platform\.com\/agent-manager:v1\.24\.0; traffic reads back/,
      );
      const dep = await deployment(kc, 'agent-manager');
      expect(dep.spec?.template?.spec?.containers?.[0]?.image).toBe(
        'registry.platform.com/agent-manager:v1.24.0',
      );
      expect(dep.status?.updatedReplicas).toBe(dep.spec?.replicas);
      expect((await releases(journal))[0]?.status).toBe('rolledBack');
    } finally {
      await closeSoon(sb);
    }
  }, 90_000);
});
