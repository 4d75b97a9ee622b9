import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, runArgv } from '../../support/cli.ts';

const PLAN = join(import.meta.dirname, '../../fixtures/plans/canary-sandbox-fast.yaml');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function planWith(image: string): string {
  const file = join(dir, `${image.replace(/[^a-z0-9.-]/gi, '_')}.yaml`);
  writeFileSync(
    file,
    readFileSync(PLAN, 'utf8').replace('workflow-engine:v1.25.0', `workflow-engine:${image}`),
  );
  return file;
}

describe('switchyard run against the embedded sandbox', () => {
  it.concurrent.each([
    { tag: 'v1.25.0', code: 0, last: /^completed: /m, traffic: 'stable 100 % · canary 0 %' },
    {
      tag: 'v1.25.1-bad',
      code: 2,
      last: /^aborted: .*error-rate.*failed 1 > failureLimit 0/m,
      traffic: 'stable 100 % · canary 0 %',
    },
  ])(
    '$tag ends with exit $code and all traffic on stable',
    async ({ tag, code, last, traffic }) => {
      const journal = join(dir, `journal-${tag}`);
      const r = await cli(
        ['run', planWith(tag), '--context', 'sandbox', '--speed', '80', '--yes', '--journal', journal],
        { HOME: dir },
      );
      expect(r.code, r.stderr).toBe(code);
      expect(r.stdout).toMatch(/^preflight passed/m);
      expect(r.stdout).toMatch(last);
      const progress = r.stdout.split('\n').filter((l) => / traffic /.test(l));
      expect(progress.at(-1)).toContain(traffic);
      if (code === 2) {
        expect(r.stderr).toMatch(/aborted: Analysis of step 3 failed: error-rate/);
        expect(r.stdout).toMatch(
          /query sum\(rate\(http_requests_total\{job="workflow-engine",namespace="platform-production",version="v1.25.1-bad",status=~"5.."\}\[30s\]\)\)/,
        );
      }
      const status = await cli(['status', '--journal', journal, '--json'], { HOME: dir });
      const releases = (JSON.parse(status.stdout) as { releases: { status: string; driven: boolean }[] })
        .releases;
      expect(releases).toEqual([
        expect.objectContaining({ status: code === 0 ? 'succeeded' : 'aborted', driven: false }),
      ]);
    },
    90_000,
  );

  it('refuses --speed against a real cluster and a real cluster without --prometheus', async () => {
    const kubeconfig = join(dir, 'real.yaml');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: prod, cluster: { server: "https://10.255.255.1:6443", insecure-skip-tls-verify: true } }]',
        'users: [{ name: prod, user: { token: abc } }]',
        'contexts: [{ name: prod, context: { cluster: prod, user: prod } }]',
        'current-context: prod',
      ].join('\n'),
    );
    const speed = await cli(
      runArgv(PLAN, {
        kubeconfig: kubeconfig,
        context: 'prod',
        journal: join(dir, 'j'),
        extra: ['--speed', '10'],
      }),
    );
    expect(speed.code).toBe(64);
    expect(speed.stderr).toMatch(/--speed works only against the sandbox/);
    const noProm = await cli(
      runArgv(PLAN, { kubeconfig: kubeconfig, context: 'prod', journal: join(dir, 'j') }),
    );
    expect(noProm.code).toBe(64);
    expect(noProm.stderr).toMatch(/--prometheus/);
  });

  it('says which release has no runner when abort is sent to it', async () => {
    const r = await cli(['abort', 'nope-20261126T000000Z-0000', '--journal', join(dir, 'empty')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No release nope-20261126T000000Z-0000/);
  });
});
