import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExposureReading, FlagProvider } from '../../../src-main/ports/exposure.port.ts';
import {
  createUnleashProvider,
  type UnleashProviderConfig,
} from '../../../src-main/adapters/flags/unleash-provider.ts';
import { rampStrategy } from '../../../src-main/adapters/flags/unleash-strategies.ts';
import { resolveUnleashToken } from '../../../src-main/adapters/flags/unleash-token.ts';
import { createFakeSecretStore } from '../../support/fake-secret-store.ts';
import { startUnleash, type UnleashTestServer } from '../../support/unleash.ts';

// One real Unleash (on a real PostgreSQL) for the whole file; each test works on its own feature.
let server: UnleashTestServer;
const USERS = Array.from({ length: 1000 }, (_, i) => `user-${i}`);

beforeAll(async () => {
  server = await startUnleash();
  // A custom context field, as teams define one for e-mail targeting.
  await admin('POST', 'api/admin/context', { name: 'email', stickiness: false });
});

afterAll(async () => {
  await server?.stop();
});

const admin = (method: string, path: string, body?: unknown) => server.admin(method, path, body);
const createFeature = (flag: string) => server.createFeature(flag);

function provider(flag: string, extra: Partial<UnleashProviderConfig> = {}): FlagProvider {
  return createUnleashProvider({
    url: server.url,
    project: 'default',
    environment: 'development',
    flag,
    token: server.adminToken,
    ...extra,
  });
}

interface ServedStrategy {
  name: string;
  parameters?: Record<string, string>;
  constraints?: unknown[];
  variants?: { name: string }[];
}

/** What decides who gets a feature, comparable between the admin and the client API. */
function servedShape(enabled: boolean, strategies: readonly ServedStrategy[]): string {
  const each = strategies.map((s) =>
    JSON.stringify([
      s.name,
      s.parameters?.rollout,
      s.constraints ?? [],
      (s.variants ?? []).map((v) => v.name),
    ]),
  );
  return JSON.stringify([enabled, each.sort()]);
}

/**
 * Waits until the client API (what SDKs poll) serves `flag` as the admin API now has it, then evaluates it for
 * every user with Unleash's own Node SDK fed exactly that configuration.
 */
async function evaluate(
  flag: string,
  users: readonly { userId: string; properties?: Record<string, string> }[],
): Promise<{ enabled: Set<string>; variants: Map<string, string> }> {
  const feature = (await admin('GET', `api/admin/projects/default/features/${flag}`)) as {
    environments: { name: string; enabled: boolean; strategies: ServedStrategy[] }[];
  };
  const env = feature.environments.find((e) => e.name === 'development')!;
  const wanted = servedShape(env.enabled, env.strategies);
  const features = await server.clientFeatures((body) => {
    const served = (
      body.features as ({ name: string; enabled: boolean } & { strategies: ServedStrategy[] })[]
    ).find((f) => f.name === flag);
    return served !== undefined && servedShape(served.enabled, served.strategies) === wanted;
  });
  const sdk = new Unleash({
    url: `${server.url}/api`,
    appName: 'switchyard-test',
    refreshInterval: 0,
    disableMetrics: true,
    skipInstanceCountWarning: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: { data: features.body.features as never },
  });
  if (!sdk.isSynchronized()) await once(sdk, 'ready');
  const enabled = new Set<string>();
  const variants = new Map<string, string>();
  for (const context of users) {
    if (sdk.isEnabled(flag, context)) enabled.add(context.userId);
    variants.set(context.userId, sdk.getVariant(flag, context).name);
  }
  sdk.destroy();
  return { enabled, variants };
}

const everyone = USERS.map((userId) => ({ userId }));

