import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReleaseMarkdown } from '../../../src-main/app/release-report.ts';
import { storedState } from '../../../src-main/app/release-history.ts';
import { parseAudit } from '../../../src-main/engine/journal/audit-chain.ts';
import { JOURNAL_FILES, createFileJournal } from '../../../src-main/engine/journal/file-journal.ts';
import { cli } from '../../support/cli.ts';

const PLAN = join(import.meta.dirname, '../../fixtures/plans/canary-sandbox-fast.yaml');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-readable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Numbers a person reads with more than 4 significant digits (`0.0010000000000000002`, `185.52546136328547`,
 * `1e-7`); versions (`v1.25.0`) and clock times are not numbers of this kind.
 */
function overPrecise(text: string): string[] {
  const decimals = text.match(/(?<![\w.])\d+\.\d+(?![\w.])|\d(?:\.\d+)?e[-+]?\d+/gi) ?? [];
  return decimals.filter((n) => {
    const digits = n.replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '');
    return digits.length > 4;
  });
}

describe('a good canary reads at a glance', () => {
  it('prints at most 40 lines, no number with more than 4 significant digits, in the CLI, status and the Markdown report', async () => {
    const journal = join(dir, 'journal');
    const r = await cli(
      ['run', PLAN, '--context', 'sandbox', '--speed', '80', '--yes', '--journal', journal],
      {
        HOME: dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length, r.stdout).toBeLessThanOrEqual(40);
    // Step changes, not machine states: no engine state path reaches a person.
    expect(r.stdout).not.toMatch(/running\.steps|\.waiting\b/);
    expect(lines.filter((l) => /step 3 of 6/.test(l) && / traffic /.test(l))).toHaveLength(1);
    expect(r.stdout).toMatch(/^sim \d\d:\d\d:\d\d {2}Promoted: Analysis of step 3 passed/m);
    expect(r.stdout).toMatch(/^ {4}error-rate: \d+(\.\d+)? %, steady \(pass when < 2 %\)/m);
    expect(r.stdout).toMatch(/^ {4}latency-p95: \d+(\.\d+)? ms/m);
    expect(overPrecise(r.stdout), r.stdout).toEqual([]);

    const status = await cli(['status', '--journal', journal], { HOME: dir });
    expect(status.stdout).toMatch(/^ {4}traffic stable 100 % · canary 0 % · since sim \d\d:\d\d:\d\d$/m);
    expect(overPrecise(status.stdout), status.stdout).toEqual([]);

    const id = /^release (\S+)$/m.exec(r.stdout)?.[1] ?? '';
    const releaseDir = join(journal, id);
    const audit = parseAudit(readFileSync(join(releaseDir, JOURNAL_FILES.audit), 'utf8'), id).entries;
    const md = renderReleaseMarkdown(
      id,
      (await storedState(createFileJournal({ dir: journal }), id)).snapshot,
      audit,
      'intact',
      { simulated: true },
    );
    expect(md).toMatch(/^- Traffic \(read back from .*\): stable 100 % · canary 0 %$/m);
    expect(md).toMatch(/condition `value < 2 %`/);
    expect(md).toMatch(/sim \d\d:\d\d:\d\d v1\.25\.0: \d+(\.\d+)? % → success/);
    expect(overPrecise(md), md).toEqual([]);
  }, 90_000);

  it('the over-precise check finds raw floats', () => {
    expect(overPrecise('samples 0.0010000000000000002, 185.52546136328547, 1e-7, v1.25.0, 12.35 s')).toEqual([
      '0.0010000000000000002',
      '185.52546136328547',
    ]);
  });
});
