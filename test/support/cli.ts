import { PassThrough } from 'node:stream';
import { main } from '../../src-main/shells/cli/main.ts';

/** Runs the CLI in-process with captured output. */
export async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
  cwd: string = process.cwd(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  return startCli(argv, env, cwd).done;
}

/**
 * Starts the CLI in-process without waiting for it: `stdout()` is what it printed so far (for a test that
 * acts while a `switchyard run` is under way), `done` resolves with the exit code and all output.
 */
export function startCli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
  cwd: string = process.cwd(),
): { stdout: () => string; done: Promise<{ code: number; stdout: string; stderr: string }> } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();
  const done = main(argv, { stdout, stderr, cwd, env }).then((code) => ({
    code,
    stdout: text(out),
    stderr: text(err),
  }));
  return { stdout: () => text(out), done };
}

/** The argv of `switchyard run PLAN --kubeconfig FILE --context CONTEXT --yes --journal DIR`, `extra` flags before --yes. */
export function runArgv(
  plan: string,
  o: { kubeconfig: string; context: string; journal: string; extra?: readonly string[] },
): string[] {
  return [
    'run',
    plan,
    '--kubeconfig',
    o.kubeconfig,
    '--context',
    o.context,
    ...(o.extra ?? []),
    '--yes',
    '--journal',
    o.journal,
  ];
}
