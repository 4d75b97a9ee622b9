import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** What one kubectl run printed (trimmed) and how it exited. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `kubectl` on PATH with the kubeconfig in `dir` (its cache beside it), for 60 s at most; never rejects. */
export function kubectlResult(dir: string, ...args: string[]): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
          stdout: stdout.trim(),
          stderr: stderr.trim(),
        }),
    );
  });
}

/** What kubectl printed; rejects with its stderr when it exits other than 0. */
export async function kubectlOutput(dir: string, ...args: string[]): Promise<string> {
  const r = await kubectlResult(dir, ...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
