import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goodAndBadVersions, planOf, releaseToEndOnSandbox } from '../../../support/sandbox-release.ts';

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

describe('rollback triggers of blue-green and rolling, against the sandbox', () => {
  it.each(goodAndBadVersions(['blue-green', 'rolling'] as const))(
    '$strategy with $tag: good $good',
    async ({ strategy, tag, good }) => {
      const app = strategy === 'rolling' ? 'agent-manager' : 'workflow-engine';
      const run = { journalDir: join(dir, `${strategy}-${tag}`), app, tag, good };
      await releaseToEndOnSandbox(planOf(plans[strategy](tag)), run, (outcome) => {
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
      });
    },
    60_000,
  );
});
