import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';

const ROOT = join(import.meta.dirname, '../../../..');
const PLAN = join(ROOT, 'test/fixtures/plans/canary-sandbox-fast.yaml');
const SPEED = 100;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  releaseId: string | undefined;
}

/** Runs the headless runner in its own process; `killWhen` sees each stdout line and may ask for SIGKILL. */
function runner(args: string[], killWhen?: (line: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/switchyard.mjs'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let pending = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (killWhen && lines.some(killWhen)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, releaseId: /^release (\S+)$/m.exec(stdout)?.[1] });
    });
  });
}

/** Successful API writes per object and verb, e.g. `update virtualservices platform-production/workflow-engine` → 3. */
function mutations(sb: SandboxHandle): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of sb.audit()) {
    // The workload's Lease is renewed on a real-time timer: not a mutation of the workload.
    if (w.code >= 300 || w.resource === 'leases') continue;
    const key = `${w.verb} ${w.resource} ${w.namespace ?? ''}/${w.name ?? ''}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

const killPoints: [string, (line: string) => boolean][] = [
  ['step 1 (setWeight 20)', (l) => / step 1\/6 traffic /.test(l) && /steps\.weight/.test(l)],
  ['step 2 (pause)', (l) => / step 2\/6 /.test(l)],
  ['step 3 (analysis)', (l) => / step 3\/6 /.test(l) && /reading/.test(l)],
  ['step 4 (setWeight 60)', (l) => / step 4\/6 /.test(l)],
  ['step 5 (pause)', (l) => / step 5\/6 /.test(l)],
  ['step 6 (analysis)', (l) => / step 6\/6 /.test(l)],
  ['promotion', (l) => / promoting /.test(l)],
];

/** What the canary of test/fixtures/plans/canary-sandbox-fast.yaml writes when nothing interrupts it. */
const EXPECTED_WRITES = {
  // preflight's dry run, then the canary itself
  'create deployments platform-production/workflow-engine-canary': 2,
  // the canary subset selects the canary's version label
  'update destinationrules platform-production/workflow-engine': 1,
  // weights 80/20, 40/60, 100/0
  'update virtualservices platform-production/workflow-engine': 3,
  // canary replicas 1 → 4 → 12 → 0
  'update deployments platform-production/workflow-engine-canary': 3,
  // stable gets the new image
  'update deployments platform-production/workflow-engine': 1,
};

describe('SIGKILL at every step of a canary in turn', () => {
  let sb: SandboxHandle;
  afterAll(() => closeSoon(sb));

  it('each restart resumes the release, which completes with every mutation applied exactly once', async () => {
    sb = await startSandbox({ speed: SPEED });
    const kubeconfig = join(dir, 'sandbox.kubeconfig');
    sb.writeKubeconfig(kubeconfig, 'sandbox');
    const common = ['--kubeconfig', kubeconfig, '--context', 'sandbox', '--journal', join(dir, 'journal')];
    let id: string | undefined;
    const killed: string[] = [];
    let last: Run | undefined;
    for (const [name, killWhen] of killPoints) {
      const run = await runner(
        id ? ['run', '--resume', id, ...common] : ['run', PLAN, ...common, '--yes'],
        killWhen,
      );
      id ??= run.releaseId;
      expect(id, run.stdout).toBeDefined();
      last = run;
      if (run.signal !== 'SIGKILL') break; // the release finished before this kill point came
      killed.push(name);
    }
    if (last?.signal === 'SIGKILL') last = await runner(['run', '--resume', id!, ...common]);
    expect(last?.code, last?.stdout).toBe(0);
    expect(last?.stdout).toMatch(/^completed: /m);
    expect(killed.length).toBeGreaterThanOrEqual(5);
    expect(mutations(sb)).toEqual(EXPECTED_WRITES);
    const onNew = sb.stats({
      namespace: 'platform-production',
      job: 'workflow-engine',
      version: 'v1.25.0',
      windowSeconds: 30,
    });
    const onOld = sb.stats({
      namespace: 'platform-production',
      job: 'workflow-engine',
      version: 'v1.24.0',
      windowSeconds: 30,
    });
    expect(onNew.requests ?? 0).toBeGreaterThan(0);
    expect(onOld.requests ?? 0).toBe(0);
  }, 240_000);
});
