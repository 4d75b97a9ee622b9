import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOpenFeatureProvider } from '../../../src-main/adapters/kube/flags/openfeature-provider.ts';
import { createKubeReleaseOps } from '../../../src-main/adapters/kube/release-ops.ts';
import { createSandboxAnalysis } from '../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { flagProviderFor } from '../../../src-main/app/flag-providers.ts';
import { createFileJournal } from '../../../src-main/engine/journal/file-journal.ts';
import { startRelease, type ReleaseHandle } from '../../../src-main/engine/runner/release-runner.ts';
import type { ExposureReading, FlagProvider } from '../../../src-main/ports/exposure.port.ts';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import { closeSoon } from '../adapters/kube/sandbox-fixture.ts';
import { cli } from '../../support/cli.ts';
import { startTcpGate } from '../../support/tcp-gate.ts';
import { startUnleash, type UnleashTestServer } from '../../support/unleash.ts';

// The engine ramps a feature in a real Unleash (one server for the file, a feature per test). The sandbox's
// `flags` scenario plays the application: its simulated users get the variant Unleash serves (copied to the
// sandbox's FeatureFlag after each write, see `withSandboxUsers`), so the per-variant analysis has traffic.
const PLAN = join(import.meta.dirname, '../../fixtures/plans/flag-rollout-sandbox-fast.yaml');
const TOKEN_ENV = 'SWITCHYARD_TEST_UNLEASH_TOKEN';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-unleash-ramp-'));
let server: UnleashTestServer;

