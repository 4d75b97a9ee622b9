import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import { cli } from '../../support/cli.ts';

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('../../fixtures/plans/', import.meta.url));
const image = 'registry.platform.com/workflow-engine:v1.25.0';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-plan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const newPlan = (strategy: string, ...extra: string[]) =>
  cli(
    [
      'plan',
      'new',
      '--strategy',
      strategy,
      '--namespace',
      'platform-production',
      '--deployment',
      'workflow-engine',
      '--image',
      image,
      ...extra,
    ],
    {},
    dir,
  );

describe('switchyard plan new', () => {
  it.each(['blue-green', 'canary', 'rolling', 'ab-test', 'flag-rollout'])(
    'writes a valid %s plan with the runbook defaults',
    async (strategy) => {
      const r = await newPlan(strategy);
      expect(r.code).toBe(0);
      const result = parsePlan(r.stdout);
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.plan.strategy.kind).toBe(strategy);
    },
  );

  it.each([
    [
      ['--provider', 'unleash', '--flag', 'new-checkout', '--provider-url', 'https://unleash.example.com'],
      {
        kind: 'unleash',
        url: 'https://unleash.example.com',
        project: 'default',
        environment: 'production',
        tokenEnv: 'UNLEASH_ADMIN_TOKEN',
      },
      'new-checkout',
    ],
    [
      ['--provider', 'openfeature', '--flag-object', 'checkout-flags'],
      { kind: 'openfeature', name: 'checkout-flags' },
      'workflow-engine-release',
    ],
  ])('writes a flag ramp for %j', async (extra, provider, flag) => {
    const r = await newPlan('flag-rollout', ...extra);
    expect(r.code, r.stderr).toBe(0);
    const result = parsePlan(r.stdout);
    if (!result.ok) throw new Error(result.errors.join('; '));
    expect(result.plan.strategy).toMatchObject({ kind: 'flag-rollout', provider, flag });
    expect(result.plan.strategy.kind === 'flag-rollout' && result.plan.strategy.steps[0]).toEqual({
      setPercentage: 5,
    });
  });

  it.each([
    [['--provider', 'unleash'], '--provider unleash needs --provider-url <url>, the Unleash server'],
    [['--provider', 'launchdarkly'], '--provider must be openfeature or unleash, got "launchdarkly"'],
    [
      ['--provider-url', 'https://u.example.com'],
      '--provider-url applies to --provider unleash; OpenFeature flags live in the cluster',
    ],
  ])('refuses flag options %j with a usage error naming the problem', async (extra, message) => {
    const r = await newPlan('flag-rollout', ...extra);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(message);
  });

  it('refuses flag options for another strategy', async () => {
    const r = await newPlan('canary', '--flag', 'x');
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--flag applies only to --strategy flag-rollout');
  });

  it.each(['rolling', 'canary', 'blue-green'])(
    '--strategy %s --flag-ramp KEY deploys the code dark, then ramps the flag, in one valid plan',
    async (strategy) => {
      const r = await newPlan(strategy, '--flag-ramp', 'new-engine');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^# Release plan: ${strategy} of .*, then flag new-engine through 5/25/50/100 %`),
      );
      const result = parsePlan(r.stdout);
      if (!result.ok) throw new Error(result.errors.join('; '));
      expect(result.plan.strategy.kind).toBe(strategy);
      expect(result.plan.flagRamp).toMatchObject({
        provider: { kind: 'openfeature', name: 'workflow-engine-flags' },
        flag: 'new-engine',
        offVariant: 'off',
      });
      expect(result.plan.flagRamp?.steps[0]).toEqual({ setPercentage: 5 });
    },
  );

  it.each([
    ['canary', ['--flag-ramp', 'new-engine', '--beta-first'], 'flagRamp'],
    ['flag-rollout', ['--beta-first'], 'strategy'],
  ] as const)('%s %j serves beta testers first', async (strategy, extra, at) => {
    const r = await newPlan(strategy, ...extra);
    expect(r.code, r.stderr).toBe(0);
    const result = parsePlan(r.stdout);
    if (!result.ok) throw new Error(result.errors.join('; '));
    const ramp = at === 'flagRamp' ? result.plan.flagRamp : result.plan.strategy;
    expect(ramp && 'segments' in ramp && ramp.segments).toEqual([
      { name: 'beta testers', attribute: 'email', operator: 'ends_with', values: ['@beta.example.com'] },
    ]);
  });

  it('--flag-ramp on Unleash takes the provider flags', async () => {
    const r = await newPlan(
      'canary',
      '--flag-ramp',
      'new-engine',
      '--provider',
      'unleash',
      '--provider-url',
      'https://unleash.example.com',
    );
    expect(r.code, r.stderr).toBe(0);
    const result = parsePlan(r.stdout);
    if (!result.ok) throw new Error(result.errors.join('; '));
    expect(result.plan.flagRamp?.provider).toMatchObject({
      kind: 'unleash',
      url: 'https://unleash.example.com',
    });
  });

  it.each([
    [
      'flag-rollout',
      ['--flag-ramp', 'x'],
      '--flag-ramp follows a strategy that deploys code (rolling, canary, blue-green); a flag-rollout plan is a flag ramp already: name its flag with --flag KEY',
    ],
    [
      'ab-test',
      ['--flag-ramp', 'x'],
      '--flag-ramp follows a strategy that deploys code (rolling, canary, blue-green), not ab-test: ramp the flag in a plan of its own (--strategy flag-rollout)',
    ],
    [
      'canary',
      ['--flag-ramp', 'x', '--flag', 'y'],
      `--flag names a flag-rollout's flag; with --flag-ramp the flag is "x"`,
    ],
    [
      'canary',
      ['--flag-ramp', 'x', '--provider', 'unleash'],
      '--provider unleash needs --provider-url <url>, the Unleash server',
    ],
    [
      'canary',
      ['--provider', 'unleash'],
      '--provider applies only to --strategy flag-rollout, or with --flag-ramp KEY',
    ],
    [
      'rolling',
      ['--beta-first'],
      '--beta-first applies only to --strategy flag-rollout, or with --flag-ramp KEY',
    ],
  ])('--strategy %s %j is a usage error naming the problem', async (strategy, extra, message) => {
    const r = await newPlan(strategy, ...extra);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('uses the router asked for and writes to --out', async () => {
    const r = await newPlan('canary', '--router', 'gateway-api', '--out', 'canary.yaml');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('wrote canary.yaml\n');
    const plan = parse(await readFile(join(dir, 'canary.yaml'), 'utf8')) as {
      router: { kind: string };
      strategy: { steps: unknown[] };
    };
    expect(plan.router.kind).toBe('gateway-api');
    expect(plan.strategy.steps).toContainEqual({ setWeight: 50 });
  });

  it('lists every bad flag value at once', async () => {
    const r = await newPlan('big-bang', '--router', 'nginx');
    expect(r.code).toBe(64);
    expect(r.stderr.trim().split('\n')).toEqual([
      'error: --strategy must be one of blue-green, canary, rolling, ab-test, flag-rollout, got "big-bang"',
      'error: --router must be one of service-selector, istio, gateway-api, replica-ratio, got "nginx"',
    ]);
  });

  it('explains a router that cannot carry the strategy', async () => {
    const r = await newPlan('canary', '--router', 'service-selector');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: router.kind: a canary needs weighted traffic: use istio, gateway-api or replica-ratio, got service-selector\n',
    );
  });
});

