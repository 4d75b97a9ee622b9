import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../../src-main/sandbox/sandbox.ts';
import { planCommands } from '../../../../src-shared/plan/plan-commands.ts';
import { expectTrafficEndsOn, planOf, startOnSandbox } from '../../../support/sandbox-release.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';

const NS = 'platform-production';
const SPEED = 50;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-strategies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const validation = `validation: { duration: 40s, interval: 10s, window: 30s, checks: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }] }`;

const plans = {
  canary: (app: string, tag: string) => `
name: e2e-canary
target: { namespace: ${NS}, name: ${app}, image: registry.platform.com/${app}:${tag} }
router: { kind: istio, virtualService: ${app}, destinationRule: ${app} }
strategy:
  kind: canary
  steps: [{ setWeight: 25 }, { pause: { duration: 30s } }, { analysis: { templates: [errors] } }]
analysis:
  templates:
    - name: errors
      metrics: [{ name: error-rate, kind: error-rate, interval: 5s, count: 2, window: 30s, failureLimit: 0, successCondition: { op: '<', threshold: 0.02 } }]
`,
  // Same-namespace colours: the route's stable/canary subsets are the blue/green slots.
  'blue-green': (app: string, tag: string) => `
name: e2e-blue-green
target: { namespace: ${NS}, name: ${app}, image: registry.platform.com/${app}:${tag} }
router: { kind: istio, virtualService: ${app}, destinationRule: ${app}, stableSubset: stable, canarySubset: canary }
strategy:
  kind: blue-green
  readyTimeout: 600s
  warmup: { requests: 0 }
  smoke: { checks: [], command: ['${process.execPath}', '-e', 'process.exit(0)'] }
  settle: 30s
  validation: { duration: 40s, interval: 10s, window: 20s, checks: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }] }
`,
  rolling: (app: string, tag: string) => `
name: e2e-rolling
target: { namespace: ${NS}, name: ${app}, image: registry.platform.com/${app}:${tag} }
router: { kind: service-selector, service: ${app} }
strategy:
  kind: rolling
  maxSurge: 1
  maxUnavailable: 0
  minReadySeconds: 0
  ${validation}
`,
};

const cases = (['canary', 'blue-green', 'rolling'] as const).flatMap((strategy) => [
  { strategy, tag: 'v1.25.0', good: true },
  { strategy, tag: 'v1.25.1-bad', good: false },
]);

describe('each strategy against the sandbox, through the release runner', () => {
  it.each(cases)(
    '$strategy with $tag: good $good',
    async ({ strategy, tag, good }) => {
      const app = strategy === 'rolling' ? 'agent-manager' : 'workflow-engine';
      const plan = planOf(plans[strategy](app, tag));
      const sb = await startSandbox({ speed: SPEED });
      try {
        const handle = await startOnSandbox(sb, plan, join(dir, `${strategy}-${tag}`), {
          confirmedCommands: planCommands(plan).digest,
          stopWhenPaused: true,
        });
        const outcome = await handle.done;
        if (good) expect(outcome.kind, outcome.reason).toBe('completed');
        else {
          expect(['aborted', 'rolledBack'], outcome.reason).toContain(outcome.kind);
          expect(outcome.reason).toMatch(/error-rate/);
        }
        // Traffic ends on one version (a rollback may still be replacing pods).
        const [wanted, gone] = good ? ['v1.25.0', 'v1.24.0'] : ['v1.24.0', 'v1.25.1-bad'];
        await expectTrafficEndsOn(sb, { namespace: NS, job: app }, wanted, gone);
      } finally {
        await closeSoon(sb);
      }
    },
    60_000,
  );
});