beforeAll(async () => {
  server = await startUnleash();
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The fixture plan's YAML, ramping Unleash feature `flag` through `url`, with other steps if given. */
function planText(flag: string, url = server.url, steps?: string): string {
  const text = readFileSync(PLAN, 'utf8')
    .replace(
      /provider: \{ kind: openfeature, name: checkout-flags \}/,
      `provider: { kind: unleash, url: '${url}', environment: development, tokenEnv: ${TOKEN_ENV} }`,
    )
    .replace(/flag: new-checkout/, `flag: ${flag}`);
  return steps ? text.replace(/ {2}steps:\n( {4}- .*\n)+/, `  steps:\n${steps}`) : text;
}

/** The fixture plan ramping Unleash feature `flag`, parsed. */
function planFor(flag: string, url = server.url, steps?: string): ReleasePlan {
  const parsed = parsePlan(planText(flag, url, steps));
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.plan;
}

/** A new feature `flag` in Unleash and the plan that ramps it. */
async function unleashPlan(flag: string, url?: string, steps?: string): Promise<ReleasePlan> {
  await server.createFeature(flag);
  return planFor(flag, url, steps);
}

/** The provider the app builds for `plan` (token from the environment variable the plan names). */
async function unleashFor(plan: ReleasePlan): Promise<FlagProvider> {
  const provider = await flagProviderFor(plan, {
    kubeconfigYaml: '',
    env: { [TOKEN_ENV]: server.adminToken },
  });
  return provider!;
}

/**
 * Unleash as the engine drives it, plus the sandbox's simulated users following it: after each write the
 * exposure read back from Unleash is copied to the sandbox's FeatureFlag, whose flagd evaluation decides
 * which variant each simulated request gets. Test glue standing in for the application's Unleash SDK.
 */
function withSandboxUsers(unleash: FlagProvider, sb: SandboxHandle): FlagProvider {
  const users = createOpenFeatureProvider(sb.kubeconfigYaml(), {
    namespace: 'shop',
    name: 'checkout-flags',
    flag: 'new-checkout',
  });
  const follow = async (reading: ExposureReading): Promise<ExposureReading> => {
    if (reading.enabled) await users.setPercent(reading.percent[reading.newVariant] ?? 0);
    else await users.kill();
    return reading;
  };
  return {
    ...unleash,
    kind: unleash.kind,
    describe: () => unleash.describe(),
    setPercent: async (percent, expected) => follow(await unleash.setPercent(percent, expected)),
    kill: async () => follow(await unleash.kill()),
  };
}

async function start(sb: SandboxHandle, plan: ReleasePlan): Promise<ReleaseHandle> {
  return startRelease({
    plan,
    ops: createKubeReleaseOps(sb.kubeconfigYaml(), plan, { pollMs: 50 }),
    flags: withSandboxUsers(await unleashFor(plan), sb),
    analysis: createSandboxAnalysis({ url: sb.url, token: sb.token }),
    clock: sb.clock,
    journal: createFileJournal({ dir: join(dir, `engine-${Math.random()}`), user: 'test' }),
    who: { user: 'test', context: 'sandbox' },
    stopWhenPaused: true,
  });
}

/** Waits (on the condition, polling) until the release's snapshot satisfies `ok`. */
async function until(handle: ReleaseHandle, ok: (s: ReleaseSnapshot) => boolean): Promise<ReleaseSnapshot> {
  return vi.waitFor(
    () => {
      const snapshot = handle.getSnapshot();
      if (!ok(snapshot)) throw new Error(`still ${snapshot.phase}`);
      return snapshot;
    },
    { timeout: 60_000, interval: 20 },
  );
}

/** What an SDK would get: the feature as the client API serves it once it caught up with `ok`. */
async function served(flag: string, ok: (f: ClientFeature) => boolean): Promise<ClientFeature> {
  const { body } = await server.clientFeatures((b) => {
    const f = (b.features as ClientFeature[]).find((x) => x.name === flag);
    return f !== undefined && ok(f);
  });
  return (body.features as ClientFeature[]).find((x) => x.name === flag)!;
}

interface ClientFeature {
  name: string;
  enabled: boolean;
  strategies: { name: string; parameters?: Record<string, string> }[];
}

const rollout = (f: ClientFeature) =>
  f.strategies.find((s) => s.name === 'flexibleRollout')?.parameters?.rollout;

/** Runs `body` with a fresh sandbox of the `flags` scenario at 100×, closed afterwards. */
async function withSandbox(body: (sb: SandboxHandle) => Promise<void>): Promise<void> {
  const sb = await startSandbox({ scenario: 'flags', speed: 100 });
  try {
    await body(sb);
  } finally {
    await closeSoon(sb);
  }
}

describe('a flag ramp on a real Unleash, judged on the sandbox', () => {
  it(
    'a healthy variant ramps to 100 %, read back from Unleash and served by its client API',
    () =>
      withSandbox(async (sb) => {
        const handle = await start(sb, await unleashPlan('ramp-healthy'));
        const outcome = await handle.done;
        expect(outcome.kind, outcome.reason).toBe('completed');
        expect(outcome.snapshot.traffic.actual).toEqual({ off: 0, on: 100 });
        const feature = await served('ramp-healthy', (f) => f.enabled && rollout(f) === '100');
        expect(feature.strategies).toHaveLength(1);
      }),
    120_000,
  );

  it(
    'a failing variant is killed: the environment off, the client API serving the feature off, the breach in the decision',
    () =>
      withSandbox(async (sb) => {
        sb.setFault({ namespace: 'shop', service: 'checkout', variant: 'on', errorRate: 0.3 });
        const handle = await start(sb, await unleashPlan('ramp-failing'));
        const outcome = await handle.done;
        expect(outcome.kind, outcome.reason).toBe('aborted');
        expect(outcome.reason).toMatch(/Kill switch pulled: flag "ramp-failing" serves 0 % on/);
        expect(JSON.stringify(outcome.snapshot.decisions)).toMatch(/failed 1 > failureLimit 0/);
        await served('ramp-failing', (f) => !f.enabled);
        expect(await (await unleashFor(planFor('ramp-failing'))).read()).toMatchObject({
          enabled: false,
          percent: { off: 100, on: 0 },
        });
      }),
    120_000,
  );

  it(
    'an edit in Unleash mid-ramp pauses the ramp as drift; the edit stays',
    () =>
      withSandbox(async (sb) => {
        const plan = await unleashPlan(
          'ramp-drift',
          undefined,
          '    - setPercentage: 10\n    - pause: { duration: 2m }\n    - setPercentage: 50\n',
        );
        const handle = await start(sb, plan);
        await until(handle, (s) => s.currentStep === 1);
        // In Unleash's own UI: someone rolls the feature out to everyone.
        await server.editRollout('ramp-drift', 100);
        const outcome = await handle.done;
        expect(outcome.kind, outcome.reason).toBe('paused');
        expect(outcome.snapshot.pause?.cause).toBe('drift');
        expect(outcome.reason).toMatch(/off 90 %, on 10 %.*off 0 %, on 100 %/);
        await served('ramp-drift', (f) => f.enabled && rollout(f) === '100');
      }),
    120_000,
  );

  it(
    'an unreachable Unleash pauses the ramp as unreachable; it goes on once Unleash answers',
    () =>
      withSandbox(async (sb) => {
        const gate = await startTcpGate(Number(new URL(server.url).port));
        try {
          const plan = await unleashPlan(
            'ramp-gone',
            `http://127.0.0.1:${gate.port}`,
            '    - setPercentage: 10\n    - pause: { duration: 1m }\n    - setPercentage: 50\n',
          );
          const handle = await start(sb, plan);
          await until(handle, (s) => s.currentStep === 1);
          await gate.shut();
          const paused = await until(handle, (s) => s.status === 'paused');
          // The pause names the flag system that does not answer, not the cluster (which does).
          const unleash = `Unleash at http://127.0.0.1:${gate.port}`;
          expect(paused.pause?.system).toBe(unleash);
          expect(paused.pause?.message.startsWith(`${unleash} unreachable since `)).toBe(true);
          expect(paused.pause?.message).toMatch(
            /since (?:sim \d\d:\d\d:\d\d|\d\d:\d\d:\d\d \S+): Cannot reach Unleash at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
          );
          expect(paused.pause?.message).not.toMatch(/cluster/);
          expect(paused.pause?.message).toMatch(
            /continues by itself once Unleash at http:\S+ answers again\.$/,
          );
          await gate.open();
          const outcome = await handle.done;
          expect(outcome.kind, outcome.reason).toBe('completed');
          // A completed ramp ends with everyone on the new variant.
          await served('ramp-gone', (f) => f.enabled && rollout(f) === '100');
        } finally {
          await gate.close();
        }
      }),
    120_000,
  );

  it(
    'switchyard run ramps the Unleash feature with the token from the named variable, which it never writes anywhere',
    () =>
      withSandbox(async (sb) => {
        await server.createFeature('ramp-cli');
        const plan = join(dir, 'ramp-cli.yaml');
        writeFileSync(
          plan,
          planText(
            'ramp-cli',
            server.url,
            '    - setPercentage: 10\n    - pause: { duration: 1m }\n    - setPercentage: 50\n',
          ),
        );
        const kubeconfig = join(dir, 'ramp-cli.kubeconfig');
        sb.writeKubeconfig(kubeconfig, 'sandbox');
        const journal = join(dir, 'ramp-cli-journal');
        const args = ['run', plan, '--yes', '--journal', journal];
        args.push('--kubeconfig', kubeconfig, '--context', 'sandbox');

        const unset = await cli(args, { HOME: dir });
        expect(unset.code).toBe(1);
        expect(unset.stderr + unset.stdout).toContain(`The environment variable ${TOKEN_ENV}`);

        const run = await cli(args, { HOME: dir, [TOKEN_ENV]: server.adminToken });
        expect(run.code, run.stdout + run.stderr).toBe(0);
        expect(run.stdout).toMatch(/^completed: /m);
        expect(await (await unleashFor(planFor('ramp-cli'))).read()).toMatchObject({
          enabled: true,
          percent: { off: 0, on: 100 },
        });
        // The secret part of the token is in no output and no file the run wrote (journal, audit log).
        const secret = server.adminToken.split('.').at(-1)!;
        expect(run.stdout + run.stderr).not.toContain(secret);
        const written = readdirSync(journal, { recursive: true, withFileTypes: true }).filter((e) =>
          e.isFile(),
        );
        expect(written.length).toBeGreaterThan(0);
        for (const file of written)
          expect(readFileSync(join(file.parentPath, file.name), 'utf8')).not.toContain(secret);
      }),
    120_000,
  );
});
