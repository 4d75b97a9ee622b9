import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createOpenFeatureProvider } from '../../../../src-main/adapters/kube/flags/openfeature-provider.ts';
import { createFileJournal } from '../../../../src-main/engine/journal/file-journal.ts';
import { resumeRelease, type ReleaseHandle } from '../../../../src-main/engine/runner/release-runner.ts';
import type { ReleaseSnapshot } from '../../../../src-shared/release/release.schema.ts';
import { cli } from '../../../support/cli.ts';
import { onSandbox, planOf, sandboxDeps, startOnSandbox } from '../../../support/sandbox-release.ts';
import { customApi, setVirtualServiceWeights } from '../../adapters/kube/sandbox-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-resume-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FLAG_PLAN = join(import.meta.dirname, '../../../fixtures/plans/flag-rollout-sandbox-fast.yaml');
/** 10 %, then a pause until promoted: the ramp a new process resumes. */
const RAMP = '  steps:\n    - setPercentage: 10\n    - pause: {}\n    - setPercentage: 100\n';

/** The first view a resumed release gives a subscriber (what the console or `run --resume` prints first). */
function firstView(handle: ReleaseHandle): ReleaseSnapshot {
  let first: ReleaseSnapshot | undefined;
  handle.subscribe((s) => (first ??= s))();
  return first as ReleaseSnapshot;
}

/** The `why` of the resume's audit entry. */
async function resumeNote(journal: string, releaseId: string): Promise<string> {
  const { entries } = await createFileJournal({ dir: journal, user: 'test' }).readAudit(releaseId);
  return entries.findLast((e) => e.what === 'resume')?.why ?? '';
}

describe('a release resumed in a new process shows the split read back, not the journaled one', () => {
  it('a flag ramp waiting for Promote at 10 %, moved to 100 % by hand meanwhile, shows 100 % as read on resume', async () => {
    const plan = planOf(readFileSync(FLAG_PLAN, 'utf8').replace(/ {2}steps:\n( {4}- .*\n)+/, RAMP));
    await onSandbox({ scenario: 'flags', speed: 100 }, async (sb) => {
      const journal = join(dir, 'flag');
      const releaseId = `flag-read-${Date.now()}`;
      const flags = () =>
        createOpenFeatureProvider(sb.kubeconfigYaml(), {
          namespace: 'shop',
          name: 'checkout-flags',
          flag: 'new-checkout',
        });
      const first = await startOnSandbox(sb, plan, journal, {
        releaseId,
        flags: flags(),
        stopWhenPaused: true,
      });
      const paused = await first.done;
      expect(paused.kind, paused.reason).toBe('paused');
      expect(paused.snapshot.traffic.actual).toEqual({ off: 90, on: 10 });
      // While no Switchyard runs, someone serves the new checkout to everyone from the flag system.
      await customApi(sb).patchNamespacedCustomObject(
        {
          group: 'core.openfeature.dev',
          version: 'v1beta1',
          plural: 'featureflags',
          namespace: 'shop',
          name: 'checkout-flags',
          body: {
            spec: { flagSpec: { flags: { 'new-checkout': { defaultVariant: 'on', targeting: null } } } },
          },
        },
        setHeaderOptions('Content-Type', 'application/merge-patch+json'),
      );
      const second = await resumeRelease({
        releaseId,
        ...sandboxDeps(sb, plan, journal, { releaseId }),
        flags: flags(),
      });
      try {
        const view = firstView(second);
        expect(view.status).toBe('paused');
        expect(view.traffic).toMatchObject({
          actual: { off: 0, on: 100 },
          intended: { off: 90, on: 10 },
          mismatch: true,
          onResume: 'read',
        });
        expect(await resumeNote(journal, releaseId)).toMatch(
          /Read back on resume from FeatureFlag shop\/checkout-flags.*: off 0 % · on 100 % \(the journal held off 90 % · on 10 %\)\. It differs from what the release asked for/,
        );
      } finally {
        await second.stop();
      }
    });
  }, 90_000);

  it('a canary waiting for Promote at 10 %, its VirtualService moved to 25 % by hand, shows 25 % as read on resume', async () => {
    const plan = planOf(`
name: resume-read
target: { namespace: platform-production, name: workflow-engine, image: registry.platform.com/workflow-engine:v1.25.0 }
router: { kind: istio, virtualService: workflow-engine, destinationRule: workflow-engine }
strategy: { kind: canary, steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }] }
`);
    await onSandbox({ speed: 50 }, async (sb) => {
      const journal = join(dir, 'canary');
      const releaseId = `canary-read-${Date.now()}`;
      const first = await startOnSandbox(sb, plan, journal, { releaseId, stopWhenPaused: true });
      const paused = await first.done;
      expect(paused.kind, paused.reason).toBe('paused');
      expect(paused.snapshot.traffic.actual).toEqual({ stable: 90, canary: 10 });
      // While no Switchyard runs, someone moves the VirtualService's weights by hand.
      await setVirtualServiceWeights(sb, 75, 25);

      const second = await resumeRelease({ releaseId, ...sandboxDeps(sb, plan, journal, { releaseId }) });
      try {
        const view = firstView(second);
        expect(view.traffic).toMatchObject({
          actual: { stable: 75, canary: 25 },
          intended: { stable: 90, canary: 10 },
          mismatch: true,
          onResume: 'read',
        });
        // A colleague's `switchyard status` reads the journal the resumed run keeps.
        await second.flushed();
        const status = await cli(['status', '--journal', journal], { HOME: dir });
        expect(status.stdout).toMatch(
          /traffic stable 75 % · canary 25 % \(read back on resume; the release asked for stable 90 % · canary 10 %\)/,
        );
      } finally {
        await second.stop();
      }
    });
  }, 90_000);
});
