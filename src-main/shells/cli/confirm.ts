import { CliError, ExitCode } from './exit-codes.ts';
import type { CliIo } from './output.ts';

/** Asks `question` on the terminal; anything but y/yes stops with exit 1. Without a terminal, `--yes` is required. */
export async function askYes(io: CliIo, question: string): Promise<void> {
  if (!process.stdin.isTTY)
    throw new CliError(
      ['Nobody can confirm the rollback here: pass --yes to roll back without asking.'],
      ExitCode.usage,
    );
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: io.stdout });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(['Not rolled back.']);
}
