import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { closeSoon } from '../../adapters/kube/sandbox-fixture.ts';
import { runner, type Run, type RunEvent } from '../../../support/switchyard-process.ts';

const ROOT = join(import.meta.dirname, '../../../..');
const PLAN = join(ROOT, 'test/fixtures/plans/canary-sandbox-fast.yaml');
const SPEED = 100;
/** A stats window that reaches back to the sandbox's start: cumulative counts. */
const ALL_TIME = 1e9;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 50));
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

const progress = (e: RunEvent, step: number, phase?: RegExp) =>
  e.event === 'progress' && e.step === step && (!phase || phase.test(e.phase ?? ''));

const killPoints: [string, (e: RunEvent) => boolean][] = [
  ['step 1 (setWeight 20)', (e) => progress(e, 0, /steps\.weight/)],
  ['step 2 (pause)', (e) => progress(e, 1)],
  ['step 3 (analysis)', (e) => progress(e, 2, /reading/)],
  ['step 4 (setWeight 60)', (e) => progress(e, 3)],
  ['step 5 (pause)', (e) => progress(e, 4)],
  ['step 6 (analysis)', (e) => progress(e, 5)],
  ['promotion', (e) => e.event === 'progress' && /promoting/.test(e.phase ?? '')],
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
    expect(last?.stdout).toMatch(/^\{"event":"outcome","kind":"completed"/m);
    expect(killed.length).toBeGreaterThanOrEqual(5);
    expect(mutations(sb)).toEqual(EXPECTED_WRITES);
    // Counted from the runner's exit after "completed": a window reaching back before then would also count
    // the requests the old pods served while the promotion was still rolling out.
    const served = (version: string) =>
      sb.stats({ namespace: 'platform-production', job: 'workflow-engine', version, windowSeconds: ALL_TIME })
        .requests ?? 0;
    const oldAtCompletion = served('v1.24.0');
    const newAtCompletion = served('v1.25.0');
    const since = sb.clock.now();
    await until(() => sb.clock.now() - since >= 60_000);
    expect(served('v1.25.0')).toBeGreaterThan(newAtCompletion);
    expect(served('v1.24.0') - oldAtCompletion).toBe(0);
  }, 240_000);
});
