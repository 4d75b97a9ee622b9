import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createSandboxAnalysis } from '../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { cli } from '../../support/cli.ts';
import { variantShares } from '../../support/flag-shares.ts';
import { clientsFor, control, until } from './clients.ts';
import { useSandboxFolder } from './sandbox-folder.ts';

const run = promisify(execFile);
const FF = { group: 'core.openfeature.dev', version: 'v1beta1', plural: 'featureflags' } as const;
const ns = 'shop';
const box = useSandboxFolder('sandbox-ff-', { sandbox: { scenario: 'flags', speed: 120 } });
const { dir } = box;

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
  await clientsFor(box.sb).custom.patchNamespacedCustomObject({
    ...FF,
    namespace: ns,
    name: 'checkout-flags',
    body: [{ op: 'add', path: '/spec/flagSpec/flags/new-checkout', value: flag }],
  });
}

/** Share of checkout's requests per variant over the next sandbox minute, from two scrapes of `/metrics`. */
async function shares(): Promise<{ on: number; off: number; total: number; unlabelled: number }> {
  const r = await variantShares(box.sb, ns, 'checkout');
  return { on: r.share.on ?? 0, off: r.share.off ?? 0, total: r.total, unlabelled: r.unlabelled };
}

/**
 * Lets `ms` of sandbox time pass, so a windowed read (the last minute) holds only requests after a change,
 * however far apart the sandbox's counter snapshots are on a busy machine.
 */
async function sandboxTime(ms: number): Promise<void> {
  const from = box.sb.clock.now();
  await until(() => (box.sb.clock.now() > from + ms ? true : undefined), 30_000, 'sandbox time');
}

describe('the sandbox serves OpenFeature FeatureFlags', () => {
  it('gets, lists, patches and watches a FeatureFlag with the real client, resourceVersion moving on each write', async () => {
    const { custom, watch } = clientsFor(box.sb);
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
    const res = await fetch(`${box.sb.url}/apis/${FF.group}/${FF.version}/namespaces/${ns}/${FF.plural}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${box.sb.token}`, 'content-type': 'application/json' },
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

  it('is watched by kubectl: a change by another client arrives as a MODIFIED event', async () => {
    const child = spawn(
      'kubectl',
      ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), '-n', ns].concat([
        'get',
        'ff',
        'checkout-flags',
        '-w',
        '--output-watch-events',
      ]),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await until(() => (/ADDED\s+checkout-flags/.test(out) ? true : undefined), 20_000, 'the first event');
      await setFlag(
        newCheckout({
          fractional: [
            ['on', 7],
            ['off', 93],
          ],
        }),
      );
      await until(
        () => (/MODIFIED\s+checkout-flags\s+new-checkout,dark-mode/.test(out) ? true : undefined),
        20_000,
        'a MODIFIED event',
      );
    } finally {
      child.kill();
    }
  });

  it('is served to kubectl: discovery, table columns, short name, merge patch, server-side apply, explain', async () => {
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
    // Server-side apply, twice (the second changes nothing), and the schema kubectl explains.
    const manifest = join(dir, 'search-flags.yaml');
    writeFileSync(
      manifest,
      `apiVersion: core.openfeature.dev/v1beta1
kind: FeatureFlag
metadata: {name: search-flags, namespace: shop}
spec:
  flagSpec:
    flags:
      new-search: {state: ENABLED, variants: {'on': true, 'off': false}, defaultVariant: 'off', targeting: {fractional: [['on', 25], ['off', 75]]}}
`,
    );
    for (let i = 0; i < 2; i++)
      expect(await kubectl('apply', '--server-side', '-f', manifest)).toBe(
        'featureflag.core.openfeature.dev/search-flags serverside-applied',
      );
    expect(
      await kubectl(
        'get',
        'ff',
        'search-flags',
        '-o',
        'jsonpath={.spec.flagSpec.flags.new-search.targeting}',
      ),
    ).toBe('{"fractional":[["on",25],["off",75]]}');
    expect(await kubectl('explain', 'featureflag.spec.flagSpec')).toMatch(/flags\s+<map\[string\]Object>/);
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
      expect(s.total).toBeGreaterThan(1000);
      expect(Math.abs(s.on * 100 - percent), `on share at ${percent} %`).toBeLessThanOrEqual(2.5);
      // Every request carries its variant, so a query without the label sums them all.
      expect(s.unlabelled).toBe(0);
      expect(s.on + s.off).toBeCloseTo(1, 9);
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
        await control(box.sb, 'faults', {
          method: 'POST',
          body: { namespace: ns, service: 'checkout', variant: 'on', errorRate: 0.3 },
        })
      ).status,
    ).toBe(200);
    await sandboxTime(180_000);
    const metrics = await (await fetch(`${box.sb.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_requests_total\{job="checkout",namespace="shop",version="v2.3.0",feature_flag_variant="on",status="500"\} \d+/,
    );
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{job="checkout",namespace="shop",version="v2.3.0",feature_flag_variant="off"\} \d+/,
    );

    const analysis = createSandboxAnalysis({ url: box.sb.url, token: box.sb.token });
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
    // Latency for one variant from the CLI: only that variant's p95 rises.
    const r = await cli([
      'sandbox',
      'fault',
      'checkout',
      'v2.3.0',
      '--namespace',
      ns,
      '--variant',
      'on',
      '--p95',
      '1.5s',
      '--kubeconfig',
      join(dir, 'kubeconfig'),
    ]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('Fault set on checkout v2.3.0 (variant on): p95Ms=1500');
    await sandboxTime(180_000);
    const q = { namespace: ns, job: 'checkout', windowSeconds: 60 };
    expect(box.sb.stats({ ...q, variant: 'on' }).p95Ms).toBeGreaterThan(1000);
    expect(box.sb.stats({ ...q, variant: 'off' }).p95Ms).toBeLessThan(400);
    // A fault for a variant cannot touch pods (they serve every variant).
    const refused = await control<{ message: string }>(box.sb, 'faults', {
      method: 'POST',
      body: { service: 'checkout', variant: 'on', crashLoop: true },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/pods have no variant/);
  });
});
