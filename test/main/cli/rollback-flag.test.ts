import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOpenFeatureProvider } from '../../../src-main/adapters/kube/flags/openfeature-provider.ts';
import { storedState } from '../../../src-main/app/release-history.ts';
import { createFileJournal } from '../../../src-main/engine/journal/file-journal.ts';
import { startSandbox } from '../../../src-main/sandbox/sandbox.ts';
import { closeSoon } from '../adapters/kube/sandbox-fixture.ts';
import { cli } from '../../support/cli.ts';

// A completed flag ramp rolled back later, like any completed release: `switchyard rollback ID` pulls the
// kill switch (the off variant for everyone), audits it, reads the flag back, and History says rolled back.
const PLAN = join(import.meta.dirname, '../../fixtures/plans/flag-rollout-sandbox-fast.yaml');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-rollback-flag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function audit(journal: string, id: string): { what: string; why: string }[] {
  return readFileSync(join(journal, id, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { what: string; why: string });
}

describe('roll back a completed flag ramp later, through the CLI', () => {
  it('the kill switch: everyone on off again, audited, read back; History says rolled back; a second rollback is refused', async () => {
    const sb = await startSandbox({ scenario: 'flags', speed: 100 });
    try {
      const kc = join(dir, 'flags.kubeconfig');
      sb.writeKubeconfig(kc, 'sandbox');
      const journal = join(dir, 'journal');
      const where = ['--kubeconfig', kc, '--context', 'sandbox', '--journal', journal];
      const flag = createOpenFeatureProvider(sb.kubeconfigYaml(), {
        namespace: 'shop',
        name: 'checkout-flags',
        flag: 'new-checkout',
      });

      const r = await cli(['run', PLAN, '--yes', ...where], { HOME: dir });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect((await flag.read()).percent).toEqual({ off: 0, on: 100 });
      const status = await cli(['status', '--journal', journal, '--json'], { HOME: dir });
      const [done] = (JSON.parse(status.stdout) as { releases: { id: string; status: string }[] }).releases;
      expect(done?.status).toBe('succeeded');

      const back = await cli(['rollback', done!.id, '--yes', '--reason', 'checkout complaints', ...where], {
        HOME: dir,
      });
      expect(back.code, back.stdout + back.stderr).toBe(0);
      expect(back.stdout).toMatch(/Roll the completed flag-rollout release .* back by its kill switch/);
      expect(back.stdout).toMatch(
        /^rolled back: \S+ pulled the kill switch of the completed flag ramp \(checkout complaints\): everyone gets off again; the flag reads back off 100 % \/ on 0 % \(FeatureFlag shop\/checkout-flags/m,
      );
      // An independent reader sees the flag off for everyone.
      expect(await flag.read()).toMatchObject({ percent: { off: 100, on: 0 } });

      const after = await cli(['status', '--journal', journal, '--json'], { HOME: dir });
      const [rolled] = (JSON.parse(after.stdout) as { releases: { id: string; status: string }[] }).releases;
      expect(rolled?.status).toBe('rolledBack');
      // History's view of it: rolled back, the kill switch its last decision, the flag as read back.
      const { snapshot } = await storedState(createFileJournal({ dir: journal }), done!.id);
      expect(snapshot?.status).toBe('rolledBack');
      expect(snapshot?.decisions.at(-1)).toMatchObject({ kind: 'rollback', cause: 'operator' });
      expect(snapshot?.decisions.at(-1)?.summary).toMatch(/pulled the kill switch/);
      expect(snapshot?.traffic).toMatchObject({ intended: { off: 100, on: 0 }, actual: { off: 100, on: 0 } });
      const entries = audit(journal, done!.id);
      expect(entries.map((e) => e.what)).toContain('rollback-requested');
      expect(entries.at(-1)?.what).toBe('rollback');
      expect(entries.at(-1)?.why).toMatch(/kill switch .*off 100 % \/ on 0 %/);

      const again = await cli(['rollback', done!.id, '--yes', ...where], { HOME: dir });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already rolled back/);
    } finally {
      await closeSoon(sb);
    }
  }, 150_000);
});
