import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import type { StepView } from '../../../src-shared/release/release.schema.ts';
import { planThresholds } from '../../../src-renderer/lib/plan-thresholds.ts';
import { currentStep, drawnThresholds } from '../../../src-renderer/lib/timeline-marks.ts';

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

const blueGreen = `
name: web-bg
target: { namespace: shop, name: web, image: registry/web:v2 }
router: { kind: service-selector, service: web }
strategy:
  kind: blue-green
  validation:
    duration: 5m
    interval: 1m
    checks:
      - { metric: error-rate, op: '>', threshold: 0.01, severity: fail }
      - { metric: latency-p95, op: '>', threshold: 800, severity: warn }
rollbackTriggers:
  - { metric: error-rate, threshold: 0.05, for: 1m }
`;

describe('which thresholds the timeline emphasises', () => {
  const step = (label: string, state: StepView['state'] = 'active'): StepView => ({ index: 0, label, state });

  it('draws a blue-green validation check as a threshold that applies during the validate step only', () => {
    const { lines } = planThresholds(blueGreen);
    const validation = lines.filter((l) => l.appliesTo === 'validation');
    expect(validation.map((l) => [l.metric, l.value, l.label])).toEqual([
      ['errorRate', 0.01, 'validation fails if > 1 %'],
      ['p95Ms', 800, 'validation warns if > 800 ms'],
    ]);
    const during = drawnThresholds(
      lines,
      currentStep([step('settle', 'done'), step('validate')])?.label ?? null,
    );
    expect(during.every((l) => l.current)).toBe(true);
    const before = drawnThresholds(
      lines,
      currentStep([step('smoke checks'), step('validate', 'pending')])!.label,
    );
    expect(before.filter((l) => l.current).map((l) => l.label)).toEqual([
      expect.stringMatching(/^roll back if/),
    ]);
  });

  it("draws a rolling update's validation checks", () => {
    const rolling = blueGreen.replace('kind: blue-green', 'kind: rolling');
    expect(planThresholds(rolling).lines.filter((l) => l.appliesTo === 'validation')).toHaveLength(2);
  });

  it("emphasises the running analysis step's template and the rollback triggers, the other templates faint", () => {
    const { lines } = planThresholds(canary);
    const at = (label: string) =>
      drawnThresholds(lines, label)
        .filter((l) => l.current)
        .map((l) => l.label)
        .sort();
    expect(at('analysis latency')).toEqual(
      ['errors < 5 %', 'p95-latency <= 500 ms', 'roll back if > 2 % for 2 min'].sort(),
    );
    expect(at('set weight 10 %')).toEqual(['roll back if > 2 % for 2 min']);
    // No current step (finished, or not started): every threshold alike.
    expect(drawnThresholds(lines, null).every((l) => l.current)).toBe(true);
  });

  it('takes the step that failed as current when none is active', () => {
    expect(currentStep([step('set weight 10 %', 'done'), step('analysis latency', 'failed')])?.label).toBe(
      'analysis latency',
    );
    expect(currentStep([step('set weight 10 %', 'done')])).toBeNull();
  });
});
