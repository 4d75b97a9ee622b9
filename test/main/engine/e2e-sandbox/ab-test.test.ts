import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKubeReleaseOps } from '../../../../src-main/adapters/kube/release-ops.ts';
import type { DestinationRule, HTTPRoute } from '../../../../src-main/adapters/kube/router-objects.ts';
import type { SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import {
  expectTrafficEndsOn,
  onSandbox,
  planOf,
  servedBy,
  startOnSandbox,
  untilSnapshot,
} from '../../../support/sandbox-release.ts';
import { addHttpRoute, customApi, writesTo } from '../../adapters/kube/sandbox-fixture.ts';
import { runbookAbTestYaml } from '../../../support/plan-fixtures.ts';

const NS = 'platform-production';
const APP = 'workflow-engine';
const SPEED = 50;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-ab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROUTERS = {
  'gateway-api': `{ kind: gateway-api, httpRoute: ${APP}, backendRefs: { stable: ${APP}-stable, canary: ${APP}-canary } }`,
  istio: `{ kind: istio, virtualService: ${APP}, destinationRule: ${APP} }`,
};

/** The runbook's A/B test (free|basic split 50/50, premium pinned to treatment), shortened to 2 minutes. */
function abPlan(router: keyof typeof ROUTERS, tag: string): ReleasePlan {
  return planOf(runbookAbTestYaml(`e2e-ab-${router}`, ROUTERS[router], tag));
}

const api = (sb: SandboxHandle) => customApi(sb);

/** This cluster sends workflow-engine's requests through a Gateway: no VirtualService, an HTTPRoute instead. */
async function routeThroughGateway(sb: SandboxHandle): Promise<void> {
  await api(sb).deleteNamespacedCustomObject({
    group: 'networking.istio.io',
    version: 'v1beta1',
    namespace: NS,
    plural: 'virtualservices',
    name: APP,
  });
  await addHttpRoute(sb, APP);
}

const readHttpRoute = async (sb: SandboxHandle) =>
  (await api(sb).getNamespacedCustomObject({
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    namespace: NS,
    plural: 'httproutes',
    name: APP,
  })) as HTTPRoute;

const run = (sb: SandboxHandle, plan: ReleasePlan, name: string) => startOnSandbox(sb, plan, join(dir, name));

/** Requests a version served over the last `seconds` of sandbox time. */
const served = (sb: SandboxHandle, version: string, seconds = 10) => servedBy(sb, NS, APP, version, seconds);

/** Polls until only `wanted` serves (a rollback or promotion may still be replacing pods). */
const trafficEndsOn = (sb: SandboxHandle, wanted: string, gone: string) =>
  expectTrafficEndsOn(sb, { namespace: NS, job: APP }, wanted, gone);

describe('A/B test under a gateway-api router, against the sandbox', () => {
  it('routes the cohort by header through HTTPRoute rules, measures each variant, and deploys the treatment when told', async () => {
    await onSandbox({ speed: SPEED }, async (sb) => {
      await routeThroughGateway(sb);
      const handle = await run(sb, abPlan('gateway-api', 'v1.25.0'), 'gw-good');
      await untilSnapshot(handle, (s) => s.phase.includes('running'));

      const hr = await readHttpRoute(sb);
      const rules = hr.spec?.rules ?? [];
      const headersOf = (i: number) => rules[i]?.matches?.[0]?.headers;
      expect(headersOf(0)).toEqual([{ type: 'Exact', name: 'x-user-segment', value: 'premium' }]);
      expect(rules[0]?.backendRefs?.map((b) => [b.name, b.weight])).toEqual([
        [`${APP}-variant-treatment`, 100],
      ]);
      expect(headersOf(1)).toEqual([
        { type: 'RegularExpression', name: 'x-user-segment', value: 'free|basic' },
      ]);
      expect(rules[1]?.backendRefs?.map((b) => [b.name, b.weight])).toEqual([
        [`${APP}-variant-control`, 50],
        [`${APP}-variant-treatment`, 50],
      ]);
      expect(rules[2]?.matches).toBeUndefined();
      expect(rules[2]?.backendRefs?.map((b) => b.name)).toEqual([`${APP}-variant-control`]);
      // Routing again changes nothing: no write to the HTTPRoute or the variant Services.
      const plan = abPlan('gateway-api', 'v1.25.0');
      const before = sb.audit().filter((w) => w.code < 300).length;
      const again = await createKubeReleaseOps(sb.kubeconfigYaml(), plan, { pollMs: 50 }).routeExperiment!({
        variants: [
          { name: 'control', version: 'stable', weight: 50 },
          { name: 'treatment', version: 'v1.25.0', weight: 50 },
        ],
        cohort: { header: 'x-user-segment', regex: 'free|basic' },
        pins: [{ match: { header: 'x-user-segment', exact: 'premium' }, variant: 'treatment' }],
        defaultVariant: 'control',
        stickyHeader: 'x-user-id',
      });
      expect(sb.audit().filter((w) => w.code < 300)).toHaveLength(before);
      expect(again.weights).toEqual({ control: 50, treatment: 50 });
      expect(writesTo(sb, 'services', `${APP}-variant-treatment`).map((w) => w.verb)).toEqual(['create']);
      expect(handle.getSnapshot().traffic.source).toMatch(/^HTTPRoute platform-production\/workflow-engine/);
      expect(handle.getSnapshot().traffic.actual).toEqual({ control: 50, treatment: 50 });
      // The user is told the gateway does not keep x-user-id on one variant.
      const note = handle.getSnapshot().decisions.find((d) => d.summary.startsWith('Routing the A/B test'));
      expect(note?.summary).toMatch(/Stickiness on x-user-id is not enforced by the gateway-api router/);

      // free 50 % and basic 30 % split 50/50, premium 20 % pinned: the treatment serves 60 % of requests.
      const end = Date.now() + 10_000;
      while (Date.now() < end && !(served(sb, 'v1.25.0', 20) > 0 && served(sb, 'v1.24.0', 20) > 0))
        await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 600));
      const share = served(sb, 'v1.25.0', 20) / (served(sb, 'v1.25.0', 20) + served(sb, 'v1.24.0', 20));
      expect(share).toBeGreaterThan(0.5);
      expect(share).toBeLessThan(0.7);

      // The sandbox evaluates no conversion PromQL, so the test is undecided at its end and waits for a person.
      const paused = await untilSnapshot(handle, (s) => s.status === 'paused');
      expect(paused.pause?.cause).toBe('experiment-result');
      const guardSamples = paused.samples.filter((s) => s.source === 'guardrail' && s.group === 'treatment');
      expect(guardSamples.some((s) => s.outcome === 'success')).toBe(true);
      handle.send({ type: 'PROMOTE', reason: 'looks good' });
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('completed');

      const after = (await readHttpRoute(sb)).spec?.rules ?? [];
      expect(after).toHaveLength(1);
      expect(after[0]?.backendRefs?.map((b) => [b.name, b.weight])).toEqual([
        [`${APP}-stable`, 100],
        [`${APP}-canary`, 0],
      ]);
      await trafficEndsOn(sb, 'v1.25.0', 'v1.24.0');
    });
  }, 60_000);

  it('stops at once when the treatment breaches its guardrail, and hands everyone back to stable', async () => {
    await onSandbox({ speed: SPEED }, async (sb) => {
      await routeThroughGateway(sb);
      const handle = await run(sb, abPlan('gateway-api', 'v1.25.1-bad'), 'gw-bad');
      const outcome = await handle.done;
      expect(outcome.kind, outcome.reason).toBe('aborted');
      expect(outcome.reason).toMatch(
        /^Guardrail error-rate breached: \d+(\.\d+)? % > 2 % for variant treatment/,
      );
      const evidence = outcome.snapshot.decisions.find((d) => d.cause === 'guardrail')?.evidence[0];
      expect(evidence?.query).toContain('version="v1.25.1-bad"');
      const rules = (await readHttpRoute(sb)).spec?.rules ?? [];
      expect(rules.some((r) => r.matches?.some((m) => m.headers?.length))).toBe(false);
      expect(rules[0]?.backendRefs?.find((b) => b.name === `${APP}-stable`)?.weight).toBe(100);
      await trafficEndsOn(sb, 'v1.24.0', 'v1.25.1-bad');
    });
  }, 60_000);
});

