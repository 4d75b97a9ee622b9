import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** Runs `tsx bench/faults.campaign.ts --quick` and returns its exit code and output. */
function quickCampaign(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
        join(ROOT, 'bench/faults.campaign.ts'),
        '--quick',
        '--seed',
        '4242',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 230_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the quick fault campaign', () => {
  it('loses no release, applies no mutation twice, never promotes on missing data and nothing crashes', async () => {
    const { code, stdout, stderr } = await quickCampaign();
    const last = stdout.trim().split('\n').at(-1) ?? '';
    const totals = JSON.parse(last) as Record<
      | 'faultsInjected'
      | 'runs'
      | 'completed'
      | 'paused'
      | 'rolledBack'
      | 'doubleMutations'
      | 'lostReleases'
      | 'promotionsOnMissingData'
      | 'badInputs'
      | 'crashes'
      | 'kills'
      | 'trafficLeftOffStable'
      | 'tornWrites',
      number
    >;
    expect(Object.keys(totals).slice(0, 10)).toEqual([
      'faultsInjected',
      'runs',
      'completed',
      'paused',
      'rolledBack',
      'doubleMutations',
      'lostReleases',
      'promotionsOnMissingData',
      'badInputs',
      'crashes',
    ]);
    expect(totals, `${stdout}\n${stderr}`).toMatchObject({
      doubleMutations: 0,
      lostReleases: 0,
      promotionsOnMissingData: 0,
      crashes: 0,
      trafficLeftOffStable: 0,
    });
    // Killed runners restarted over a torn journal write; lostReleases 0 says each release still opened.
    expect(totals.kills).toBeGreaterThanOrEqual(1);
    expect(totals.tornWrites).toBeGreaterThanOrEqual(1);
    expect(totals.faultsInjected).toBeGreaterThan(10);
    expect(totals.runs).toBeGreaterThanOrEqual(5);
    expect(totals.completed + totals.paused + totals.rolledBack).toBe(totals.runs);
    expect(totals.badInputs).toBeGreaterThan(50);
    expect(code, stdout).toBe(0);
  }, 240_000);
});
