import type { Command } from 'commander';
import type { ExitCodeValue } from '../exit-codes.ts';
import type { CliIo } from '../output.ts';
import { registerAbTest } from './ab-test.command.ts';
import { registerContexts } from './contexts.command.ts';
import { registerPlan } from './plan.command.ts';
import { registerRecommend } from './recommend.command.ts';
import { registerRollback } from './rollback.command.ts';
import { registerRun } from './run.command.ts';
import { registerSandbox } from './sandbox.command.ts';
import { registerWeb } from './web.command.ts';

/** Registers one subcommand (or a group) on the program. */
export type RegisterCommand = (program: Command, io: CliIo, setExit: (code: ExitCodeValue) => void) => void;

/** Every subcommand, in the order `--help` lists them. */
export const commands: readonly RegisterCommand[] = [
  registerContexts,
  registerWeb,
  registerSandbox,
  registerRecommend,
  registerPlan,
  registerAbTest,
  registerRun,
  registerRollback,
];
