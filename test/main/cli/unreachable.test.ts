import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../src-main/sandbox/sandbox.ts';
import { main } from '../../../src-main/shells/cli/main.ts';
import { startTcpGate } from '../../support/tcp-gate.ts';
import { closeSoon } from '../adapters/kube/sandbox-fixture.ts';

const PLAN = join(import.meta.dirname, '../../fixtures/plans/canary-unreachable.yaml');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-unreachable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Waits until `text()` matches `pattern`, up to `timeoutMs`. */
async function printed(text: () => string, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pattern.test(text())) {
    if (Date.now() > end) throw new Error(`never printed ${pattern}:\n${text()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('switchyard run when the cluster stops answering', () => {
  it('prints that the cluster is unreachable since when, then that it answers again, and completes', async () => {
    const sb = await startSandbox({ speed: 50 });
    const gate = await startTcpGate(Number(new URL(sb.url).port));
    try {
      const kubeconfig = join(dir, 'sandbox.kubeconfig');
      writeFileSync(
        kubeconfig,
        sb.kubeconfigYaml('sandbox').replace(new URL(sb.url).port, String(gate.port)),
      );
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      let err = '';
      stdout.on('data', (c: Buffer) => (out += c.toString()));
      stderr.on('data', (c: Buffer) => (err += c.toString()));
      const argv = ['run', PLAN, '--kubeconfig', kubeconfig, '--context', 'sandbox', '--yes'];
      const exit = main([...argv, '--journal', join(dir, 'journal')], {
        stdout,
        stderr,
        cwd: dir,
        env: { HOME: dir },
      });
      // The analysis has measured once: now the cluster stops answering.
      await printed(() => out, /step \d+ of \d+ \(analysis/);
      await gate.shut();
      await printed(
        () => out,
        /^cluster sandbox unreachable since (?:sim \d\d:\d\d:\d\d|\d\d:\d\d:\d\d \S+): Cannot reach the API server of "sandbox" \(ECONNREFUSED\)/m,
      );
      expect(out).toMatch(/ paused .*\(paused: cluster sandbox unreachable since /);
      await gate.open();
      expect(await exit, err).toBe(0);
      expect(out).toMatch(/^(sim )?\d\d:\d\d:\d\d +the cluster answers again; the release continues\.$/m);
      expect(out).toMatch(/^completed: /m);
      expect(out).not.toMatch(/inconclusive/);
    } finally {
      await gate.close();
      await closeSoon(sb);
    }
  }, 90_000);
});
