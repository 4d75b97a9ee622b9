import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cli } from '../../support/cli.ts';

const run = promisify(execFile);

describe('switchyard CLI', () => {
  it('lists its subcommands and exit codes in --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/contexts/);
    expect(r.stdout).toMatch(/web/);
    expect(r.stdout).toMatch(/Exit codes: 0 ok, 1 error/);
  });

  it('exits 64 on an unknown command or option, without a stack trace', async () => {
    const a = await cli(['frobnicate']);
    expect(a.code).toBe(64);
    expect(a.stderr).toMatch(/unknown command 'frobnicate'/);
    const b = await cli(['contexts', '--colour']);
    expect(b.code).toBe(64);
    expect(b.stderr).toMatch(/unknown option '--colour'/);
    expect(a.stderr + b.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs as a real process through the bin entry', async () => {
    const { stdout } = await run(process.execPath, ['bin/switchyard.mjs', '--help']);
    expect(stdout).toMatch(/^Usage: switchyard/m);
    // tsx compiles the sources on a cold start; on a loaded 2-core machine that alone can take half a minute.
  }, 120_000);
});
