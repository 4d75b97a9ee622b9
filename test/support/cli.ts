import { PassThrough } from 'node:stream';
import { main } from '../../src-main/shells/cli/main.ts';

/** Runs the CLI in-process with captured output. */
export async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
  cwd: string = process.cwd(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await main(argv, { stdout, stderr, cwd, env });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
