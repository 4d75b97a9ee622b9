import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkoutFlags,
  expectCheckout,
  FLAG_WITH_DEPLOY_PLAN,
  flagNow,
  flagWrites,
  onFlagSandbox,
  stableImage,
  startWithFlag,
  tempDirForFile,
} from '../../../support/flag-sandbox.ts';
import { planOf, untilSnapshot } from '../../../support/sandbox-release.ts';

// Flag with deploy: a canary of checkout v2.4.0 sends the code out dark, then the flag new-checkout ramps.
const dir = tempDirForFile('switchyard-flag-deploy-');

describe('flag with deploy: a canary sends the code out dark, then the flag ramps, as one release', () => {
  it('a good release completes: v2.4.0 on every pod, the flag read back at 100 % on, one step list', async () => {
    await onFlagSandbox(async (sb) => {
      const handle = await startWithFlag(sb, dir);
      const seen = new Set<string>();
      handle.subscribe((s) => {
        if (s.currentStep !== null)
          seen.add(`${s.currentStep + 1}/${s.steps.length} ${s.steps[s.currentStep]?.label}`);
      });
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('completed');
      expect(outcome.snapshot.strategy).toBe('flag-after:canary');
      expect(outcome.snapshot.steps.map((s) => `${s.label}: ${s.state}`)).toEqual([
        'set weight 25 %: done',
        'analysis version-health: done',
        'set weight 50 %: done',
        'flag at 25 %: done',
        'analysis variant-health: done',
        'flag at 100 %: done',
      ]);
      expect([...seen]).toEqual(
        expect.arrayContaining(['1/6 set weight 25 %', '4/6 flag at 25 %', '6/6 flag at 100 %']),
      );
      expect(outcome.reason).toMatch(
        /^The code is deployed and flag "new-checkout" serves on to everyone\.$/,
      );
      await expectCheckout(sb, 'v2.4.0', { off: 0, on: 100 });
    });
  }, 120_000);
});

/** The fixture plan with another image and router, and `strategy` instead of its canary. */
const deployedBy = (tag: string, router: string, strategy: string) =>
  planOf(
    readFileSync(FLAG_WITH_DEPLOY_PLAN, 'utf8')
      .replaceAll('v2.4.0', tag)
      .replace('router: { kind: replica-ratio }', `router: ${router}`)
      .replace(/strategy:\n( {2}.*\n)+/, `strategy: ${strategy}\n`),
  );

const VALIDATION =
  "validation: { duration: 30s, interval: 10s, window: 20s, checks: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }] }";

describe('flag with deploy after a rolling update or a blue-green', () => {
  it.each([
    {
      kind: 'rolling',
      plan: deployedBy(
        'v2.4.1',
        '{ kind: service-selector, service: checkout }',
        `{ kind: rolling, maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0, ${VALIDATION} }`,
      ),
      deploySteps: ['set the image', 'follow the rollout', 'validate'],
    },
    {
      kind: 'blue-green',
      plan: deployedBy(
        'v2.4.2',
        '{ kind: service-selector, service: checkout }',
        `{ kind: blue-green, readyTimeout: 600s, warmup: { requests: 0 }, settle: 10s, ${VALIDATION} }`,
      ),
      deploySteps: [
        'find the active colour',
        'deploy the idle colour',
        'wait until ready',
        'warm up',
        'smoke checks',
        'switch traffic',
        'settle',
        'validate',
      ],
    },
  ])(
    '$kind, then the ramp: completes with the flag at 100 %, one step list',
    async ({ kind, plan, deploySteps }) => {
      await onFlagSandbox(async (sb) => {
        const handle = await startWithFlag(sb, dir, plan);
        const outcome = await handle.done;
        expect(outcome.kind, outcome.reason).toBe('completed');
        expect(outcome.snapshot.strategy).toBe(`flag-after:${kind}`);
        expect(outcome.snapshot.steps.map((s) => `${s.label}: ${s.state}`)).toEqual(
          [...deploySteps, 'flag at 25 %', 'analysis variant-health', 'flag at 100 %'].map(
            (l) => `${l}: done`,
          ),
        );
        expect((await flagNow(sb)).percent).toEqual({ off: 0, on: 100 });
        if (kind === 'rolling') expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.4.1');
      });
    },
    120_000,
  );
});

