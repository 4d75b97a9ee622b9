import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, runArgv } from '../../support/cli.ts';
import { useSandboxFolder } from '../sandbox/sandbox-folder.ts';

/*
 * `switchyard run` as its own process, as an SRE runs it: paused for an operator it keeps waiting (nothing else
 * holds the process then: the control channel, the lease renewal and the sleep detector do not), and answers the
 * operator's promote from another terminal.
 */

const ROOT = join(import.meta.dirname, '../../..');
const { dir, kubeconfig } = useSandboxFolder('switchyard-run-process-', {
  file: 'sandbox.kubeconfig',
  context: 'sandbox',
});
const journal = join(dir, 'journal');

const plan = `
name: waits-for-promote
target: { namespace: platform-production, name: workflow-engine, image: registry.platform.com/workflow-engine:v1.25.0 }
router: { kind: istio, virtualService: workflow-engine, destinationRule: workflow-engine }
strategy:
  kind: canary
  steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }]
`;

describe('switchyard run as a process', () => {
  it('stays alive while paused for an operator and takes the promote sent from another terminal', async () => {
    const file = join(dir, 'plan.yaml');
    writeFileSync(file, plan);
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/switchyard.mjs'), ...runArgv(file, { kubeconfig, context: 'sandbox', journal })],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const waiting = await Promise.race([
        new Promise<boolean>((resolve) => {
          const check = () => (/paused at step 2 of 3/.test(out) ? resolve(true) : setTimeout(check, 50));
          check();
        }),
        exited.then(() => false),
      ]);
      expect(waiting, out).toBe(true);
      const id = /^release (\S+)$/m.exec(out)?.[1] ?? '';
      const promoted = await cli(['promote', id, '--journal', journal], { HOME: dir });
      expect(promoted.code, `${promoted.stderr}\n${out}`).toBe(0);
      expect(await exited, out).toBe(0);
      expect(out).toMatch(/^completed: /m);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
