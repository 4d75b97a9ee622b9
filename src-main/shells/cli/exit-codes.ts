/** Exit codes of the `switchyard` CLI; the README lists the same table. */
export const ExitCode = {
  /** The command did what it was asked. */
  ok: 0,
  /** An error: bad input, an invalid plan, an unreachable cluster. Every problem is printed. */
  error: 1,
  /** A release ended in abort or rollback (the reason is printed). */
  aborted: 2,
  /** The command line itself was wrong: unknown command or option, missing argument. */
  usage: 64,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as plain sentences (never a stack trace) with the given exit code. */
export class CliError extends Error {
  constructor(
    readonly problems: readonly string[],
    readonly exitCode: ExitCodeValue = ExitCode.error,
  ) {
    super(problems.join('\n'));
  }
}
