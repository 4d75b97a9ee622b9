import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../../support/cli.ts';

const PLAN = join(import.meta.dirname, '../../fixtures/plans/canary-sandbox-fast.yaml');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-confirm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fast sandbox canary wrapped in migration gates: a manual expand step and a contract Job. */
function migrationPlan(): string {
  const file = join(dir, 'migration.yaml');
  writeFileSync(
    file,
    `${readFileSync(PLAN, 'utf8')}
migration:
  expand: { action: { kind: manual, instructions: Add the nullable column tenant_id. } }
  contract: { action: { kind: job, command: [migrate, contract], image: 'registry.platform.com/migrate:1' } }
`,
  );
  return file;
}

interface Row {
  id: string;
  status: string;
  driven: boolean;
}

/** Polls `switchyard status` until a release matches `ok`; fails after `limitMs`. */
async function waitForRelease(journal: string, ok: (r: Row) => boolean, limitMs = 60_000): Promise<Row> {
  const end = Date.now() + limitMs;
  for (;;) {
    const r = await cli(['status', '--journal', journal, '--json'], { HOME: dir });
    const rows = r.code === 0 ? (JSON.parse(r.stdout) as { releases: Row[] }).releases : [];
    const row = rows.find(ok);
    if (row) return row;
    if (Date.now() > end) throw new Error(`No release matched within ${limitMs} ms: ${r.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The fast sandbox canary with a pause until an operator acts after its first step. */
function pausingPlan(): string {
  const file = join(dir, 'pausing.yaml');
  writeFileSync(file, readFileSync(PLAN, 'utf8').replace('- pause: { duration: 30s }', '- pause: {}'));
  return file;
}

/**
 * Starts `switchyard run` of `plan` on the sandbox at 40× with the journal `journalName` in the test folder, and
 * waits until the release it drives pauses; the journal, the run and that release.
 */
async function runToPause(plan: string, journalName: string) {
  const journal = join(dir, journalName);
  const run = cli(['run', plan, '--context', 'sandbox', '--speed', '40', '--yes', '--journal', journal], {
    HOME: dir,
  });
  const paused = await waitForRelease(journal, (r) => r.status === 'paused' && r.driven);
  return { journal, run, paused };
}

describe('switchyard confirm', () => {
  it('passes the expand gate and the contract gate of a migration that `switchyard run` drives', async () => {
    const { journal, run, paused: atExpand } = await runToPause(migrationPlan(), 'journal');

    // Resume and promote do not pass a gate; the refusal says what to do, in words, and exits 1.
    const promote = await cli(['promote', atExpand.id, '--journal', journal], { HOME: dir });
    expect(promote.code).toBe(1);
    expect(promote.stderr).toContain('The release waits at a migration gate: confirm it, or abort.');
    expect(promote.stderr).not.toMatch(/expand\.awaiting|cannot take/);

    const expand = await cli(['confirm', atExpand.id, '--journal', journal, '--reason', 'column added'], {
      HOME: dir,
    });
    expect(expand.code, expand.stderr).toBe(0);
    expect(expand.stdout).toContain(`Confirm sent to release ${atExpand.id}.`);

    // The canary runs (a confirm meanwhile is refused: no gate waits), then the contract gate takes it.
    let contract = await cli(['confirm', atExpand.id, '--journal', journal, '--json'], { HOME: dir });
    for (let tries = 0; contract.code !== 0 && tries < 600; tries++) {
      expect(contract.code).toBe(1);
      expect(contract.stderr).toMatch(
        /^error: (No gate waits for a confirmation|Confirm does not apply now): the release is (running|paused|promoting)/m,
      );
      expect(contract.stderr).not.toMatch(/[a-z]\.[a-z]/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      contract = await cli(['confirm', atExpand.id, '--journal', journal, '--json'], { HOME: dir });
    }
    expect(contract.code, contract.stderr).toBe(0);
    expect(JSON.parse(contract.stdout)).toMatchObject({ releaseId: atExpand.id, event: 'CONFIRM' });

    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^completed: The contract migration finished\.$/m);
    expect(r.stdout).toMatch(/Continued: \S+ confirmed the expand migration \(column added\)\./);
    expect(r.stdout).toMatch(/Continued: \S+ confirmed the contract migration\./);
    // Progress lines speak in steps, never in machine state paths.
    expect(r.stdout).toMatch(/ paused at step 1 of \d+ \(expand migration\) · traffic /);
    expect(r.stdout).toMatch(/ paused at step (\d+) of \1 \(contract migration\) · traffic /);
    expect(r.stdout).not.toMatch(/expand\.awaiting|contract\.awaiting|running\.steps/);

    // The release is over: a late confirm is refused with the reason, exit 1.
    const late = await cli(['confirm', atExpand.id, '--journal', journal], { HOME: dir });
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/Nothing drives release .* now/);
  }, 120_000);

  it('refuses a confirm where no gate waits, saying why, and rolls a live canary back', async () => {
    const { journal, run, paused } = await runToPause(pausingPlan(), 'journal-rollback');
    const confirm = await cli(['confirm', paused.id, '--journal', journal], { HOME: dir });
    expect(confirm.code).toBe(1);
    expect(confirm.stderr).toMatch(
      /No gate waits for a confirmation: the release is paused at step 2 of 6 \(pause until promoted\)\./,
    );
    const rollback = await cli(['rollback', paused.id, '--journal', journal, '--reason', 'wrong build'], {
      HOME: dir,
    });
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain(`Roll back sent to release ${paused.id}.`);
    const r = await run;
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      /Rolled back: \S+ rolled the canary back at step 2; all traffic goes back to stable \(wrong build\)\./,
    );
    expect(r.stdout).toMatch(/^(sim )?\d\d:\d\d:\d\d {2}aborted · traffic stable 100 % · canary 0 %$/m);
  }, 120_000);
});
