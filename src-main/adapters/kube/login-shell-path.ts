import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const START = '__SWITCHYARD_PATH_START__';
const END = '__SWITCHYARD_PATH_END__';

/**
 * The PATH a login shell of the user sets up (`$SHELL -ilc`), which a desktop app started from a dock does not
 * inherit. Rejects when there is no shell, it fails or it takes longer than `timeoutMs` (default 5000 ms).
 */
export function loginShellPath(
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const shell = env.SHELL;
  if (process.platform === 'win32' || !shell) return Promise.reject(new Error('no login shell'));
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(shell, ['-ilc', `printf '%s' "${START}\${PATH}${END}"`], {
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error('login shell timed out'));
    }, options.timeoutMs ?? 5000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', () => {
      clearTimeout(timer);
      const match = out.match(new RegExp(`${START}(.*?)${END}`, 's'));
      if (match?.[1]) resolve(match[1].trim());
      else reject(new Error('login shell printed no PATH'));
    });
  });
}

/** The process PATH plus the folders plugins are commonly installed in, for when the login shell cannot tell. */
export function fallbackPath(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? homedir();
  return mergePaths(
    env.PATH ?? '',
    [
      '/usr/local/bin',
      '/opt/homebrew/bin',
      join(home, '.local/bin'),
      '/snap/bin',
      join(home, 'google-cloud-sdk/bin'),
    ].join(delimiter),
  );
}

/** `first` then the entries of `second` it lacks, empty entries dropped. */
export function mergePaths(first: string, second: string): string {
  return [...new Set([...first.split(delimiter), ...second.split(delimiter)].filter(Boolean))].join(
    delimiter,
  );
}
