import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../../src-main/sandbox/sandbox.ts';
import { planCommands } from '../../../../src-shared/plan/plan-commands.ts';
import { expectTrafficEndsOn, planOf, startOnSandbox } from '../../../support/sandbox-release.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';

const NS = 'platform-production';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-triggers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Validation only warns here, so what rolls the bad version back is the plan's rollback trigger.
const common = (app: string, tag: string) => `
target: { namespace: ${NS}, name: ${app}, image: registry.platform.com/${app}:${tag} }
rollbackTriggers: [{ metric: error-rate, op: '>', threshold: 0.02, for: 20s }]`;
const warnOnly = `{ duration: 60s, interval: 10s, window: 30s, checks: [{ metric: latency-p99, op: '>', threshold: 5000, severity: warn }] }`;

const plans = {
  'blue-green': (tag: string) => `
name: e2e-bg-triggers${common('workflow-engine', tag)}
router: { kind: istio, virtualService: workflow-engine, destinationRule: workflow-engine, stableSubset: stable, canarySubset: canary }
strategy:
  kind: blue-green
  warmup: { requests: 0 }
  smoke: { checks: [], command: ['${process.execPath}', '-e', 'process.exit(0)'] }
  settle: 10s
  validation: ${warnOnly}
`,
  rolling: (tag: string) => `
name: e2e-rolling-triggers${common('agent-manager', tag)}
router: { kind: service-selector, service: agent-manager }
strategy: { kind: rolling, maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0, validation: ${warnOnly} }
`,
};

const cases = (['blue-green', 'rolling'] as const).flatMap((strategy) => [
  { strategy, tag: 'v1.25.0', good: true },
  { strategy, tag: 'v1.25.1-bad', good: false },
]);

describe('rollback triggers of blue-green and rolling, against the sandbox', () => {
  it.each(cases)(
    '$strategy with $tag: good $good',
    async ({ strategy, tag, good }) => {
      const app = strategy === 'rolling' ? 'agent-manager' : 'workflow-engine';
      const plan = planOf(plans[strategy](tag));
      const sb = await startSandbox({ speed: 50 });
      try {
        const handle = await startOnSandbox(sb, plan, join(dir, `${strategy}-${tag}`), {
          stopWhenPaused: true,
          // The blue-green smoke check runs a command; the user confirmed it.
          confirmedCommands: planCommands(plan).digest,
        });
        const outcome = await handle.done;
        if (good) {
          expect(outcome.kind, outcome.reason).toBe('completed');
          expect(
            outcome.snapshot.samples.some((s) => s.source === 'trigger' && s.outcome === 'success'),
          ).toBe(true);
        } else {
          expect(outcome.kind, outcome.reason).toBe('rolledBack');
          expect(outcome.reason).toMatch(
            /^(Rolled back to revision \d+: all \d+ pods run \S+ and are ready\. )?Rollback trigger error-rate fired: \d+(\.\d+)? % > 2 % held \d+ s of 20 s/,
          );
          const e = outcome.snapshot.decisions.find((d) => d.cause === 'rollback-trigger')?.evidence[0];
          expect(e?.query).toContain(`version="${tag}"`);
          expect(e?.samples.length).toBeGreaterThanOrEqual(2);
        }
        const [wanted, gone] = good ? ['v1.25.0', 'v1.24.0'] : ['v1.24.0', tag];
        await expectTrafficEndsOn(sb, { namespace: NS, job: app }, wanted, gone);
      } finally {
        await closeSoon(sb);
      }
    },
    60_000,
  );
});
