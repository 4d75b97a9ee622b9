import type { Command } from 'commander';
import type { CliIo } from '../output.ts';
import { registerCleanup } from './cleanup.command.ts';
import type { RegisterCommand } from './register-command.ts';
import { registerReleaseControl } from './release-control.command.ts';
import type { RunOptions } from './run.action.ts';
import { registerStatus } from './status.command.ts';

/**
 * `switchyard run PLAN`: runs a release headless. One progress line per event; exit 0 when it completes,
 * 2 when it aborts or rolls back (the reason is printed), 1 on error. `--resume ID` continues a journaled
 * release whose runner stopped or was killed. Operator events come from `switchyard abort|promote|resume ID`
 * through the local control channel (see engine/journal/control-channel.ts). Also registers `status` and
 * `abort|promote|resume`, so the CLI index needs one entry for all of them.
 */
export const registerRun: RegisterCommand = (program: Command, io: CliIo, setExit) => {
  registerRunOnly(program, io, setExit);
  registerStatus(program, io, setExit);
  registerReleaseControl(program, io, setExit);
  registerCleanup(program, io, setExit);
};

const registerRunOnly: RegisterCommand = (program: Command, io: CliIo, setExit) => {
  program
    .command('run [plan]')
    .description('run a release plan headless (CI or terminal), or continue one with --resume ID')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option(
      '--context <name>',
      'kubeconfig context; "sandbox" without --kubeconfig starts the embedded sandbox',
    )
    .option('--namespace <ns>', "override the plan target's namespace")
    .option(
      '--prometheus <url>',
      'Prometheus that judges the release (default against the sandbox: its own numbers)',
    )
    .option('--journal <dir>', 'journal directory (default: the per-user state directory)')
    .option(
      '--yes',
      "start without asking after preflight; also confirms the plan's commands (smoke command, migration Jobs), which are printed",
    )
    .option(
      '--speed <x>',
      'sandbox clock speed (only against the sandbox), e.g. 60 makes a 10m pause take 10 s',
    )
    .option('--resume <id>', 'continue the journaled release ID instead of starting one')
    .option(
      '--take-over',
      "take over the workload's lease from a release that stopped renewing it (its process died); audited",
    )
    .option('--json', 'print each event as one JSON line')
    .option('--verbose', 'a line per machine state, with every query and sample')
    .action(async (planFile: string | undefined, opts: RunOptions) => {
      // Loaded on use: the engine and the Kubernetes client cost seconds that `--help` should not pay.
      const { runCommand } = await import('./run.action.ts');
      setExit(await runCommand(planFile, opts, io));
    });
};
