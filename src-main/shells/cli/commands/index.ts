import { registerAbTest } from './ab-test.command.ts';
import { registerContexts } from './contexts.command.ts';
import { registerPlan } from './plan.command.ts';
import { registerRecommend } from './recommend.command.ts';
import { registerRollback } from './rollback.command.ts';
import { registerRun } from './run.command.ts';
import { registerSandbox } from './sandbox.command.ts';
import { registerWeb } from './web.command.ts';
import type { RegisterCommand } from './register-command.ts';

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
