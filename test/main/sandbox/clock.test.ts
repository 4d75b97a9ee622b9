import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { clientsFor } from './clients.ts';

const ROOT = join(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-clock-'));
const SPEED = 30;
let sb: SandboxHandle;

beforeAll(async () => {
  sb = await startSandbox({ speed: SPEED });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('one clock story', () => {
  it('lays the scenario down an hour ago: every pod was created, then started, then became ready, before now', async () => {
    const pods = await clientsFor(sb).core.listNamespacedPod({ namespace: 'platform-production' });
    const now = sb.clock.now();
    expect(pods.items.length).toBeGreaterThan(0);
    for (const pod of pods.items) {
      const created = pod.metadata!.creationTimestamp!.getTime();
      const started = new Date(pod.status!.containerStatuses![0]!.state!.running!.startedAt!).getTime();
      const ready = new Date(
        pod.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!,
      ).getTime();
      expect(now - created).toBeGreaterThanOrEqual(3_600_000 - 1_000);
      expect(started).toBeGreaterThanOrEqual(created);
      expect(ready).toBeGreaterThanOrEqual(started);
      expect(ready).toBeLessThanOrEqual(now);
    }
  });

  it('says its speed and time on /metrics, so a Prometheus user can tell compressed rates', async () => {
    const text = await (await fetch(`${sb.url}/metrics`)).text();
    expect(text).toMatch(new RegExp(`^switchyard_sandbox_clock_speed ${SPEED}$`, 'm'));
    const seconds = Number(/^switchyard_sandbox_clock_seconds (\S+)$/m.exec(text)?.[1]);
    expect(Math.abs(seconds * 1000 - sb.clock.now())).toBeLessThan(60_000);
  });

  it('`switchyard sandbox --prometheus-config` writes a configuration Prometheus accepts, with honor_labels', async () => {
    const promFile = join(dir, 'prometheus.yml');
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/switchyard.mjs'),
        'sandbox',
        '--speed',
        '30',
        '--kubeconfig-out',
        join(dir, 'kubeconfig'),
        '--prometheus-config',
        promFile,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`the sandbox exited with code ${code}`)));
      });
      const text = readFileSync(promFile, 'utf8');
      expect(text).toMatch(/runs 30x real time/);
      const config = parseYaml(text) as {
        scrape_configs: { honor_labels: boolean; static_configs: { targets: string[] }[] }[];
      };
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(join(dir, 'kubeconfig'));
      const port = new URL(kc.getCurrentCluster()!.server).port;
      expect(config.scrape_configs[0]).toMatchObject({
        honor_labels: true,
        static_configs: [{ targets: [`127.0.0.1:${port}`] }],
      });
      const check = await promisify(execFile)('promtool', ['check', 'config', promFile]);
      expect(check.stdout).toMatch(/SUCCESS/);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
