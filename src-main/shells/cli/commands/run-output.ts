import { createInterface } from 'node:readline/promises';
import { describePlanCommand, type PlanCommand } from '../../../../src-shared/plan/plan-commands.ts';
import type { PreflightResult } from '../../../../src-shared/preflight/preflight.schema.ts';
import type { ReleaseOutcome, ReleaseSnapshot } from '../../../../src-shared/release/release.schema.ts';
import { stateWords } from '../../../../src-shared/release/release-words.ts';
import { CliError, ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import type { CliIo } from '../output.ts';

/** Lists the commands a plan runs, each argv exactly as it will be executed (no shell), on stdout. */
export function printCommands(io: CliIo, commands: readonly PlanCommand[], json = false): void {
  if (commands.length === 0) return;
  if (json) return void io.stdout.write(`${JSON.stringify({ event: 'commands', commands })}\n`);
  io.stdout.write(
    `This plan runs ${commands.length} command(s), each exactly as listed (argv, no shell):\n${commands
      .map((c) => `  ${describePlanCommand(c)}\n`)
      .join('')}`,
  );
}

/** Asks `question` on the terminal, after listing the plan's commands; anything but y/yes stops. */
export async function confirm(io: CliIo, question: string, commands: readonly PlanCommand[]): Promise<void> {
  printCommands(io, commands);
  if (!process.stdin.isTTY)
    throw new CliError(
      [
        commands.length > 0
          ? 'Nobody can confirm the start and the commands above here: pass --yes to start and run them without asking.'
          : 'Nobody can confirm the start here: pass --yes to start without asking.',
      ],
      ExitCode.usage,
    );
  const rl = createInterface({ input: process.stdin, output: io.stdout });
  const also = commands.length > 0 ? ' and run these commands' : '';
  const answer = await rl.question(`${question}${also}? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(['Not started.']);
}
