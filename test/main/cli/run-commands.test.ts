import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import { planCommands } from '../../../src-shared/plan/plan-commands.ts';
import { blueGreenSmokePlanText } from '../../fixtures/plans/blue-green-smoke.ts';
import { cli } from '../../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-run-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const marker = join(dir, 'smoke-argv.json');
// Words a shell would act on; run as argv they must arrive untouched.
const hostile = `$(touch ${join(dir, 'pwned')}); echo "x" | cat > ${join(dir, 'pwned2')}`;
const smokeArgv = [
  process.execPath,
  '-e',
  'require("node:fs").writeFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)))',
  marker,
  hostile,
];

const planFile = join(dir, 'plan.yaml');
const planText = blueGreenSmokePlanText('cli-blue-green', smokeArgv);
writeFileSync(planFile, planText);

describe('switchyard run with a plan that runs a command', () => {
  it('without --yes and nobody at a terminal, lists the command, refuses and starts nothing', async () => {
    const journal = join(dir, 'journal-refused');
    const r = await cli(['run', planFile, '--context', 'sandbox', '--speed', '60', '--journal', journal], {
      HOME: dir,
    });
    expect(r.code).toBe(64);
    expect(r.stdout).toContain('This plan runs 1 command(s), each exactly as listed (argv, no shell):');
    expect(r.stdout).toContain(`blue-green smoke check, on this computer: ${JSON.stringify(smokeArgv)}`);
    expect(r.stderr).toMatch(/pass --yes to start and run them without asking/);
    expect(existsSync(journal) ? readdirSync(journal) : []).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  }, 60_000);

  it('with --yes, prints the command, runs it as argv and journals the confirmed digest', async () => {
    const journal = join(dir, 'journal-yes');
    const r = await cli(
      ['run', planFile, '--context', 'sandbox', '--speed', '60', '--yes', '--journal', journal],
      { HOME: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`blue-green smoke check, on this computer: ${JSON.stringify(smokeArgv)}`);
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toEqual([hostile]);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync(join(dir, 'pwned2'))).toBe(false);

    const parsed = parsePlan(planText);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const { digest } = planCommands(parsed.plan);
    const [release] = readdirSync(journal);
    const audit = readFileSync(join(journal, release!, 'audit.jsonl'), 'utf8');
    const start = JSON.parse(audit.split('\n')[0]!) as { what: string; why: string };
    expect(start.what).toBe('start');
    expect(start.why).toContain(`confirmed its 1 command(s) (${digest})`);
  }, 90_000);

  it('says in --help that --yes also confirms the commands', async () => {
    const r = await cli(['run', '--help']);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/--yes .*also confirms the plan's commands/);
  });
});
