import { Command, CommanderError } from 'commander';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.ts';
import type { CliIo } from './output.ts';
import { commands } from './commands/index.ts';

/** Builds the command tree; each subcommand module registers itself. */
export function buildProgram(io: CliIo, setExit: (code: ExitCodeValue) => void): Command {
  const program = new Command('switchyard')
    .description('Plan, rehearse and run progressive releases on Kubernetes.')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();
  program.addHelpText(
    'after',
    `\nExit codes: 0 ok, 1 error (every problem printed), 2 release aborted or rolled back, 64 usage error.`,
  );
  for (const register of commands) register(program, io, setExit);
  return program;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code: ExitCodeValue = ExitCode.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.ok;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
        return ExitCode.ok;
      }
      return ExitCode.usage;
    }
    if (err instanceof CliError) {
      for (const p of err.problems) io.stderr.write(`error: ${p}\n`);
      return err.exitCode;
    }
    io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.error;
  }
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}
