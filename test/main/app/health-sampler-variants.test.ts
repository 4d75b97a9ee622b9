import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenFeatureProvider } from '../../../src-main/adapters/kube/flags/openfeature-provider.ts';
import { createPrometheusMetrics } from '../../../src-main/adapters/prometheus/prometheus.adapter.ts';
import { prometheusHealthSampler, sandboxHealthSampler } from '../../../src-main/app/health-sampler.ts';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { startPrometheus, type PrometheusTestServer } from '../../support/prometheus.ts';
import { closeSoon } from '../adapters/kube/sandbox-fixture.ts';

// The health timeline's sampler during a flag ramp: the requests served each variant, read from the sandbox's
// own numbers and through a real Prometheus scraping it, so a fault on variant on shows on `on` alone.
let sb: SandboxHandle;
let prom: PrometheusTestServer;
const SVC = { namespace: 'shop', job: 'checkout', windowSeconds: 60 };
const on = { label: 'feature_flag_variant', value: 'on' };
const off = { label: 'feature_flag_variant', value: 'off' };

beforeAll(async () => {
  sb = await startSandbox({ scenario: 'flags', speed: 10 });
  await createOpenFeatureProvider(sb.kubeconfigYaml(), {
    namespace: 'shop',
    name: 'checkout-flags',
    flag: 'new-checkout',
  }).setPercent(50);
  sb.setFault({ namespace: 'shop', service: 'checkout', variant: 'on', errorRate: 0.3 });
  prom = await startPrometheus({ targets: [new URL(sb.url).host], job: 'sandbox', honorLabels: true });
}, 60_000);
afterAll(async () => {
  await prom?.stop();
  await closeSoon(sb);
});

/** Samples until `check` holds of the two variants' points, or fails after 60 s. */
async function until(
  sampler: ReturnType<typeof sandboxHealthSampler>,
  check: (on: number | null, off: number | null) => boolean,
) {
  const end = Date.now() + 60_000;
  for (;;) {
    const [a, b] = await Promise.all([sampler.sample('v2.3.0', 1, on), sampler.sample('v2.3.0', 1, off)]);
    if (check(a.errorRate, b.errorRate)) return [a, b] as const;
    if (Date.now() > end) throw new Error(`not reached: on ${a.errorRate}, off ${b.errorRate}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('health sampled per variant', () => {
  it('from the sandbox: the fault on variant on shows on on only', async () => {
    const [a, b] = await until(sandboxHealthSampler(sb, SVC), (x, y) => (x ?? 0) > 0.15 && y !== null);
    expect(a).toMatchObject({ version: 'v2.3.0', variant: 'on' });
    expect(b).toMatchObject({ version: 'v2.3.0', variant: 'off' });
    expect(b.errorRate!).toBeLessThan(0.05);
    expect(a.rps! > 0 && b.rps! > 0).toBe(true);
  }, 90_000);

  it('through Prometheus, by the variant label: the same', async () => {
    const sampler = prometheusHealthSampler(createPrometheusMetrics({ url: prom.url }), SVC);
    const [a, b] = await until(sampler, (x, y) => (x ?? 0) > 0.15 && y !== null);
    expect(a.variant).toBe('on');
    expect(b.errorRate!).toBeLessThan(0.05);
    expect(a.rps! > 0 && b.rps! > 0).toBe(true);
  }, 90_000);
});