describe('A/B stickiness under istio, against the sandbox', () => {
  it('hashes x-user-id to a pod in each variant subset and leaves the other subsets alone', async () => {
    await onSandbox({ speed: SPEED }, async (sb) => {
      const handle = await run(sb, abPlan('istio', 'v1.25.0'), 'istio-sticky');
      await untilSnapshot(handle, (s) => s.phase.includes('running'));
      const dr = (await api(sb).getNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1beta1',
        namespace: NS,
        plural: 'destinationrules',
        name: APP,
      })) as DestinationRule & { spec: { trafficPolicy?: { loadBalancer?: unknown } } };
      const subset = (name: string) => dr.spec?.subsets?.find((s) => s.name === name);
      for (const variant of ['variant-control', 'variant-treatment'])
        expect(subset(variant)?.trafficPolicy?.loadBalancer).toEqual({
          consistentHash: { httpHeaderName: 'x-user-id' },
        });
      expect(subset('stable')?.trafficPolicy).toEqual({ connectionPool: { tcp: { maxConnections: 100 } } });
      expect(dr.spec.trafficPolicy?.loadBalancer).toEqual({ simple: 'LEAST_REQUEST' });
      const note = handle.getSnapshot().decisions.find((d) => d.summary.startsWith('Routing the A/B test'));
      expect(note?.summary).toMatch(/Sticky on x-user-id: DestinationRule .* hashes it/);
      expect(note?.summary).toMatch(/not held to one variant/);
      handle.send({ type: 'ABORT', reason: 'enough' });
      expect((await handle.done).kind).toBe('aborted');
    });
  }, 60_000);
});