describe('Unleash provider against a real Unleash 6.10', () => {
  it('reads a new feature as off, ramps it and reads back what Unleash now serves', async () => {
    await createFeature('ramp-read');
    const flag = provider('ramp-read');
    const before = await flag.read();
    expect(before).toMatchObject({ enabled: false, newVariant: 'on', percent: { off: 100, on: 0 } });
    expect(before.source).toContain('ramp-read');
    expect(flag.describe()).toBe(
      `Unleash feature ramp-read (project "default", environment "development", ${server.url})`,
    );
    expect(Number(before.version)).toBeGreaterThan(0);

    const after = await flag.setPercent(25, before);
    expect(after).toMatchObject({ enabled: true, percent: { off: 75, on: 25 } });
    expect(Number(after.version)).toBeGreaterThan(Number(before.version));
    // Calling it again (a resume after a crash) changes nothing in Unleash: no new event.
    const again = await flag.setPercent(25, after);
    expect(again.version).toBe(after.version);

    const strategies = (await admin(
      'GET',
      'api/admin/projects/default/features/ramp-read/environments/development/strategies',
    )) as { name: string; parameters: Record<string, string> }[];
    expect(strategies).toHaveLength(1);
    expect(strategies[0]).toMatchObject({
      name: 'flexibleRollout',
      parameters: { rollout: '25', groupId: 'ramp-read', stickiness: 'default' },
    });
  });

  it('exposes about the set share of 1,000 users, with the new variant, and keeps them in as it grows', async () => {
    await createFeature('new-checkout');
    const flag = provider('new-checkout', { newVariant: 'checkout-v2', offVariant: 'checkout-v1' });
    const at30 = await flag.setPercent(30, await flag.read());
    expect(at30.percent).toEqual({ 'checkout-v1': 70, 'checkout-v2': 30 });
    const first = await evaluate('new-checkout', everyone);
    expect(first.enabled.size).toBeGreaterThan(250);
    expect(first.enabled.size).toBeLessThan(350);
    for (const user of first.enabled) expect(first.variants.get(user)).toBe('checkout-v2');

    await flag.setPercent(60, at30);
    const second = await evaluate('new-checkout', everyone);
    expect(second.enabled.size).toBeGreaterThan(550);
    expect(second.enabled.size).toBeLessThan(650);
    // groupId is the flag: everyone who had the feature at 30 % still has it at 60 %.
    for (const user of first.enabled) expect(second.enabled.has(user)).toBe(true);
  });

  it('serves the new variant to targeted segments first, reads them back and removes them', async () => {
    await createFeature('segments');
    const flag = provider('segments', { newVariant: 'beta' });
    const start = await flag.setPercent(0, await flag.read());
    const targeted = await flag.setSegments(
      [
        { name: 'beta testers', attribute: 'userId', operator: 'in', values: ['user-1', 'user-2'] },
        { name: 'staff', attribute: 'email', operator: 'ends_with', values: ['@example.com'] },
      ],
      start,
    );
    expect(targeted.segments).toEqual([
      {
        name: 'beta testers',
        attribute: 'userId',
        operator: 'in',
        values: ['user-1', 'user-2'],
        variant: 'beta',
      },
      { name: 'staff', attribute: 'email', operator: 'ends_with', values: ['@example.com'], variant: 'beta' },
    ]);
    expect(targeted.notes).toContain('Besides the 0 %, users in "beta testers", "staff" get the feature.');
    const users = [
      { userId: 'user-1' },
      { userId: 'user-2' },
      { userId: 'user-3' },
      { userId: 'user-4', properties: { email: 'ana@example.com' } },
      { userId: 'user-5', properties: { email: 'bo@example.org' } },
    ];
    const served = await evaluate('segments', users);
    expect([...served.enabled].sort()).toEqual(['user-1', 'user-2', 'user-4']);
    expect(served.variants.get('user-4')).toBe('beta');

    const cleared = await flag.setSegments([], targeted);
    expect(cleared.segments).toBeUndefined();
    expect((await evaluate('segments', users)).enabled.size).toBe(0);
  });

  it('kill turns the environment off: the client API serves the feature off for everyone; a new ramp turns it on', async () => {
    await createFeature('kill-me');
    const flag = provider('kill-me');
    await flag.setPercent(50, await flag.read());
    expect((await evaluate('kill-me', everyone)).enabled.size).toBeGreaterThan(400);

    const killed = await flag.kill();
    expect(killed).toMatchObject({ enabled: false, percent: { off: 100, on: 0 } });
    expect((await evaluate('kill-me', everyone)).enabled.size).toBe(0);
    // Killing again is harmless (a crash between kill and journal).
    expect((await flag.kill()).version).toBe(killed.version);

    // Fixed and released again: the ramp starts over at its first step, not at the 50 % it had.
    const again = await flag.setPercent(10, killed);
    expect(again).toMatchObject({ enabled: true, percent: { off: 90, on: 10 } });
    const served = await evaluate('kill-me', everyone);
    expect(served.enabled.size).toBeGreaterThan(50);
    expect(served.enabled.size).toBeLessThan(150);
  });

  it('refuses to overwrite an edit made in Unleash since the last reading, naming it; kill still works', async () => {
    await createFeature('drifty');
    const flag = provider('drifty');
    const ours = await flag.setPercent(10, await flag.read());
    // In Unleash's own UI: someone rolls it out to half of the users.
    await server.editRollout('drifty', 50);

    const refused = await flag.setPercent(20, ours).catch((error: unknown) => error);
    expect(refused).toMatchObject({ kind: 'conflict' });
    expect((refused as Error).message).toMatch(/rollout 10 % → 50 %/);
    expect((refused as Error).message).toContain('did not overwrite');
    const now = await flag.read();
    expect(now.percent.on).toBe(50);
    await expect(flag.setSegments([], ours)).rejects.toMatchObject({ kind: 'conflict' });

    // Taking the new reading as the baseline (the operator accepted the edit), the ramp may move on.
    expect((await flag.setPercent(60, now)).percent.on).toBe(60);
    expect((await flag.kill()).enabled).toBe(false);
  });

  it('resumes a write a crash interrupted, without calling it drift or writing twice', async () => {
    await createFeature('resumed');
    const journaled = await provider('resumed').read();
    // The crashed process had written the ramp strategy at 20 % but not yet turned the environment on.
    const strategies = 'api/admin/projects/default/features/resumed/environments/development/strategies';
    await admin('POST', strategies, rampStrategy(20, { flag: 'resumed', stickiness: 'default' }));

    const resumed = await provider('resumed').setPercent(20, journaled);
    expect(resumed).toMatchObject({ enabled: true, percent: { off: 80, on: 20 } });
    expect(await admin('GET', strategies)).toHaveLength(1);
    // A different percentage set in Unleash meanwhile is drift, even for a provider that did not see it happen.
    await server.editRollout('resumed', 35);
    await expect(provider('resumed').setPercent(40, resumed)).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('lists the project’s flags, reads another flag and preflights a clean feature', async () => {
    await createFeature('listed');
    await provider('listed', { newVariant: 'blue' }).setPercent(100);
    const flag = provider('ramp-read');
    const flags = await flag.listFlags();
    expect(flags.find((f) => f.key === 'listed')).toEqual({
      key: 'listed',
      variants: ['off', 'on', 'blue'],
      enabled: true,
    });
    expect(flags.map((f) => f.key)).toContain('new-checkout');

    const other = await flag.readFlag('listed');
    expect(other).toMatchObject({ enabled: true, newVariant: 'blue', percent: { blue: 100, off: 0 } });

    const checks = await provider('listed').check();
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['reachable', true],
      ['authorised', true],
      ['project exists', true],
      ['flag exists', true],
      ['environment exists', true],
      ['can edit', true],
      ['strategies', true],
    ]);
  });

  it('says what is missing: no such feature, no such environment, a strategy someone else added', async () => {
    await expect(provider('no-such-flag').read()).rejects.toMatchObject({
      kind: 'notFound',
      message: expect.stringContaining('no feature "no-such-flag" in project "default"'),
    });
    await expect(provider('ramp-read', { environment: 'staging' }).read()).rejects.toMatchObject({
      kind: 'notFound',
      message: expect.stringContaining('no environment "staging"'),
    });
    const missing = await provider('no-such-flag').check();
    expect(missing.at(-1)).toMatchObject({ check: 'flag exists', ok: false });

    await createFeature('shared');
    await admin('POST', 'api/admin/projects/default/features/shared/environments/development/strategies', {
      name: 'default',
      title: 'Everyone in QA',
      constraints: [],
      parameters: {},
    });
    const checks = await provider('shared').check();
    expect(checks.at(-1)).toMatchObject({ check: 'strategies', ok: false });
    expect(checks.at(-1)!.detail).toContain('"Everyone in QA"');
    // Read back as users get it: the other strategy serves everyone, whatever the ramp's 5 %.
    const reading = await provider('shared').setPercent(5);
    expect(reading.percent).toEqual({ off: 0, on: 100 });
    expect(reading.notes?.join(' ')).toContain('"Everyone in QA"');
  });

  it('a wrong or client token is forbidden, and no message carries the token', async () => {
    const wrong = '*:*.not-the-right-token-0123456789';
    const denied = await provider('ramp-read', { token: wrong })
      .read()
      .catch((error: unknown) => error);
    expect(denied).toMatchObject({ kind: 'forbidden' });
    expect((denied as Error).message).not.toContain(wrong);
    await expect(provider('ramp-read', { token: server.clientToken }).setPercent(90)).rejects.toMatchObject({
      kind: 'forbidden',
    });
    const checks = await provider('ramp-read', { token: wrong }).check();
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['reachable', true],
      ['authorised', false],
    ]);
    expect(JSON.stringify(checks)).not.toContain(wrong);
    expect(JSON.stringify(await provider('ramp-read').check())).not.toContain(server.adminToken);
  });

  it('a person’s access token: an Editor’s may ramp; a Viewer’s is authorised but may not edit, and is never shown', async () => {
    await createFeature('personal');
    const editor = await server.personalToken('Editor');
    const editorChecks = await provider('personal', { token: editor }).check();
    expect(editorChecks.find((c) => c.check === 'can edit')).toMatchObject({ ok: true });
    expect((await provider('personal', { token: editor }).setPercent(15)).percent.on).toBe(15);

    const viewer = await server.personalToken('Viewer');
    const viewerChecks = await provider('personal', { token: viewer }).check();
    expect(viewerChecks.map((c) => [c.check, c.ok])).toContainEqual(['authorised', true]);
    expect(viewerChecks.find((c) => c.check === 'can edit')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('UPDATE_FEATURE_STRATEGY'),
    });
    const refused = await provider('personal', { token: viewer })
      .setPercent(90)
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ kind: 'forbidden' });
    expect(JSON.stringify([viewerChecks, (refused as Error).message])).not.toContain(viewer);
    expect((await provider('personal').read()).percent.on).toBe(15);
  });

  it('takes the token from the named environment variable or keychain secret, never from the plan', async () => {
    await expect(
      resolveUnleashToken({ tokenEnv: 'UNLEASH_TOKEN' }, { env: { UNLEASH_TOKEN: 'abc' } }),
    ).resolves.toBe('abc');
    const secrets = createFakeSecretStore({ 'unleash-prod': 'from-keychain' });
    await expect(
      resolveUnleashToken({ tokenSecret: 'unleash-prod', tokenEnv: 'X' }, { env: {}, secrets }),
    ).resolves.toBe('from-keychain');
    await expect(resolveUnleashToken({ tokenEnv: 'UNLEASH_TOKEN' }, { env: {} })).rejects.toMatchObject({
      kind: 'invalidConfig',
      message: expect.stringContaining('UNLEASH_TOKEN'),
    });
    await expect(resolveUnleashToken({}, { env: {} })).rejects.toMatchObject({ kind: 'invalidConfig' });
  });

  it('gives up on a server that accepts but never answers, as a timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const flag = createUnleashProvider(
        {
          url: `http://127.0.0.1:${port}`,
          project: 'default',
          environment: 'development',
          flag: 'x',
          token: 't0ken',
        },
        { timeoutMs: 300 },
      );
      await expect(flag.read()).rejects.toMatchObject({
        kind: 'timeout',
        message: expect.stringContaining('did not answer within 300 ms'),
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('pauses as unreachable when the server is gone (runs last: stops the server)', async () => {
    const flag = provider('ramp-read');
    const reading: ExposureReading = await flag.read();
    await server.stop();
    await expect(flag.setPercent(30, reading)).rejects.toMatchObject({
      kind: 'unreachable',
      message: expect.stringContaining('Cannot reach Unleash at'),
    });
    const checks = await flag.check();
    expect(checks).toEqual([
      { check: 'reachable', ok: false, detail: expect.stringContaining('ECONNREFUSED') },
    ]);
  });
});
