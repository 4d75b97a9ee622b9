import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKubeReleaseOps } from '../../../../src-main/adapters/kube/release-ops.ts';
import { createSandboxAnalysis } from '../../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { createFileJournal } from '../../../../src-main/engine/journal/file-journal.ts';
import { startRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import { startSandbox } from '../../../../src-main/sandbox/sandbox.ts';
import { planCommands } from '../../../../src-shared/plan/plan-commands.ts';
import { parsePlan } from '../../../../src-shared/plan/plan.parse.ts';
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
      const parsed = parsePlan(plans[strategy](tag));
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      const sb = await startSandbox({ speed: 50 });
      try {
        const handle = await startRelease({
          plan: parsed.plan,
          ops: createKubeReleaseOps(sb.kubeconfigYaml(), parsed.plan, { pollMs: 50 }),
          analysis: createSandboxAnalysis({ url: sb.url, token: sb.token }),
          clock: sb.clock,
          journal: createFileJournal({ dir: join(dir, `${strategy}-${tag}`), user: 'test' }),
          who: { user: 'test', context: 'sandbox' },
          stopWhenPaused: true,
          // The blue-green smoke check runs a command; the user confirmed it.
          confirmedCommands: planCommands(parsed.plan).digest,
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
        const served = (version: string) =>
          sb.stats({ namespace: NS, job: app, version, windowSeconds: 10 }).requests ?? 0;
        const [wanted, gone] = good ? ['v1.25.0', 'v1.24.0'] : ['v1.24.0', tag];
        const end = Date.now() + 15_000;
        while (Date.now() < end && !(served(wanted) > 0 && served(gone) === 0))
          await new Promise((r) => setTimeout(r, 100));
        expect(served(wanted)).toBeGreaterThan(0);
        expect(served(gone)).toBe(0);
      } finally {
        await closeSoon(sb);
      }
    },
    60_000,
  );
});
