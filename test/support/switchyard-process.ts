import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

/** How a `switchyard run --json` process ended. */
export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  releaseId: string | undefined;
}

/** One line of `switchyard run --json`. */
export interface RunEvent {
  event: string;
  id?: string;
  kind?: string;
  /** The machine state path of a progress event, e.g. `running.steps.weight.setting`. */
  phase?: string;
  /** The step index (0-based) of a progress event. */
  step?: number | null;
}

/** Runs the headless runner (`--json`) in its own process; `killWhen` sees each event and may ask for SIGKILL. */
export function runner(args: string[], killWhen?: (e: RunEvent) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/switchyard.mjs'), ...args, '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let pending = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const events = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunEvent);
      if (killWhen && events.some(killWhen)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout,
        releaseId: /^\{"event":"release","id":"([^"]+)"\}$/m.exec(stdout)?.[1],
      });
    });
  });
}
