import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useSandboxFolder } from './sandbox-folder.ts';

/*
 * Clients nobody here wrote, from Debian (scripts/install-test-deps.sh installs them): each script lists,
 * watches, creates, patches and deletes through its own library and prints "ok <what>" per check.
 */

const run = promisify(execFile);
const { kubeconfig } = useSandboxFolder('switchyard-clients-', {
  file: 'sandbox.kubeconfig',
  context: 'sandbox',
});

describe.each([
  // Debian's python3 (a python3 earlier on PATH, such as pyenv's, does not see Debian's modules).
  {
    client: 'python3-kubernetes',
    argv: ['/usr/bin/python3', join(import.meta.dirname, 'clients/python-client.py')],
    more: ['ok strict validation', 'ok wrong type', 'ok list N nodes', 'ok log N lines', 'ok secret'],
  },
  {
    client: 'ruby-kubeclient',
    argv: ['ruby', join(import.meta.dirname, 'clients/ruby-client.rb')],
    more: ['ok apply create', 'ok apply conflict', 'ok log N lines', 'ok secret'],
  },
])('$client against the sandbox', ({ argv, more }) => {
  it('lists, watches, creates, patches, deletes, and applies or validates', async () => {
    const { stdout } = await run(argv[0]!, [...argv.slice(1), kubeconfig, 'platform-production'], {
      timeout: 60_000,
    });
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/ \d+ /, ' N ')),
    ).toEqual([
      'ok list N deployments',
      'ok watch N events',
      expect.stringMatching(/^ok create/),
      'ok patch',
      'ok delete',
      ...more,
    ]);
  }, 90_000);
});
