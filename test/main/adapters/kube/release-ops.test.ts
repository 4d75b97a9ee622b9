import { beforeAll, describe, expect, it } from 'vitest';
import { createKubeReleaseOps } from '../../../../src-main/adapters/kube/release-ops.ts';
import { ClusterError } from '../../../../src-main/adapters/kube/kube-errors.ts';
import type { ReleaseOps } from '../../../../src-main/ports/release.port.ts';
import { defaultPlan } from '../../../../src-shared/plan/plan.defaults.ts';
import type { RouterKind } from '../../../../src-shared/plan/plan.schema.ts';
import { addHttpRoute, customApi, useFastSandbox, writesTo } from './sandbox-fixture.ts';

const NS = 'platform-production';
const image = (app: string, tag: string) => `registry.platform.com/${app}:${tag}`;

const fixture = useFastSandbox((sb) => addHttpRoute(sb, 'agent-manager'));

async function until<T>(
  what: string,
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const canaryCases: { router: RouterKind; app: string; routerObject: [string, string] }[] = [
  { router: 'istio', app: 'workflow-engine', routerObject: ['virtualservices', 'workflow-engine'] },
  { router: 'gateway-api', app: 'agent-manager', routerObject: ['httproutes', 'agent-manager'] },
  {
    router: 'replica-ratio',
    app: 'notification-service',
    routerObject: ['deployments', 'notification-service-canary'],
  },
];

describe.each(canaryCases)('canary under $router', ({ router, app, routerObject }) => {
  const plan = defaultPlan('canary', { namespace: NS, name: app, image: image(app, 'v1.25.0') }, { router });
  let ops: ReleaseOps;
  beforeAll(() => {
    ops = createKubeReleaseOps(fixture.sb.kubeconfigYaml(), plan, { pollMs: 50, readyTimeoutMs: 20_000 });
  });

  it('starts with all traffic on stable', async () => {
    expect((await ops.readSplit()).weights).toEqual({ stable: 100, canary: 0 });
  });

  it('creates the canary once, labelled with its version, at weight 0', async () => {
    const creates = () =>
      fixture.sb.audit().filter((w) => w.resource === 'deployments' && w.verb === 'create' && w.code < 300)
        .length;
    const before = creates();
    await ops.ensureCanary(image(app, 'v1.25.0'), 'v1.25.0');
    await ops.ensureCanary(image(app, 'v1.25.0'), 'v1.25.0');
    expect(creates()).toBe(before + 1);
    const state = await until(
      'canary ready',
      () => ops.workloadState('canary'),
      (s) => router === 'replica-ratio' || s.ready >= 1,
    );
    expect(state.image).toBe(image(app, 'v1.25.0'));
    expect((await ops.readSplit()).weights.canary).toBe(0);
  });

  it('moves traffic by the router and reads it back, writing only when it differs', async () => {
    const split = await ops.setCanaryWeight(router === 'replica-ratio' ? 33.4 : 10);
    expect(split.weights.canary).toBeCloseTo(router === 'replica-ratio' ? 33.33 : 10, 1);
    const before = writesTo(fixture.sb, ...routerObject).length;
    await ops.setCanaryWeight(router === 'replica-ratio' ? 33.4 : 10);
    expect(writesTo(fixture.sb, ...routerObject)).toHaveLength(before);
    if (router !== 'replica-ratio') {
      await until(
        'canary traffic',
        async () => fixture.sb.stats({ namespace: NS, job: app, version: 'v1.25.0', windowSeconds: 30 }),
        (s) => (s.requests ?? 0) > 0,
      );
    }
  });

  it('aborts to stable at once and scales the canary to zero', async () => {
    const split = await ops.abortCanary();
    expect(split.weights).toEqual({ stable: 100, canary: 0 });
    expect((await ops.workloadState('canary')).desired).toBe(0);
  });

  it('promotes: stable runs the new image and takes all traffic', async () => {
    await ops.setCanaryWeight(50);
    const split = await ops.promoteCanary(image(app, 'v1.25.0'));
    expect(split.weights).toEqual({ stable: 100, canary: 0 });
    const stable = await ops.workloadState('stable');
    expect(stable.image).toBe(image(app, 'v1.25.0'));
    expect(stable.ready).toBe(stable.desired);
    expect((await ops.workloadState('canary')).desired).toBe(0);
  }, 30_000);
});

describe('drift', () => {
  const plan = defaultPlan('canary', {
    namespace: NS,
    name: 'workflow-engine',
    image: image('workflow-engine', 'v1.26.0'),
  });

  it('surfaces a weight changed by someone else as a conflict naming the object and the field, and overwrites nothing', async () => {
    const ops = createKubeReleaseOps(fixture.sb.kubeconfigYaml(), plan, { pollMs: 50 });
    await ops.setCanaryWeight(20);
    const api = customApi(fixture.sb);
    const key = {
      group: 'networking.istio.io',
      version: 'v1beta1',
      namespace: NS,
      plural: 'virtualservices',
      name: 'workflow-engine',
    };
    const vs = (await api.getNamespacedCustomObject(key)) as {
      spec: { http: { route: { weight: number }[] }[] };
    };
    vs.spec.http[0]!.route[0]!.weight = 70;
    vs.spec.http[0]!.route[1]!.weight = 30;
    await api.replaceNamespacedCustomObject({ ...key, body: vs });
    const writes = writesTo(fixture.sb, 'virtualservices', 'workflow-engine').length;

    const error = await ops.setCanaryWeight(40).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).clusterKind).toBe('conflict');
    expect((error as ClusterError).message).toMatch(
      /VirtualService platform-production\/workflow-engine was changed by someone else/,
    );
    expect((error as ClusterError).message).toMatch(
      /weight of subset canary is 30 \(Switchyard left it at 20\)/,
    );
    expect(writesTo(fixture.sb, 'virtualservices', 'workflow-engine')).toHaveLength(writes);
    expect((await ops.readSplit()).weights).toEqual({ stable: 70, canary: 30 });
    // After the pause the operator resumes: the next call decides from what is there.
    expect((await ops.setCanaryWeight(0)).weights).toEqual({ stable: 100, canary: 0 });
  });
});

