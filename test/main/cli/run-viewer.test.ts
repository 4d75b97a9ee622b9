import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, runArgv } from '../../support/cli.ts';
import { useSandboxFolder } from '../sandbox/sandbox-folder.ts';

/*
 * A colleague whose kubeconfig holds only the sandbox's read-only context tries the release: the run stops
 * at preflight, before any change, naming what it may not do; the admin's run on the same sandbox starts.
 */

const PLAN = join(import.meta.dirname, '../../fixtures/plans/canary-sandbox-fast.yaml');
const box = useSandboxFolder('switchyard-run-viewer-', {
  file: 'sandbox.kubeconfig',
  context: 'sandbox',
  viewer: true,
});
const { dir, kubeconfig } = box;

describe('switchyard run with a read-only context', () => {
  it('is refused before any change, naming the right it lacks', async () => {
    const r = await cli(
      runArgv(PLAN, { kubeconfig: kubeconfig, context: 'sandbox-viewer', journal: join(dir, 'j') }),
      { HOME: dir },
    );
    expect(r.code, r.stderr).toBe(1);
    // The workload's lease is the first thing a release takes, so the missing right is named there.
    expect(r.stderr).toMatch(
      /Context "sandbox-viewer" does not allow reading Lease platform-production\/switchyard-deployment-workflow-engine: .*User "sandbox-viewer" cannot get resource "leases"/,
    );
    expect(box.sb.audit().filter((w) => w.code < 400)).toEqual([]);
  });

  it('leaves nothing behind: the admin then releases on the same sandbox', async () => {
    const r = await cli(
      runArgv(PLAN, { kubeconfig: kubeconfig, context: 'sandbox', journal: join(dir, 'j2') }),
      { HOME: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^preflight passed/m);
    expect(r.stdout).toMatch(/^completed: /m);
  }, 120_000);
});
