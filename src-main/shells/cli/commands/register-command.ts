import type { Command } from 'commander';
import type { ExitCodeValue } from '../exit-codes.ts';
import type { CliIo } from '../output.ts';

/** Registers one subcommand (or a group) on the program. */
export type RegisterCommand = (program: Command, io: CliIo, setExit: (code: ExitCodeValue) => void) => void;