describe('flag with deploy: abort in each phase', () => {
  it('a fault on the new variant during the ramp pulls the kill switch; the code stays deployed dark', async () => {
    await onFlagSandbox(async (sb) => {
      // Only v2.4.0's requests served the new checkout fail: the canary (flag off) is healthy.
      sb.setFault({
        namespace: 'shop',
        service: 'checkout',
        version: 'v2.4.0',
        variant: 'on',
        errorRate: 0.3,
      });
      const handle = await startWithFlag(sb, dir);
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      const kill = outcome.snapshot.decisions.find((d) => d.cause === 'analysis-failed');
      expect(kill?.summary).toMatch(
        /^Analysis of step 5 \(on\) failed: error-rate \(variant-health\): failed 1 > failureLimit 0.*pulling the kill switch on flag "new-checkout"/,
      );
      expect(kill?.stepIndex).toBe(4);
      expect(kill?.evidence[0]?.query).toMatch(/feature_flag_variant="on"/);
      expect(kill?.evidence[0]?.samples?.length).toBeGreaterThan(0);
      expect(outcome.snapshot.steps.map((s) => s.state)).toEqual([
        'done',
        'done',
        'done',
        'done',
        'failed',
        'skipped',
      ]);
      await expectCheckout(sb, 'v2.4.0', { off: 100, on: 0 });
    });
  }, 120_000);

  it("the operator's Abort: during the canary it is the canary's own abort, during the ramp the kill switch", async () => {
    await onFlagSandbox(async (sb) => {
      const handle = await startWithFlag(sb, dir);
      const canary = await untilSnapshot(handle, (s) => s.currentStep === 1, 60_000, 20);
      expect(canary.controls?.PAUSE.enabled).toBe(true);
      expect(canary.controls?.ABORT.enabled).toBe(true);
      handle.send({ type: 'ABORT', reason: 'wrong build' }, 'alice');
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      expect(outcome.reason).toMatch(/^alice aborted/);
      expect(flagWrites(sb)).toEqual([]);
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.3.0');
    });
    await onFlagSandbox(async (sb) => {
      const handle = await startWithFlag(sb, dir);
      // The ramp's analysis is under way, and its schedule is the release's (a laptop sleep report reads it).
      const ramp = await untilSnapshot(
        handle,
        (s) => s.currentStep === 4 && handle.pendingMeasurements().length > 0,
        60_000,
        20,
      );
      expect(handle.pendingMeasurements()[0]?.key).toMatch(/error-rate/);
      expect(ramp.controls?.ABORT.enabled).toBe(true);
      handle.send({ type: 'ABORT', reason: 'support calls' }, 'alice');
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      expect(outcome.snapshot.decisions.map((d) => d.summary)).toEqual(
        expect.arrayContaining([
          'alice pulled the kill switch on flag "new-checkout" at step 5 (support calls).',
        ]),
      );
      await expectCheckout(sb, 'v2.4.0', { off: 100, on: 0 });
    });
  }, 120_000);

  it('a fault during the canary rolls the code back; the flag never moves', async () => {
    await onFlagSandbox(async (sb) => {
      sb.setFault({ namespace: 'shop', service: 'checkout', version: 'v2.4.0', errorRate: 0.3 });
      const handle = await startWithFlag(sb, dir);
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      expect(outcome.reason).toMatch(/Analysis of step 2 .*failed/);
      expect(outcome.snapshot.steps.map((s) => s.state)).toEqual([
        'done',
        'failed',
        'skipped',
        'skipped',
        'skipped',
        'skipped',
      ]);
      expect(flagWrites(sb)).toEqual([]);
      await expectCheckout(sb, 'v2.3.0', { off: 100, on: 0 });
    });
  }, 120_000);

  it('a flag already on holds the release before the deploy, naming it; nothing is deployed, the flag not touched', async () => {
    await onFlagSandbox(async (sb) => {
      const flags = checkoutFlags(sb.kubeconfigYaml());
      await flags.setPercent(10, await flags.read());
      const writes = flagWrites(sb).length;
      const handle = await startWithFlag(sb, dir);
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('paused');
      expect(outcome.snapshot.pause?.cause).toBe('prerequisite');
      expect(outcome.reason).toMatch(
        /^flag "new-checkout" serves on to 10 % of users \(.*\)\. A flag with deploy sends the code out dark, with the flag off for everyone; nothing has been deployed\. Turn it off/,
      );
      expect(flagWrites(sb)).toHaveLength(writes);
      expect(sb.audit().filter((w) => w.code < 300 && w.resource === 'deployments')).toEqual([]);
      expect(await stableImage(sb)).toBe('registry.platform.com/checkout:v2.3.0');
    });
  }, 120_000);
});
