import type { Writable } from 'node:stream';

/** Where a command writes; injected so tests can capture it. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Prints either the human text or the JSON document, depending on `--json`. */
export function emit(io: CliIo, json: boolean, value: unknown, human: () => string): void {
  if (json) io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else io.stdout.write(`${human()}\n`);
}
