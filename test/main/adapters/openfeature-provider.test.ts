import { setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOpenFeatureProvider,
  FlagInvalidError,
} from '../../../src-main/adapters/kube/flags/openfeature-provider.ts';
import type { FlagProvider, FlagSegment } from '../../../src-main/ports/exposure.port.ts';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { variantShares } from '../../support/flag-shares.ts';
import { clientsFor } from '../sandbox/clients.ts';

const FF = { group: 'core.openfeature.dev', version: 'v1beta1', plural: 'featureflags' } as const;
const target = { namespace: 'shop', name: 'checkout-flags', flag: 'new-checkout' };
let sb: SandboxHandle;
let flags: FlagProvider;

type Flag = { state: string; defaultVariant: string; targeting?: unknown; variants: Record<string, boolean> };

/** The flag as stored in the cluster (read by another client). */
async function stored(key = 'new-checkout'): Promise<Flag> {
  const ff = (await clientsFor(sb).custom.getNamespacedCustomObject({
    ...FF,
    namespace: 'shop',
    name: 'checkout-flags',
  })) as { spec: { flagSpec: { flags: Record<string, Flag> } } };
  return ff.spec.flagSpec.flags[key]!;
}

/** A colleague edits the flag with their own client (a merge patch), as from the flag system's UI. */
async function colleagueEdits(flag: Partial<Flag>, key = 'new-checkout'): Promise<void> {
  await clientsFor(sb).custom.patchNamespacedCustomObject(
    {
      ...FF,
      namespace: 'shop',
      name: 'checkout-flags',
      body: { spec: { flagSpec: { flags: { [key]: flag } } } },
    },
    setHeaderOptions('Content-Type', 'application/merge-patch+json'),
  );
}

/** Share of checkout's requests served `on` over the next sandbox minute. */
async function servedOn(): Promise<number> {
  return (await variantShares(sb, 'shop', 'checkout')).share.on ?? 0;
}

beforeAll(async () => {
  sb = await startSandbox({ scenario: 'flags', speed: 300 });
  flags = createOpenFeatureProvider(sb.kubeconfigYaml(), target);
});
afterAll(async () => {
  // The last test closes it already; closing again is harmless.
  await sb.close();
});

const beta: FlagSegment = {
  name: 'beta testers',
  attribute: 'email',
  operator: 'ends_with',
  values: ['@beta.example.com'],
};

