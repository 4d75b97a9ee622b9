import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../support/cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-recommend-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Json {
  recommendations: {
    strategy: string;
    companions: string[];
    rationale: string;
    risk: string;
    complexity: string;
    cost: string;
    rollbackSpeed: string;
    missing: string[];
    flagRamp: boolean;
    draft: string | null;
  }[];
}

const recommend = async (...args: string[]) => {
  const r = await cli(['recommend', ...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Json;
};

describe('switchyard recommend', () => {
  it.each([
    ['hotfix', ['blue-green']],
    ['new-service', ['rolling']],
    ['api-breaking', ['blue-green', 'flag-rollout']],
    ['ui-redesign', ['ab-test']],
    ['performance', ['canary']],
    ['schema-change', ['rolling', 'expand-contract']],
    ['algorithm', ['ab-test', 'flag-rollout']],
    ['security-patch', ['blue-green']],
    ['infrastructure', ['blue-green']],
    ['minor-fix', ['rolling']],
  ])('--change %s --mesh istio --spare-capacity puts %j first', async (change, [strategy, ...companions]) => {
    const { recommendations } = await recommend('--change', change, '--mesh', 'istio', '--spare-capacity');
    expect(recommendations[0]).toMatchObject({ strategy, companions });
    expect(Object.keys(recommendations[0]!)).toEqual([
      'strategy',
      'companions',
      'rationale',
      'risk',
      'complexity',
      'cost',
      'rollbackSpeed',
      'missing',
      'flagRamp',
      'draft',
    ]);
  });

  it.each([
    [
      'blue-green',
      true,
      /^blue-green deploys the code dark \(flag off\), then the flag my-service-release ramps 5\/25\/50\/100 %/,
    ],
    ['canary', true, /^canary deploys the code dark/],
  ])(
    'api-breaking: the %s recommendation drafts a combined plan (%s) and says so',
    async (strategy, flagRamp, draft) => {
      const { recommendations } = await recommend(
        '--change',
        'api-breaking',
        '--mesh',
        'istio',
        '--spare-capacity',
      );
      const r = recommendations.find((x) => x.strategy === strategy);
      expect(r).toMatchObject({ flagRamp });
      expect(r?.draft).toMatch(draft);
    },
  );

  it('answers asking for real-user validation draft the ramp with beta testers first, and say how to write it', async () => {
    const file = join(dir, 'breaks-api.yaml');
    await writeFile(
      file,
      'critical: true\nrealUserValidation: true\ntestsUxOrAlgorithm: false\nbreaksApi: true\n',
    );
    const { recommendations } = await recommend('--answers', file, '--mesh', 'istio');
    expect(recommendations[0]).toMatchObject({ strategy: 'canary', flagRamp: true });
    expect(recommendations[0]?.draft).toBe(
      'canary deploys the code dark (flag off), then the flag my-service-release ramps beta testers first, then 5/25/50/100 %, as one release (plan new --strategy canary --flag-ramp KEY --beta-first)',
    );
  });

  it('says in words which recommendation drafts a flag with deploy, and which cannot', async () => {
    const r = await cli(['recommend', '--change', 'algorithm', '--mesh', 'istio']);
    expect(r.code).toBe(0);
    const [abTest, canary] = r.stdout.split('\n\n');
    expect(abTest).toContain(
      'plan: ab-test only: a flag ramp cannot follow it in one plan; ramp the flag in a plan of its own (plan new --strategy flag-rollout)',
    );
    expect(canary).toMatch(/^2\. canary \+ flag-rollout\n/);
    expect(canary).toContain(
      'plan: canary deploys the code dark (flag off), then the flag my-service-release ramps 5/25/50/100 %, as one release (plan new --strategy canary --flag-ramp KEY)',
    );
    const hotfix = await cli(['recommend', '--change', 'hotfix']);
    expect(hotfix.stdout).not.toContain('plan:');
  });

  it('gives blue-green then canary for a security patch', async () => {
    const { recommendations } = await recommend(
      '--change',
      'security-patch',
      '--mesh',
      'istio',
      '--spare-capacity',
    );
    expect(recommendations.slice(0, 2).map((r) => r.strategy)).toEqual(['blue-green', 'canary']);
  });

  it('without a mesh or spare capacity, explains the replica-ratio canary', async () => {
    const { recommendations } = await recommend('--change', 'hotfix', '--replicas', '10');
    expect(recommendations[0]?.strategy).toBe('canary');
    expect(recommendations[0]?.rationale).toContain('1/10 = 10 %');
  });

  it('reads decision-tree answers from a file', async () => {
    const file = join(dir, 'answers.yaml');
    await writeFile(file, 'critical: false\nrealUserValidation: true\ntestsUxOrAlgorithm: true\n');
    const { recommendations } = await recommend('--answers', file, '--mesh', 'istio', '--rps', '100');
    expect(recommendations[0]?.strategy).toBe('ab-test');
  });

  it('prints a readable ranking without --json', async () => {
    const r = await cli(['recommend', '--change', 'minor-fix']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^1\. rolling\n {3}risk medium, complexity low, cost low, rollback medium \(5–15 min\)/,
    );
  });

  it('lists every bad flag at once, exit 64, no stack trace', async () => {
    const r = await cli(['recommend', '--change', 'big-bang', '--mesh', 'linkerd', '--rps', 'lots']);
    expect(r.code).toBe(64);
    expect(r.stderr.trim().split('\n')).toEqual([
      'error: --change must be one of hotfix, new-service, api-breaking, ui-redesign, performance, schema-change, algorithm, security-patch, infrastructure, minor-fix, got "big-bang"',
      'error: --mesh must be one of istio, gateway-api, none, got "linkerd"',
      'error: --rps must be a number at least 0, got "lots"',
    ]);
  });

  it('needs exactly one of --change or --answers', async () => {
    const r = await cli(['recommend']);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe('error: give exactly one of --change <kind> or --answers <file>\n');
  });

  it('names every problem of an answers file', async () => {
    const file = join(dir, 'bad-answers.yaml');
    await writeFile(file, 'critical: maybe\nrealUserValidation: true\n');
    const r = await cli(['recommend', '--answers', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${file}: critical: must be true or false, got "maybe"`);
    expect(r.stderr).toContain(`error: ${file}: testsUxOrAlgorithm: is required`);
  });

  it('rejects an unknown flag with the usage exit code', async () => {
    const r = await cli(['recommend', '--change', 'hotfix', '--colour']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/unknown option '--colour'/);
  });
});