describe('rolling: set image and undo', () => {
  const plan = defaultPlan(
    'rolling',
    { namespace: NS, name: 'agent-manager', image: image('agent-manager', 'v1.25.1-bad') },
    { router: 'service-selector' },
  );

  it('sets the image once, then undoes to the previous revision like kubectl rollout undo', async () => {
    const ops = createKubeReleaseOps(fixture.sb.kubeconfigYaml(), plan, { pollMs: 50 });
    const before = await ops.workloadState('stable');
    const { revision } = await ops.setImage(image('agent-manager', 'v1.25.1-bad'));
    expect(revision).toBeGreaterThan(before.revision);
    await ops.setImage(image('agent-manager', 'v1.25.1-bad'));
    const puts = writesTo(fixture.sb, 'deployments', 'agent-manager').length;
    await ops.undo();
    await ops.undo();
    expect(writesTo(fixture.sb, 'deployments', 'agent-manager')).toHaveLength(puts + 1);
    const after = await until(
      'rolled back',
      () => ops.workloadState('stable'),
      (s) => s.revision > revision,
    );
    expect(after.image).toBe(before.image);
  });

  it('reports crash-looping pods and restarts of a bad image', async () => {
    const crashPlan = {
      ...plan,
      target: { ...plan.target, image: image('agent-manager', 'v1.25.2-crashloop') },
    };
    const ops = createKubeReleaseOps(fixture.sb.kubeconfigYaml(), crashPlan, { pollMs: 50 });
    await ops.setImage(image('agent-manager', 'v1.25.2-crashloop'));
    const state = await until(
      'crash loop',
      () => ops.workloadState('stable'),
      (s) => s.failingPods > 0 && s.restarts > 0,
      20_000,
    );
    expect(state.failingPods).toBeGreaterThan(0);
    await ops.undo();
  }, 30_000);
});

