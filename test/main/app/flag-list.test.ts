import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import { requests } from '../../../src-shared/bridge/contract.ts';
import type { Engine } from '../../../src-main/app/engine.ts';
import { createSandboxProvider } from '../../../src-main/app/sandbox-provider.ts';
import { errorRateCanaryText, testConsole } from '../../support/console.ts';

// The plan screen's flag picker: `flags:list` lists the flags of the plan's flag system on a context, here
// the sandbox's FeatureFlags of the `flags` scenario, read through the cluster like any ramp's flag.
const PLAN = readFileSync(
  join(import.meta.dirname, '../../fixtures/plans/flag-rollout-sandbox-fast.yaml'),
  'utf8',
);
let engine: Engine;

beforeAll(() => {
  engine = testConsole({
    sandbox: createSandboxProvider({ scenario: 'flags' }),
    dataDir: mkdtempSync(join(tmpdir(), 'sy-flag-list-')),
  });
});
afterAll(async () => engine?.dispose());

describe('flags:list, the flag picker’s channel', () => {
  it('lists the flag system’s flags with their variants, as the channel’s schema says, even when the plan names a flag not made yet', async () => {
    const text = PLAN.replace('flag: new-checkout', 'flag: not-made-yet');
    const out = requests['flags:list'].output.parse(
      await engine.handlers['flags:list']({ context: 'sandbox', text }),
    );
    const checkout = out.flags.find((f) => f.key === 'new-checkout');
    expect(checkout).toMatchObject({ enabled: true, description: 'FeatureFlag shop/checkout-flags' });
    expect([...(checkout?.variants ?? [])].sort()).toEqual(['off', 'on']);
  }, 60_000);

  it('lists the flags of a flag with deploy’s ramp (a rolling update, then flagRamp)', async () => {
    const rolling = defaultPlan(
      'rolling',
      { namespace: 'shop', name: 'checkout', image: 'registry.platform.com/checkout:v2.3.0' },
      { flagRamp: { provider: 'openfeature', key: 'not-made-yet' } },
    );
    const text = stringify({
      ...rolling,
      flagRamp: { ...rolling.flagRamp, provider: { kind: 'openfeature', name: 'checkout-flags' } },
    });
    const out = await engine.handlers['flags:list']({ context: 'sandbox', text });
    expect(out.flags.map((f) => f.key)).toContain('new-checkout');
  }, 60_000);

  it('refuses a plan of another strategy, and a plan with problems, naming why', async () => {
    await expect(
      engine.handlers['flags:list']({ context: 'sandbox', text: errorRateCanaryText() }),
    ).rejects.toMatchObject({
      kind: 'invalidPlan',
      message: expect.stringMatching(/only a flag-rollout plan/),
    });
    await expect(
      engine.handlers['flags:list']({
        context: 'sandbox',
        text: PLAN.replace('flag: new-checkout', 'flag: ""'),
      }),
    ).rejects.toMatchObject({ kind: 'invalidPlan', message: expect.stringMatching(/problem/) });
  }, 60_000);
});
