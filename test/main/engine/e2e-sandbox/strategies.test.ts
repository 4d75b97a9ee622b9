import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goodAndBadVersions, planOf, releaseToEndOnSandbox } from '../../../support/sandbox-release.ts';

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

describe('each strategy against the sandbox, through the release runner', () => {
  it.each(goodAndBadVersions(['canary', 'blue-green', 'rolling'] as const))(
    '$strategy with $tag: good $good',
    async ({ strategy, tag, good }) => {
      const app = strategy === 'rolling' ? 'agent-manager' : 'workflow-engine';
      const run = { journalDir: join(dir, `${strategy}-${tag}`), app, tag, good, speed: SPEED };
      // Afterwards traffic ends on one version (a rollback may still be replacing pods).
      await releaseToEndOnSandbox(planOf(plans[strategy](app, tag)), run, (outcome) => {
        if (good) expect(outcome.kind, outcome.reason).toBe('completed');
        else {
          expect(['aborted', 'rolledBack'], outcome.reason).toContain(outcome.kind);
          expect(outcome.reason).toMatch(/error-rate/);
        }
      });
    },
    60_000,
  );
});
