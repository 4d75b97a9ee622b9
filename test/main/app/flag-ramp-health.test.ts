import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthPoint } from '../../../src-shared/bridge/contract.ts';
import type { Engine } from '../../../src-main/app/engine.ts';
import { createSandboxProvider } from '../../../src-main/app/sandbox-provider.ts';
import { flagWithDeployYaml } from '../../fixtures/plans/flag-with-deploy.ts';
import { testConsole } from '../../support/console.ts';

// A flag ramp's health timeline is sampled per variant (the users served `off`, the users served `on`), so a
// fault on the new variant shows on its line only; the history read back from the journal holds the same.
const FIXTURE = join(import.meta.dirname, '../../fixtures/plans/flag-rollout-sandbox-fast.yaml');
const PLAN = readFileSync(FIXTURE, 'utf8').replace(
  / {2}steps:\n( {4}- .*\n)+/,
  '  steps:\n    - setPercentage: 50\n    - pause: {}\n',
);

const dataDir = mkdtempSync(join(tmpdir(), 'sy-flag-health-'));
const consoleOn = () =>
  testConsole({
    sandbox: createSandboxProvider(),
    dataDir,
    rehearsalSandbox: { token: 'flag-health-sandbox-token' },
  });
/** Flag with deploy: a canary at 25 % for 5 minutes, then the flag at 25 % until promoted. */
const WITH_DEPLOY = flagWithDeployYaml(
  ['setWeight: 25', 'pause: { duration: 5m }'],
  ['setPercentage: 25', 'pause: {}'],
);

let engine: Engine;
beforeAll(() => {
  engine = consoleOn();
});
afterAll(async () => engine?.dispose());

/** Waits until `check` holds (polling every 100 ms), or fails after 60 s naming `what`. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting until ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a rehearsal of `text` at 60×; its id, and how to read it as the console shows it. */
async function rehearseText(text: string) {
  const { id } = await engine.handlers['release:start']({
    mode: 'rehearse',
    context: 'sandbox',
    text,
    speed: 60,
    stepThrough: false,
  });
  return { id, get: () => engine.handlers['release:get']({ id }) };
}

const latest = (health: readonly HealthPoint[], variant: string) =>
  health.filter((p) => p.variant === variant).at(-1);

describe('a flag ramp health timeline', () => {
  it('holds a series per variant, the fault on the new variant showing on `on` only, and history reads the same', async () => {
    const { id, get } = await rehearseText(PLAN);
    await until(
      'the ramp holds at 50 %',
      async () => (await get()).snapshot?.phase.includes('untilPromoted') ?? false,
    );
    await until('both variants are sampled', async () => {
      const { health } = await get();
      return (latest(health, 'on')?.rps ?? 0) > 0 && (latest(health, 'off')?.rps ?? 0) > 0;
    });

    await engine.handlers['sandbox:fault']({
      namespace: 'shop',
      service: 'checkout',
      variant: 'on',
      errorRate: 0.3,
    });
    await until(
      'the fault shows on variant on',
      async () => (latest((await get()).health, 'on')?.errorRate ?? 0) > 0.15,
    );
    const { health } = await get();
    // Both variants are served by the one version the ramp runs on; nothing is sampled per version.
    expect(health.every((p) => p.variant !== undefined && p.version === 'v2.3.0')).toBe(true);
    expect(latest(health, 'off')?.errorRate ?? 1).toBeLessThan(0.05);

    const kill = await engine.handlers['release:control']({
      id,
      event: { type: 'ABORT', reason: 'fault on on' },
    });
    expect(kill.accepted, kill.message).toBe(true);
    await until('the ramp is killed', async () => (await get()).snapshot?.status === 'aborted');
    // The console restarted (a reload, or the laptop the next morning) reads the journal's health log.
    await engine.dispose();
    engine = consoleOn();
    const history = (await engine.handlers['release:get']({ id })).health;
    expect(new Set(history.map((p) => p.variant))).toEqual(new Set(['on', 'off']));
    expect(history.some((p) => p.variant === 'on' && (p.errorRate ?? 0) > 0.15)).toBe(true);
    expect(history.some((p) => p.variant === 'off' && (p.errorRate ?? 0) > 0.15)).toBe(false);
  }, 120_000);

  it('of a flag with deploy is per version during the canary and per variant once the flag ramps', async () => {
    const { id, get } = await rehearseText(WITH_DEPLOY);
    await until(
      'the ramp holds at 25 %',
      async () =>
        (await get()).snapshot?.phase.includes('ramp.') === true &&
        (await get()).snapshot?.status === 'paused',
    );
    await until('both variants are sampled', async () => {
      const { health } = await get();
      return latest(health, 'on') !== undefined && latest(health, 'off') !== undefined;
    });
    const { health } = await get();
    const perVersion = health.filter((p) => p.variant === undefined);
    const perVariant = health.filter((p) => p.variant !== undefined);
    expect(new Set(perVersion.map((p) => p.version)).size).toBe(2);
    expect(perVersion.some((p) => p.version === 'v2.4.0')).toBe(true);
    expect(new Set(perVariant.map((p) => p.variant))).toEqual(new Set(['on', 'off']));
    // The canary's points all come before the ramp's: the timeline switches from versions to variants once.
    expect(Math.max(...perVersion.map((p) => p.atMs))).toBeLessThan(
      Math.min(...perVariant.map((p) => p.atMs)),
    );
    await engine.handlers['release:control']({ id, event: { type: 'ABORT', reason: 'done' } });
    await until('the ramp is killed', async () => (await get()).snapshot?.status === 'aborted');
  }, 120_000);
});
