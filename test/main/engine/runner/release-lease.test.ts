import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKubeWorkloadLease } from '../../../../src-main/adapters/kube/workload-lease.ts';
import { JOURNAL_FILES } from '../../../../src-main/engine/journal/file-journal.ts';
import {
  resumeRelease,
  startRelease,
  type ReleaseHandle,
} from '../../../../src-main/engine/runner/release-runner.ts';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { leaseApi } from '../../../support/laptop.ts';
import { canaryPlan, createHarness, type Harness } from './release-harness.ts';

const NS = 'platform-production';
const LEASE = 'switchyard-deployment-workflow-engine';
let sb: SandboxHandle;
let leases: CoordinationV1Api;
let h: Harness;
const handles: ReleaseHandle[] = [];
beforeAll(async () => {
  sb = await startSandbox();
  leases = leaseApi(sb);
});
afterAll(() => sb.close());
beforeEach(async () => {
  h = await createHarness({ journal: 'file' });
});
afterEach(async () => {
  for (const x of handles.splice(0)) await x.stop();
  await leases.deleteNamespacedLease({ name: LEASE, namespace: NS }).catch(() => undefined);
  await h.cleanup();
});
const track = (x: ReleaseHandle) => (handles.push(x), x);
/** The workload's lease as seen from a laptop whose real-time clock runs `aheadMs` later. */
const leaseAt = (aheadMs = 0) =>
  createKubeWorkloadLease(sb.kubeconfigYaml(), canaryPlan().target, { now: () => Date.now() + aheadMs });
const bob = { releaseId: 'canary-bob', user: 'bob', host: 'laptop-b' };

describe('a release and its workload lease', () => {
  it('holds the lease while it runs and gives it back when it ends', async () => {
    const handle = track(
      await startRelease({ ...h.deps, plan: canaryPlan(), lease: leaseAt(), host: 'laptop-a' }),
    );
    expect(await leaseAt().read()).toMatchObject({ releaseId: handle.id, user: 'alice', host: 'laptop-a' });
    await h.runUntil(handle, (s) => s.status === 'completed');
    expect((await handle.done).kind).toBe('completed');
    expect(await leaseAt().read()).toBeNull();
  });

  it('keeps the lease of a stopped run; its resume is refused while another release holds the workload', async () => {
    const plan = canaryPlan();
    const first = await startRelease({ ...h.deps, plan, lease: leaseAt() });
    await first.stop();
    expect(await leaseAt().read()).toMatchObject({ releaseId: first.id });
    // 31 s later the stopped run's lease is stale, and bob takes the workload over.
    expect(await leaseAt(31_000).acquire(bob, { takeOver: true })).toMatchObject({ kind: 'acquired' });

    await expect(resumeRelease({ ...h.deps, releaseId: first.id, lease: leaseAt() })).rejects.toThrow(
      /^deployment platform-production\/workflow-engine is held by release canary-bob of bob on laptop-b \(since .*; a second release of it is refused until that one ends\.$/,
    );
    // Once bob's release ended, the resume takes the lease back under the same release id.
    await leaseAt().release('canary-bob');
    const resumed = track(await resumeRelease({ ...h.deps, releaseId: first.id, lease: leaseAt() }));
    expect(await leaseAt().read()).toMatchObject({ releaseId: first.id });
    expect(resumed.getSnapshot().status).not.toBe('completed');
  });

  it('stops driving the release when another console took its lease over', async () => {
    const handle = await startRelease({ ...h.deps, plan: canaryPlan(), lease: leaseAt(), leaseRenewMs: 50 });
    const current = await leases.readNamespacedLease({ name: LEASE, namespace: NS });
    await leases.replaceNamespacedLease({
      name: LEASE,
      namespace: NS,
      body: {
        ...current,
        metadata: {
          ...current.metadata,
          annotations: { 'switchyard.dev/user': 'bob', 'switchyard.dev/host': 'laptop-b' },
        },
        spec: { ...current.spec, holderIdentity: 'canary-bob' },
      },
    });
    const outcome = await handle.done;
    expect(outcome.kind).toBe('stopped');
    expect(outcome.reason).toMatch(
      /^deployment platform-production\/workflow-engine was taken over by release canary-bob of bob on laptop-b .*; this run stopped driving the release/,
    );
    const audit = readFileSync(join(h.dir, handle.id, JOURNAL_FILES.audit), 'utf8');
    expect(audit).toContain('"what":"lease-lost"');
    // Bob's lease is his: the stopped run did not delete it.
    expect(await leaseAt().read()).toMatchObject({ releaseId: 'canary-bob' });
  });
});
