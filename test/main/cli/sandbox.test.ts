import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDurationMs, parseRatio } from '../../../src-main/shells/cli/commands/sandbox.command.ts';
import { main } from '../../../src-main/shells/cli/main.ts';

let child: ChildProcess;
let dir: string;
let kubeconfig: string;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { stdout, stderr, cwd: dir, env: { HOME: dir } });
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-cli-'));
  child = spawn(
    process.execPath,
    [
      'bin/switchyard.mjs',
      'sandbox',
      '--port',
      '0',
      '--kubeconfig-out',
      join(dir, 'sb.kubeconfig'),
      '--speed',
      '60',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines = createInterface({ input: child.stdout! });
  kubeconfig = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`switchyard sandbox exited with ${code}`)));
  });
}, 60_000);
afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('switchyard sandbox', () => {
  it('prints the kubeconfig path first, and the kubeconfig reaches the cluster', async () => {
    expect(kubeconfig).toBe(join(dir, 'sb.kubeconfig'));
    expect(readFileSync(kubeconfig, 'utf8')).toContain('insecure-skip-tls-verify: true');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    expect(kc.getCurrentContext()).toBe('sandbox');
    const deployments = await kc
      .makeApiClient(k8s.AppsV1Api)
      .listNamespacedDeployment({ namespace: 'platform-production' });
    expect(deployments.items.map((d) => d.metadata?.name).sort()).toEqual([
      'agent-manager',
      'notification-service',
      'workflow-engine',
    ]);
  });

  it('sets a fault that shows in the sandbox stats', async () => {
    const r = await cli(
      'sandbox',
      'fault',
      'agent-manager',
      'v1.24.0',
      '--error-rate',
      '5%',
      '--p95',
      '900ms',
      '--kubeconfig',
      kubeconfig,
    );
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('errorRate=0.05');
    const doc = readFileSync(kubeconfig, 'utf8');
    const url = /server: https:\/\/(.*)/.exec(doc)![1]!;
    const token = /token: (\S+)/.exec(doc)![1]!;
    await new Promise((res) => setTimeout(res, 1200));
    const stats = (await (
      await fetch(`http://${url}/_sandbox/stats?job=agent-manager&version=v1.24.0&windowSeconds=30`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { errorRate: number };
    expect(stats.errorRate).toBeCloseTo(0.05, 2);
  });

  it('sets the failures a rehearsal shows: image pulls, OOM kills, slow starts', async () => {
    const r = await cli(
      'sandbox',
      'fault',
      'checkout',
      'v9',
      '--image-pull-fails',
      '--oom-kill',
      '--slow-start',
      '2m',
      '--kubeconfig',
      kubeconfig,
    );
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain(
      'Fault set on checkout v9: imagePullFails=true, oomKill=true, startupSeconds=120',
    );
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    // The kubeconfig also signs in as the read-only viewer, which may read but not scale.
    kc.setCurrentContext('sandbox-viewer');
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    expect((await apps.listNamespacedDeployment({ namespace: 'platform-production' })).items).toHaveLength(3);
    await expect(
      apps.patchNamespacedDeploymentScale(
        { name: 'agent-manager', namespace: 'platform-production', body: { spec: { replicas: 1 } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    ).rejects.toMatchObject({ code: 403 });
  });

  it('lists the writes a client made', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    await kc
      .makeApiClient(k8s.AppsV1Api)
      .patchNamespacedDeploymentScale(
        { name: 'agent-manager', namespace: 'platform-production', body: { spec: { replicas: 4 } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    const r = await cli('sandbox', 'audit', '--json', '--kubeconfig', kubeconfig);
    expect(r.code).toBe(0);
    const { writes } = JSON.parse(r.out) as { writes: { verb: string; resource: string; name: string }[] };
    expect(writes).toEqual([
      expect.objectContaining({ verb: 'patch', resource: 'deployments/scale', name: 'agent-manager' }),
    ]);
    expect((await cli('sandbox', 'audit', '--kubeconfig', kubeconfig)).out).toContain(
      'patch\tdeployments/scale.apps\tplatform-production/agent-manager',
    );
  });

  it.each([
    [
      ['sandbox', 'fault', 'agent-manager', 'v1', '--error-rate', '2', '--kubeconfig', 'x'],
      64,
      '--error-rate must be a ratio',
    ],
    [['sandbox', 'fault', 'agent-manager', 'v1', '--kubeconfig', 'x'], 64, 'Say what to change'],
    [
      ['sandbox', 'fault', 'agent-manager', 'v1', '--slow-start', 'soon', '--kubeconfig', 'x'],
      64,
      '--slow-start must be a duration like 90s or 2m, got "soon"',
    ],
    [
      ['sandbox', 'fault', 'agent-manager', 'v1', '--p95', '1', '--url', 'http://127.0.0.1:1'],
      64,
      '--url and --token go together',
    ],
    [
      [
        'sandbox',
        'fault',
        'agent-manager',
        'v1',
        '--p95',
        '1',
        '--url',
        'http://127.0.0.1:1',
        '--token',
        't',
      ],
      1,
      'No sandbox answers at http://127.0.0.1:1',
    ],
    [['sandbox', 'audit', '--kubeconfig', 'missing.yaml'], 1, 'Cannot read the sandbox kubeconfig'],
    [['sandbox', '--speed', '0'], 64, '--speed must be a positive number'],
  ])('refuses %j with exit %i', async (argv, code, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('fault option parsing', () => {
  it.each([
    ['900ms', 900],
    ['1.5s', 1500],
    ['250', 250],
    ['fast', undefined],
  ])('reads latency %s as %s ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each([
    ['0.05', 0.05],
    ['5%', 0.05],
    ['1', 1],
    ['1.2', undefined],
    ['-0.1', undefined],
  ])('reads ratio %s as %s', (text, ratio) => expect(parseRatio(text)).toBe(ratio));
});