describe('A/B routes on an HTTPRoute whose rule already matches a header', () => {
  it('keeps that condition in every rule and other rules untouched, routes twice with one write, and restores on abort', async () => {
    await onSandbox({ speed: SPEED }, async (sb) => {
      const app = 'agent-manager';
      await addHttpRoute(sb, app);
      const route = await api(sb).getNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace: NS,
        plural: 'httproutes',
        name: app,
      });
      const body = route as HTTPRoute;
      body.spec!.rules![0]!.matches = [{ headers: [{ name: 'x-env', value: 'prod' }] }];
      // Someone else's rule on the same route: the release leaves it alone.
      const admin = {
        matches: [{ path: { type: 'PathPrefix', value: '/admin' } }],
        backendRefs: [{ name: 'admin-console', port: 80 }],
      };
      body.spec!.rules!.push(admin);
      await api(sb).replaceNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace: NS,
        plural: 'httproutes',
        name: app,
        body,
      });
      const plan = planOf(`
name: ab-${app}
target: { namespace: ${NS}, name: ${app}, image: registry.platform.com/${app}:v1.25.0 }
router: { kind: gateway-api, httpRoute: ${app}, backendRefs: { stable: ${app}-stable, canary: ${app}-canary } }
strategy:
  kind: ab-test
  variants: [{ name: control, version: stable, weight: 70 }, { name: treatment, version: v1.25.0, weight: 30 }]
  cohort: { header: x-user-segment, exact: free }
  defaultVariant: control
  primaryMetrics: [{ name: conversion_rate, goal: maximize, minEffect: 0.05 }]
  duration: 1h
`);
      const ops = createKubeReleaseOps(sb.kubeconfigYaml(), plan, { pollMs: 50 });
      const experiment = {
        variants: [
          { name: 'control', version: 'stable', weight: 70 },
          { name: 'treatment', version: 'v1.25.0', weight: 30 },
        ],
        cohort: { header: 'x-user-segment', exact: 'free' },
        pins: [],
        defaultVariant: 'control',
      };
      expect((await ops.routeExperiment!(experiment)).weights).toEqual({ control: 70, treatment: 30 });
      const read = async () =>
        (
          (await api(sb).getNamespacedCustomObject({
            group: 'gateway.networking.k8s.io',
            version: 'v1',
            namespace: NS,
            plural: 'httproutes',
            name: app,
          })) as HTTPRoute
        ).spec?.rules ?? [];
      const rules = await read();
      expect(rules.map((r) => r.matches?.[0]?.headers?.map((h) => h.name))).toEqual([
        ['x-env', 'x-user-segment'],
        ['x-env'],
        undefined,
      ]);
      expect(rules[2]).toEqual(admin);
      const writes = writesTo(sb, 'httproutes', app).length;
      await ops.routeExperiment!(experiment);
      expect(writesTo(sb, 'httproutes', app)).toHaveLength(writes);

      expect((await ops.abortCanary()).weights).toEqual({ stable: 100, canary: 0 });
      const after = await read();
      expect(after).toHaveLength(2);
      expect(after[1]).toEqual(admin);
      expect(after[0]?.matches).toEqual([{ headers: [{ name: 'x-env', value: 'prod' }] }]);
      expect(after[0]?.backendRefs?.map((b) => [b.name, b.weight])).toEqual([
        [`${app}-stable`, 100],
        [`${app}-canary`, 0],
      ]);
    });
  }, 30_000);
});

describe('what the traffic panel is given for an A/B test, against the sandbox', () => {
  it('the cohort split and rules with the gateway’s no-stickiness warning while routed; all on stable, no false difference, once stopped', async () => {
    await onSandbox({ speed: SPEED }, async (sb) => {
      await routeThroughGateway(sb);
      const handle = await run(sb, abPlan('gateway-api', 'v1.25.0'), 'gw-panel');
      const routed = await untilSnapshot(handle, (s) => s.cohorts?.routed === true);
      expect(routed.traffic).toMatchObject({
        intended: { control: 50, treatment: 50 },
        actual: { control: 50, treatment: 50 },
        mismatch: false,
      });
      expect(routed.cohorts?.rules.map((r) => [r.kind, r.to.map((t) => t.variant)])).toEqual([
        ['pin', ['treatment']],
        ['cohort', ['control', 'treatment']],
        ['default', ['control']],
      ]);
      expect(routed.cohorts?.notes.join(' ')).toMatch(
        /Stickiness on x-user-id is not enforced by the gateway-api router/,
      );
      handle.send({ type: 'ABORT' });
      const outcome = await handle.done;
      expect(outcome.kind).toBe('aborted');
      // Stopped, the main route is read back: everyone on stable is what was asked, not a difference.
      expect(outcome.snapshot.traffic).toMatchObject({
        intended: { stable: 100, canary: 0 },
        actual: { stable: 100, canary: 0 },
        mismatch: false,
      });
      expect(outcome.snapshot.cohorts?.routed).toBe(true);
    });
  }, 60_000);
});
