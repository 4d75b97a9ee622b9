import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onSandbox, planOf, startOnSandbox, untilSnapshot } from '../../../support/sandbox-release.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-ab-panel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PLAN = planOf(`
name: ab-panel
target: { namespace: platform-production, name: workflow-engine, image: registry.platform.com/workflow-engine:v1.25.0 }
router: { kind: istio, virtualService: workflow-engine, destinationRule: workflow-engine }
strategy:
  kind: ab-test
  variants: [{ name: control, version: stable, weight: 70 }, { name: treatment, version: v1.25.0, weight: 30 }]
  cohort: { header: x-user-segment, regex: 'free|basic' }
  defaultVariant: control
  stickyHeader: x-user-id
  primaryMetrics: [{ name: conversion_rate, goal: maximize, minEffect: 0.05 }]
  guardrails: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }]
  duration: 2m
`);

describe('what the traffic panel is given for an A/B test on the sandbox', () => {
  it('the cohort split read back with the router’s note while routed; all on stable, no false difference, once stopped', async () => {
    await onSandbox({ speed: 50 }, async (sb) => {
      const handle = await startOnSandbox(sb, PLAN, join(dir, 'abort'));
      const routed = await untilSnapshot(handle, (s) => s.cohorts?.routed === true);
      expect(routed.traffic).toMatchObject({
        intended: { control: 70, treatment: 30 },
        actual: { control: 70, treatment: 30 },
        mismatch: false,
      });
      expect(routed.cohorts?.rules.map((r) => r.kind)).toEqual(['cohort', 'default']);
      expect(routed.cohorts?.notes.join(' ')).toMatch(/^Sticky on x-user-id: DestinationRule/);
      handle.send({ type: 'ABORT' });
      const outcome = await handle.done;
      expect(outcome.kind).toBe('aborted');
      expect(outcome.snapshot.traffic).toMatchObject({
        intended: { stable: 100, canary: 0 },
        actual: { stable: 100, canary: 0 },
        mismatch: false,
      });
    });
  }, 60_000);
});
