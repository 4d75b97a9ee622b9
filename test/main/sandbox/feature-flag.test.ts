import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxAnalysis } from '../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { clientsFor, control, until } from './clients.ts';

const run = promisify(execFile);
const FF = { group: 'core.openfeature.dev', version: 'v1beta1', plural: 'featureflags' } as const;
const ns = 'shop';
let sb: SandboxHandle;
let dir: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(
    'kubectl',
    ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), '-n', ns, ...args],
    { timeout: 60_000 },
  );
  return stdout.trim();
}

type Flag = { state: string; variants: Record<string, boolean>; defaultVariant: string; targeting?: unknown };
const newCheckout = (targeting?: unknown, extra: Partial<Flag> = {}): Flag => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  ...(targeting === undefined ? {} : { targeting }),
  ...extra,
});

/** Replaces flag new-checkout of shop/checkout-flags with the real client (a JSON Patch). */
async function setFlag(flag: Flag): Promise<void> {
  await clientsFor(sb).custom.patchNamespacedCustomObject({
    ...FF,
    namespace: ns,
    name: 'checkout-flags',
    body: [{ op: 'add', path: '/spec/flagSpec/flags/new-checkout', value: flag }],
  });
}

/** Share of checkout's requests per variant over a sandbox minute that starts after now. */
async function shares(): Promise<{ on: number; off: number; total: number; sum: number }> {
  const from = sb.clock.now();
  await until(() => (sb.clock.now() > from + 65_000 ? true : undefined), 20_000, 'a sandbox minute');
  const q = { namespace: ns, job: 'checkout', windowSeconds: 60 };
  const on = sb.stats({ ...q, variant: 'on' }).requests ?? 0;
  const off = sb.stats({ ...q, variant: 'off' }).requests ?? 0;
  // Without a variant, the same requests summed (a query without the label still sees them all).
  const total = sb.stats(q).requests ?? 0;
  return { on: on / (on + off), off: off / (on + off), total, sum: on + off };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-ff-'));
  sb = await startSandbox({ scenario: 'flags', speed: 300 });
  sb.writeKubeconfig(join(dir, 'kubeconfig'));
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the sandbox serves OpenFeature FeatureFlags', () => {
  it('gets, lists, patches and watches a FeatureFlag with the real client, resourceVersion moving on each write', async () => {
    const { custom, watch } = clientsFor(sb);
    const got = (await custom.getNamespacedCustomObject({
      ...FF,
      namespace: ns,
      name: 'checkout-flags',
    })) as {
      metadata: { resourceVersion: string };
      spec: { flagSpec: { flags: Record<string, Flag> } };
    };
    expect(got.spec.flagSpec.flags['new-checkout']).toMatchObject({
      defaultVariant: 'off',
      state: 'ENABLED',
    });
    const list = (await custom.listNamespacedCustomObject({ ...FF, namespace: ns })) as {
      items: { metadata: { name: string } }[];
    };
    expect(list.items.map((i) => i.metadata.name)).toEqual(['checkout-flags']);

    const events: { type: string; rv: string; targeting: unknown }[] = [];
    const req = await watch.watch(
      `/apis/${FF.group}/${FF.version}/namespaces/${ns}/${FF.plural}`,
      { resourceVersion: got.metadata.resourceVersion },
      (
        type,
        obj: { metadata: { resourceVersion: string }; spec: { flagSpec: { flags: Record<string, Flag> } } },
      ) =>
        events.push({
          type,
          rv: obj.metadata.resourceVersion,
          targeting: obj.spec.flagSpec.flags['new-checkout']?.targeting,
        }),
      () => undefined,
    );
    try {
      await setFlag(
        newCheckout({
          fractional: [
            ['on', 5],
            ['off', 95],
          ],
        }),
      );
      const seen = await until(() => events.find((e) => e.type === 'MODIFIED'), 10_000, 'a MODIFIED event');
      expect(Number(seen.rv)).toBeGreaterThan(Number(got.metadata.resourceVersion));
      expect(seen.targeting).toEqual({
        fractional: [
          ['on', 5],
          ['off', 95],
        ],
      });
    } finally {
      req.abort();
    }
    // A stale resourceVersion is refused, as on a real API server.
    await expect(
      custom.replaceNamespacedCustomObject({ ...FF, namespace: ns, name: 'checkout-flags', body: got }),
    ).rejects.toMatchObject({ code: 409 });
  });

  it('refuses a flag the CRD schema would refuse, naming the field', async () => {
    const res = await fetch(`${sb.url}/apis/${FF.group}/${FF.version}/namespaces/${ns}/${FF.plural}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'core.openfeature.dev/v1beta1',
        kind: 'FeatureFlag',
        metadata: { name: 'broken' },
        spec: { flagSpec: { flags: { x: { state: 'ON', variants: { a: 1 }, defaultVariant: 'b' } } } },
      }),
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { message: string };
    expect(body.message).toMatch(/spec\.flagSpec\.flags\.x\.state: Unsupported value: "ON"/);
    expect(body.message).toMatch(/defaultVariant: Invalid value: "b": not one of the variants \(a\)/);
  });

  it('is served to kubectl: discovery, table columns, short name, merge patch', async () => {
    expect(await kubectl('get', 'featureflags')).toMatch(
      /^NAME\s+FLAGS\s+AGE\ncheckout-flags\s+new-checkout,dark-mode\s+\S+$/,
    );
    await kubectl(
      'patch',
      'ff/checkout-flags',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { flagSpec: { flags: { 'dark-mode': { state: 'DISABLED' } } } } }),
    );
    expect(
      await kubectl('get', 'ff', 'checkout-flags', '-o', 'jsonpath={.spec.flagSpec.flags.dark-mode.state}'),
    ).toBe('DISABLED');
    expect(await kubectl('api-resources', '--api-group=core.openfeature.dev', '--no-headers')).toMatch(
      /^featureflags\s+ff\s+core\.openfeature\.dev\/v1beta1\s+true\s+FeatureFlag$/,
    );
    expect(await kubectl('get', 'crd', 'featureflags.core.openfeature.dev', '-o', 'name')).toBe(
      'customresourcedefinition.apiextensions.k8s.io/featureflags.core.openfeature.dev',
    );
  });
});

describe('simulated requests evaluate the flag with flagd', () => {
  it('serves the new variant to the share of users the fractional split says', async () => {
    for (const percent of [0, 10, 50, 100]) {
      await setFlag(
        newCheckout({
          fractional: [
            ['on', percent],
            ['off', 100 - percent],
          ],
        }),
      );
      const s = await shares();
      expect(s.total).toBeGreaterThan(0);
      expect(Math.abs(s.on * 100 - percent), `on share at ${percent} %`).toBeLessThanOrEqual(2.5);
      expect(s.sum / s.total).toBeCloseTo(1, 2);
    }
  });

  it('serves targeted segments first: enterprise users, beta testers by email domain', async () => {
    await setFlag(newCheckout({ if: [{ in: [{ var: 'tier' }, ['enterprise']] }, 'on', 'off'] }));
    const tier = await shares();
    expect(tier.on).toBeGreaterThan(0.07);
    expect(tier.on).toBeLessThan(0.13);
    await setFlag(newCheckout({ if: [{ ends_with: [{ var: 'email' }, '@beta.example.com'] }, 'on', 'off'] }));
    const beta = await shares();
    expect(beta.on).toBeGreaterThan(0.03);
    expect(beta.on).toBeLessThan(0.07);
    // The kill switch: no targeting and the off variant by default, so everyone gets off.
    await setFlag(newCheckout());
    expect((await shares()).on).toBe(0);
  });

  it('labels the request metrics by variant, and a fault on one variant raises only its error ratio', async () => {
    await setFlag(
      newCheckout({
        fractional: [
          ['on', 50],
          ['off', 50],
        ],
      }),
    );
    expect(
      (
        await control(sb, 'faults', {
          method: 'POST',
          body: { namespace: ns, service: 'checkout', variant: 'on', errorRate: 0.3 },
        })
      ).status,
    ).toBe(200);
    await shares();
    const metrics = await (await fetch(`${sb.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_requests_total\{job="checkout",namespace="shop",version="v2.3.0",feature_flag_variant="on",status="500"\} \d+/,
    );
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{job="checkout",namespace="shop",version="v2.3.0",feature_flag_variant="off"\} \d+/,
    );

    const analysis = createSandboxAnalysis({ url: sb.url, token: sb.token });
    const errorRate = async (variant: string) => {
      const r = await analysis.read(
        { kind: 'error-rate' },
        {
          job: 'checkout',
          namespace: ns,
          version: variant,
          versionLabel: 'feature_flag_variant',
          window: '1m',
        },
      );
      if (r.sample.kind !== 'value') throw new Error(`no value for ${variant}: ${JSON.stringify(r.sample)}`);
      return r.sample.value;
    };
    expect(await errorRate('on')).toBeCloseTo(0.3, 2);
    expect(await errorRate('off')).toBeLessThan(0.01);
    // A fault for a variant cannot touch pods (they serve every variant).
    const refused = await control<{ message: string }>(sb, 'faults', {
      method: 'POST',
      body: { service: 'checkout', variant: 'on', crashLoop: true },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/pods have no variant/);
  });
});
