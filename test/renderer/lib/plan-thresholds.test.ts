import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import { planThresholds } from '../../../src-renderer/lib/plan-thresholds.ts';

const canary = `
name: web-canary
target: { namespace: shop, name: web, image: registry/web:v2 }
router: { kind: istio, virtualService: web, destinationRule: web, route: primary }
strategy:
  kind: canary
  steps: [{ setWeight: 10 }, { pause: { duration: 1m } }, { analysis: { templates: [latency] } }, { pause: {} }, { setWeight: 100 }]
analysis:
  templates:
    - name: latency
      metrics:
        - { name: p95-latency, kind: latency-p95, successCondition: { op: '<=', threshold: 500 } }
        - { name: errors, kind: error-rate, successCondition: { op: '<', threshold: 0.05 } }
rollbackTriggers:
  - { metric: error-rate, threshold: 0.02, for: 2m }
`;

// History gets the journal's parsed plan back as JSON text (release:get's planText) and must draw the
// same threshold lines as the Run screen does from the YAML the user wrote.
describe('planThresholds of a plan read back from the journal', () => {
  it('gives the same lines and conditions as the YAML', () => {
    const yaml = canary;
    const parsed = parsePlan(yaml);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const fromYaml = planThresholds(yaml);
    expect(fromYaml.lines.length).toBeGreaterThan(0);
    expect(planThresholds(JSON.stringify(parsed.plan, null, 2))).toEqual(fromYaml);
  });
});
