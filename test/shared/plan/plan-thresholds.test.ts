import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';

const base = `
name: p
target: { namespace: ns, name: web, image: reg/web:v2 }
router: { kind: istio, virtualService: web, destinationRule: web }
`;
const canary = (metric: string, threshold: number) => `${base}
strategy: { kind: canary, steps: [{ setWeight: 10 }, { analysis: { templates: [t] } }] }
analysis: { templates: [{ name: t, metrics: [{ name: m, kind: ${metric}, successCondition: { op: '<', threshold: ${threshold} } }] }] }
`;

describe('impossible thresholds are plan errors naming the field', () => {
  it.each([
    {
      text: canary('latency-p95', -5),
      error:
        'analysis.templates[0].metrics[0].successCondition.threshold: latency-p95 is in milliseconds and cannot be negative, got -5',
    },
    {
      text: canary('error-rate', 5),
      error:
        'analysis.templates[0].metrics[0].successCondition.threshold: error-rate is a ratio between 0 and 1 (0.02 = 2 %), got 5',
    },
    {
      text: canary('success-rate', -0.1),
      error:
        'analysis.templates[0].metrics[0].successCondition.threshold: success-rate is a ratio between 0 and 1 (0.02 = 2 %), got -0.1',
    },
    {
      text: `${canary('error-rate', 0.02)}rollbackTriggers: [{ metric: pod-restarts, threshold: -1, for: 5m }]\n`,
      error: 'rollbackTriggers[0].threshold: pod-restarts is a count and cannot be negative, got -1',
    },
    {
      text: `${base}strategy: { kind: blue-green, validation: { duration: 5m, interval: 1m, checks: [{ metric: error-rate, threshold: 1.5 }] } }\n`,
      error:
        'strategy.validation.checks[0].threshold: error-rate is a ratio between 0 and 1 (0.02 = 2 %), got 1.5',
    },
  ])('$error', ({ text, error }) => {
    const r = parsePlan(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContainEqual(expect.stringContaining(error));
  });

  it.each([canary('latency-p95', 500), canary('error-rate', 0), canary('error-rate', 1)])(
    'accepts possible thresholds',
    (text) => {
      const r = parsePlan(text);
      expect(r.ok ? [] : r.errors).toEqual([]);
    },
  );
});
