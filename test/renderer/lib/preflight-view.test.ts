import { describe, expect, it } from 'vitest';
import { groupFindings, preflightView, sortFindings } from '../../../src-renderer/lib/preflight-view.ts';

const noData = (metric: string, step: string, sandboxName: string) => ({
  id: `query:${step}/${metric}`,
  check: 'query',
  severity: 'blocker',
  title: `${metric} of ${step} gives no usable number`,
  explanation: `It returned no data now (The sandbox has no ${sandboxName} yet: no requests reached this version in the window). A missing label, a wrong job name or a service with no traffic would make every measurement inconclusive, so the release would pause instead of deciding.`,
  steps: [{ index: 1, label: `analysis ${step}` }],
});

// What preflight said for a plan naming default/my-service on the sandbox, shortened to its shape.
const report = {
  ok: false,
  findings: [
    noData('error-rate', 'initial-canary', 'errorRate'),
    noData('latency-p95', 'initial-canary', 'p95Ms'),
    noData('error-rate', 'extended-canary', 'errorRate'),
    {
      id: 'access:update/deployments',
      check: 'access',
      severity: 'warning',
      title: 'Not allowed to update deployments in default',
      explanation: 'Your credentials may not update deployments in default. Ask for that permission.',
      steps: [],
    },
    {
      id: 'routing:object:VirtualService default/my-service',
      check: 'routing',
      severity: 'blocker',
      title: 'VirtualService default/my-service does not exist',
      explanation: 'The plan needs it.',
      steps: [{ index: null, label: 'the first traffic change' }],
    },
    {
      id: 'zero-downtime:workload',
      check: 'zeroDowntime',
      severity: 'blocker',
      title: 'Deployment default/my-service does not exist',
      explanation: 'There is no workload to release; check the plan target and the context.',
      steps: [{ index: null, label: 'creating the canary workload' }],
    },
  ],
  passed: [],
};

describe('preflight findings as the Plan screen lists them', () => {
  const view = preflightView(report);
  if (view.kind !== 'findings') throw new Error('the report did not read as findings');
  const shown = sortFindings(groupFindings(view.findings));

  it('puts the missing workload first, then other missing objects, then the rest', () => {
    expect(shown.map((f) => f.title?.split(':')[0])).toEqual([
      'Deployment default/my-service does not exist',
      'VirtualService default/my-service does not exist',
      '3 findings',
      'Not allowed to update deployments in default',
    ]);
  });

  it('says one paragraph once, naming each metric and listing every step it endangers', () => {
    const grouped = shown[2]!;
    expect(grouped.message).toBe(
      '3 findings: error-rate of initial-canary gives no usable number; latency-p95 of initial-canary gives no usable number; error-rate of extended-canary gives no usable number: It returned no data now. A missing label, a wrong job name or a service with no traffic would make every measurement inconclusive, so the release would pause instead of deciding.',
    );
    expect(grouped.steps).toEqual(['analysis initial-canary', 'analysis extended-canary']);
  });

  it.each([
    ['another severity', { severity: 'warning' }],
    ['another check', { check: 'access' }],
    ['another paragraph', { explanation: 'It returned NaN (x), usually a division by zero.' }],
  ])('keeps apart findings of %s', (_, over) => {
    const a = noData('error-rate', 'a', 'errorRate');
    const b = { ...noData('error-rate', 'b', 'errorRate'), ...over };
    const v = preflightView([a, b]);
    if (v.kind !== 'findings') throw new Error('not findings');
    expect(groupFindings(v.findings)).toHaveLength(2);
  });
});