describe('blue-green in the runbook namespaces', () => {
  const plan = defaultPlan('blue-green', {
    namespace: NS,
    name: 'workflow-engine',
    image: image('workflow-engine', 'v1.25.0'),
  });
  plan.router = {
    kind: 'istio',
    virtualService: 'workflow-engine-blue-green',
    destinationRule: 'workflow-engine',
    route: 'production-traffic',
    stableSubset: 'blue',
    canarySubset: 'green',
  };

  it('deploys the idle colour, switches to it and back, reading the split from the VirtualService', async () => {
    const ops = createKubeReleaseOps(fixture.sb.kubeconfigYaml(), plan, { pollMs: 50 });
    expect(await ops.activeColour()).toBe('blue');
    await ops.deployColour('green', image('workflow-engine', 'v1.25.0'));
    await ops.deployColour('green', image('workflow-engine', 'v1.25.0'));
    expect(writesTo(fixture.sb, 'deployments', 'workflow-engine', `${NS}-green`)).toHaveLength(1);
    await until(
      'green ready',
      () => ops.workloadState('green'),
      (s) => s.ready === s.desired && s.updated === s.desired,
    );
    expect((await ops.switchTo('green')).weights).toEqual({ blue: 0, green: 100 });
    expect(await ops.activeColour()).toBe('green');
    expect((await ops.switchTo('blue')).weights).toEqual({ blue: 100, green: 0 });
  });

  it('runs smoke commands as argv without a shell', async () => {
    const ops = createKubeReleaseOps(fixture.sb.kubeconfigYaml(), plan, { pollMs: 50 });
    const [ok, bad] = await ops.smoke('green', [
      {
        kind: 'command',
        argv: [process.execPath, '-e', 'process.exit(process.env.SWITCHYARD_COLOUR === "green" ? 0 : 3)'],
      },
      { kind: 'command', argv: ['echo hi; exit 0'] },
    ]);
    expect(ok?.ok).toBe(true);
    expect(bad?.ok).toBe(false);
  });
});

describe('jobs', () => {
  const plan = defaultPlan(
    'rolling',
    { namespace: NS, name: 'agent-manager', image: image('agent-manager', 'v1.25.0') },
    { router: 'service-selector' },
  );

  it('runs a Job to completion once, even when asked twice', async () => {
    const ops = createKubeReleaseOps(fixture.sb.kubeconfigYaml(), plan, { pollMs: 50 });
    const spec = {
      name: 'expand',
      image: image('agent-manager', 'v1.25.0'),
      command: ['migrate', '--expand'],
    };
    const [a, b] = await Promise.all([ops.runJob(spec), ops.runJob(spec)]);
    expect(a.succeeded).toBe(true);
    expect(b.succeeded).toBe(true);
    expect(
      fixture.sb.audit().filter((w) => w.resource === 'jobs' && w.verb === 'create' && w.code < 300),
    ).toHaveLength(1);
  }, 20_000);
});

describe('A/B test routes under istio', () => {
  it('splits the cohort by weight, pins premium to treatment, then hands traffic back to stable on abort', async () => {
    const plan = defaultPlan('ab-test', {
      namespace: NS,
      name: 'workflow-engine',
      image: image('workflow-engine', 'v1.27.0'),
    });
    const ops = createKubeReleaseOps(fixture.sb.kubeconfigYaml(), plan, { pollMs: 50 });
    await ops.ensureCanary(image('workflow-engine', 'v1.27.0'), 'v1.27.0');
    await until(
      'treatment ready',
      () => ops.workloadState('canary'),
      (s) => s.ready >= 1,
    );
    const route = {
      variants: [
        { name: 'control', version: 'stable', weight: 50 },
        { name: 'treatment', version: 'v1.27.0', weight: 50 },
      ],
      cohort: { header: 'x-user-segment', regex: 'free|basic' },
      pins: [{ match: { header: 'x-user-segment', exact: 'premium' }, variant: 'treatment' }],
      defaultVariant: 'control',
    };
    const split = await ops.routeExperiment!(route);
    expect(split.weights).toEqual({ control: 50, treatment: 50 });
    const writes = writesTo(fixture.sb, 'virtualservices', 'workflow-engine').length;
    await ops.routeExperiment!(route);
    expect(writesTo(fixture.sb, 'virtualservices', 'workflow-engine')).toHaveLength(writes);
    // free 50 % and basic 30 % split 50/50, premium 20 % pinned: treatment gets 60 % of requests.
    await new Promise((r) => setTimeout(r, 1500));
    const served = (version: string) =>
      fixture.sb.stats({ namespace: NS, job: 'workflow-engine', version, windowSeconds: 20 }).requests ?? 0;
    const stableTag = (await ops.workloadState('stable')).image.split(':')[1]!;
    const share = served('v1.27.0') / (served('v1.27.0') + served(stableTag));
    expect(share).toBeGreaterThan(0.5);
    expect(share).toBeLessThan(0.7);
    expect((await ops.abortCanary()).weights).toEqual({ stable: 100, canary: 0 });
  }, 20_000);
});