describe('switchyard plan validate', () => {
  it('accepts a valid plan', async () => {
    const r = await cli(['plan', 'validate', join(fixtures, 'canary-istio.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid (canary of platform-production/workflow-engine via istio, 6 steps)');
  });

  it('lists every problem of an invalid plan, exit 1, no stack trace', async () => {
    const file = join(fixtures, 'invalid-canary.yaml');
    const r = await cli(['plan', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `error: ${file}: target.image: is required`,
      `error: ${file}: strategy.steps[1].pause.duration: must be a duration such as 30s, 10m or 1h30m, got "10 minutes"`,
      `error: ${file}: strategy.steps[2].setWeight: must be between 0 and 100, got 140`,
      `error: ${file}: onFailure: must be one of abort, pause, got "explode"`,
    ]);
  });

  it('reports broken YAML with its position', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'name: x\ntarget: {namespace: a\n');
    const r = await cli(['plan', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: ${file}: line \\d+, column \\d+: `));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('gives JSON with --json and still exits 1 when invalid', async () => {
    const r = await cli(['plan', 'validate', join(fixtures, 'invalid-canary.yaml'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      valid: false,
      errors: expect.arrayContaining(['strategy.steps[2].setWeight: must be between 0 and 100, got 140']),
    });
  });

  it('says when the file cannot be read', async () => {
    const r = await cli(['plan', 'validate', 'does-not-exist.yaml'], {}, dir);
    expect(r).toMatchObject({ code: 1, stderr: 'error: cannot read does-not-exist.yaml\n' });
  });
});

describe('switchyard plan import / export', () => {
  it('imports an Argo Rollout, exports it again and re-imports the same plan', async () => {
    const imported = await cli(
      ['plan', 'import', join(fixtures, 'argo-rollout.yaml'), '--out', 'from-argo.yaml'],
      {},
      dir,
    );
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain(
      'not imported: strategy.canary.steps[10]: setCanaryScale steps have no plan equivalent',
    );
    const exported = await cli(
      ['plan', 'export', 'from-argo.yaml', '--to', 'argo', '--out', 'rollout.yaml'],
      {},
      dir,
    );
    expect(exported.code).toBe(0);
    const docs = parseAllDocuments(await readFile(join(dir, 'rollout.yaml'), 'utf8')).map(
      (d) => (d.toJS() as { kind: string }).kind,
    );
    expect(docs).toEqual(['Rollout', 'AnalysisTemplate', 'AnalysisTemplate', 'AnalysisTemplate']);
    const again = await cli(['plan', 'import', 'rollout.yaml'], {}, dir);
    const first = parsePlan(await readFile(join(dir, 'from-argo.yaml'), 'utf8'));
    const second = parsePlan(again.stdout);
    expect(second).toEqual(first);
  });

  it('imports a Flagger Canary given the image', async () => {
    const r = await cli(['plan', 'import', join(fixtures, 'flagger-canary.yaml'), '--image', image]);
    expect(r.code).toBe(0);
    expect(parsePlan(r.stdout)).toMatchObject({
      ok: true,
      plan: { target: { image }, strategy: { kind: 'canary' } },
    });
    const missing = await cli(['plan', 'import', join(fixtures, 'flagger-canary.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'target.image: the source names no image; give the new image (plan import --image IMAGE)',
    );
  });

  it('imports the runbook phases with --from runbook and a target', async () => {
    const r = await cli([
      'plan',
      'import',
      join(fixtures, 'runbook-canary.yaml'),
      '--from',
      'runbook',
      '--namespace',
      'prod',
      '--deployment',
      'api',
      '--image',
      'api:2',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(parsePlan(r.stdout)).toMatchObject({
      ok: true,
      plan: { target: { namespace: 'prod', name: 'api', image: 'api:2' } },
    });
  });

  it('exports to Flagger, listing what it cannot express on stderr and in the YAML', async () => {
    const r = await cli(['plan', 'export', join(fixtures, 'canary-istio.yaml'), '--to', 'flagger']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'not expressible in flagger: rollbackTriggers: Flagger has no separate rollback triggers',
    );
    expect(r.stdout).toContain('#  - rollbackTriggers: Flagger has no separate rollback triggers');
    expect(parseAllDocuments(r.stdout).map((d) => (d.toJS() as { kind: string }).kind)).toEqual([
      'Canary',
      'MetricTemplate',
      'MetricTemplate',
      'MetricTemplate',
    ]);
  });

  it.each([
    [
      ['plan', 'export', 'x.yaml', '--to', 'spinnaker'],
      64,
      'error: --to must be one of argo, flagger, got "spinnaker"\n',
    ],
    [
      ['plan', 'import', 'x.yaml', '--from', 'spinnaker'],
      64,
      'error: --from must be one of argo, flagger, runbook, got "spinnaker"\n',
    ],
  ])('%j exits %d', async (argv, code, stderr) => {
    expect(await cli(argv, {}, dir)).toMatchObject({ code, stderr });
  });

  it('refuses to export an invalid plan, listing its problems', async () => {
    const r = await cli(['plan', 'export', join(fixtures, 'invalid-canary.yaml'), '--to', 'argo']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(4);
    expect(r.stdout).toBe('');
  });

  it('exits 1 from a real process with plain errors, no stack trace', { timeout: 90_000 }, async () => {
    const failed = await run(process.execPath, [
      'bin/switchyard.mjs',
      'plan',
      'validate',
      join(fixtures, 'invalid-canary.yaml'),
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain(
      'strategy.steps[2].setWeight: must be between 0 and 100, got 140',
    );
    expect((failed as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
  });
});

describe('switchyard plan new without its required flags', () => {
  it('names every missing flag at once', async () => {
    const r = await cli(['plan', 'new', '--strategy', 'canary']);
    expect(r.code).toBe(64);
    expect(r.stderr.trim().split('\n')).toEqual([
      'error: missing --namespace <ns>',
      'error: missing --deployment <name>',
      'error: missing --image <image>',
    ]);
  });
});