describe('the OpenFeature provider against the sandbox', () => {
  it('reads the flag as everyone on its default variant, and lists the flags', async () => {
    const r = await flags.read();
    expect(r).toMatchObject({ percent: { off: 100, on: 0 }, newVariant: 'on', enabled: true });
    expect(r.source).toMatch(/^FeatureFlag shop\/checkout-flags \(resourceVersion \d+\)$/);
    expect(flags.describe()).toBe('FeatureFlag shop/checkout-flags, flag new-checkout');
    expect(await flags.listFlags()).toEqual([
      {
        key: 'new-checkout',
        variants: ['on', 'off'],
        enabled: true,
        description: 'FeatureFlag shop/checkout-flags',
      },
      {
        key: 'dark-mode',
        variants: ['on', 'off'],
        enabled: true,
        description: 'FeatureFlag shop/checkout-flags',
      },
    ]);
    expect(await flags.readFlag('dark-mode')).toMatchObject({ percent: { on: 100, off: 0 }, enabled: true });
    await expect(flags.readFlag('nope')).rejects.toMatchObject({ kind: 'notFound' });
  });

  it('passes preflight: reachable, authorised, can edit, flag and variants exist', async () => {
    const checks = await flags.check();
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['reachable', true],
      ['authorised', true],
      ['can edit', true],
      ['flag exists', true],
      ['variants exist', true],
    ]);
    const wrong = createOpenFeatureProvider(sb.kubeconfigYaml(), { ...target, newVariant: 'green' });
    const variants = (await wrong.check()).find((c) => c.check === 'variants exist');
    expect(variants).toMatchObject({
      ok: false,
      detail: 'Flag new-checkout has no variant green (it has on, off).',
    });
    await expect(wrong.setPercent(10)).rejects.toBeInstanceOf(FlagInvalidError);
  });

  it('ramps with fractional targeting that flagd evaluates: the sandbox serves the share it reads back', async () => {
    const start = await flags.read();
    const ten = await flags.setPercent(10, start);
    expect(ten.percent).toEqual({ on: 10, off: 90 });
    expect((await stored()).targeting).toEqual({
      fractional: [
        ['on', 10],
        ['off', 90],
      ],
    });
    expect(Math.abs((await servedOn()) - 0.1)).toBeLessThan(0.025);
    const half = await flags.setPercent(50, ten);
    expect(half.percent).toEqual({ on: 50, off: 50 });
    // Idempotent: the same percentage again changes nothing the sandbox serves.
    const again = await flags.setPercent(50, half);
    expect(again.percent).toEqual({ on: 50, off: 50 });
    // …and writes nothing: the resourceVersion stays (a step repeated after a restart moves nothing twice).
    expect(again.version).toBe(half.version);
    expect(Math.abs((await servedOn()) - 0.5)).toBeLessThan(0.025);
  });

  it('keeps segment rules first, ahead of the percentage, and reads them back by name', async () => {
    const before = await flags.read();
    const r = await flags.setSegments([beta], before);
    expect(r.segments).toEqual([{ ...beta, variant: 'on' }]);
    expect(r.percent).toEqual({ on: 50, off: 50 });
    expect((await stored()).targeting).toEqual({
      if: [
        { ends_with: [{ var: 'email' }, '@beta.example.com'] },
        'on',
        {
          fractional: [
            ['on', 50],
            ['off', 50],
          ],
        },
      ],
    });
    const zero = await flags.setPercent(0, r);
    expect(zero.segments?.map((s) => s.name)).toEqual(['beta testers']);
    // Only the beta testers (5 % of the simulated users) get the new checkout.
    const share = await servedOn();
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.07);
    const none = await flags.setSegments([], zero);
    expect(none.segments).toBeUndefined();
    expect((await stored()).targeting).toEqual({
      fractional: [
        ['on', 0],
        ['off', 100],
      ],
    });
  });

  it('refuses to overwrite a flag a colleague edited since the reading, naming the difference', async () => {
    const mine = await flags.setPercent(20, await flags.read());
    await colleagueEdits({
      targeting: {
        fractional: [
          ['on', 35],
          ['off', 65],
        ],
      },
    });
    const drift = await flags.setPercent(40, mine).catch((e: Error & { kind: string }) => e);
    expect(drift).toMatchObject({ kind: 'conflict' });
    expect((drift as Error).message).toMatch(/flag new-checkout changed since Switchyard read it/);
    expect((drift as Error).message).toMatch(/on 20 % → 35 %/);
    expect((drift as Error).message).toMatch(/off 80 % → 65 %/);
    expect((await stored()).targeting).toEqual({
      fractional: [
        ['on', 35],
        ['off', 65],
      ],
    });
    // Even from a fresh reading: the flag is not what Switchyard last wrote, so a ramp does not take over.
    const now = await flags.read();
    expect(now.notes).toContain(
      'Flag new-checkout was changed by someone else since Switchyard last wrote it.',
    );
    await expect(flags.setPercent(40, now)).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(/is not what Switchyard last wrote.*on 35 %/),
    });
    // A write without a reading (a ramp's first step, a person taking the flag over) goes through.
    const fresh = await flags.setPercent(35);
    expect(fresh.notes).toBeUndefined();
    // An edit to another flag of the same object is no drift.
    await colleagueEdits({ state: 'DISABLED' }, 'dark-mode');
    expect((await flags.setPercent(45, fresh)).percent).toEqual({ on: 45, off: 55 });
  });

  it('kills: no targeting, the off variant for everyone, whatever the flag looks like', async () => {
    await colleagueEdits({
      targeting: {
        fractional: [
          ['on', 70],
          ['off', 30],
        ],
      },
    });
    const killed = await flags.kill();
    expect(killed).toMatchObject({ percent: { on: 0, off: 100 }, enabled: true });
    expect(killed.segments).toBeUndefined();
    const flag = await stored();
    expect(flag).toMatchObject({ state: 'ENABLED', defaultVariant: 'off' });
    expect(flag.targeting).toBeUndefined();
    expect(await servedOn()).toBe(0);
    // A disabled flag reads as not enabled, everyone on the default variant.
    await colleagueEdits({ state: 'DISABLED' });
    expect(await flags.read()).toMatchObject({ enabled: false, percent: { off: 100, on: 0 } });
  });

  it("ramps again after a kill, and a colleague's Switchyard on another laptop continues from the same flag", async () => {
    await flags.kill();
    const afterKill = await flags.read();
    const again = await flags.setPercent(10, afterKill);
    expect(again).toMatchObject({ percent: { on: 10, off: 90 }, enabled: true });
    expect(await stored()).toMatchObject({ state: 'ENABLED', defaultVariant: 'off' });
    // Another instance (its own client, nothing shared but the cluster) reads what this one wrote: no drift.
    const colleague = createOpenFeatureProvider(sb.kubeconfigYaml(), target);
    const theirs = await colleague.read();
    expect(theirs.notes).toBeUndefined();
    expect((await colleague.setPercent(30, theirs)).percent).toEqual({ on: 30, off: 70 });
    // Our reading from before their write is stale now.
    await expect(flags.setPercent(50, again)).rejects.toMatchObject({ kind: 'conflict' });
    expect(Math.abs((await servedOn()) - 0.3)).toBeLessThan(0.025);
  });

  it('with a read-only user: preflight says it cannot edit, and a write is forbidden', async () => {
    const viewerYaml = sb
      .kubeconfigYaml('sandbox', { viewer: true })
      .replace('current-context: sandbox\n', 'current-context: sandbox-viewer\n');
    const viewer = createOpenFeatureProvider(viewerYaml, target);
    const checks = Object.fromEntries((await viewer.check()).map((c) => [c.check, c.ok]));
    expect(checks).toMatchObject({
      reachable: true,
      authorised: true,
      'can edit': false,
      'flag exists': true,
    });
    await expect(viewer.setPercent(60)).rejects.toMatchObject({ kind: 'forbidden' });
    expect((await flags.read()).percent).toEqual({ on: 30, off: 70 });
  });

  it('refuses to rewrite targeting it cannot keep, and says so in the reading', async () => {
    const custom = { if: [{ '>': [{ var: 'age' }, 30] }, 'on', { if: [true, 'off', 'on'] }] };
    // (A merge patch merges objects: the old targeting goes first.)
    await colleagueEdits({ targeting: null });
    await colleagueEdits({ targeting: custom });
    const r = await flags.read();
    expect(r.notes?.join(' ')).toMatch(/cannot keep beside a percentage/);
    await expect(flags.setPercent(10)).rejects.toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/cannot rewrite without losing it/),
    });
    expect((await stored()).targeting).toEqual(custom);
    // The kill switch still works: everyone off, at once.
    expect((await flags.kill()).percent).toEqual({ on: 0, off: 100 });
  });

  it('answers with an unreachable error when the cluster is down', async () => {
    const yaml = sb.kubeconfigYaml();
    await sb.close();
    const down = createOpenFeatureProvider(yaml, target, { readAttempts: 1 });
    await expect(down.read()).rejects.toMatchObject({ kind: 'unreachable' });
    await expect(down.setPercent(10)).rejects.toMatchObject({ kind: 'unreachable' });
    expect((await down.check())[0]).toMatchObject({ check: 'reachable', ok: false });
  });
});
