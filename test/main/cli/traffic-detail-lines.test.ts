import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storedState } from '../../../src-main/app/release-history.ts';
import { renderReleaseMarkdown } from '../../../src-main/app/release-report.ts';
import { createFileJournal } from '../../../src-main/engine/journal/file-journal.ts';
import { cli, startCli } from '../../support/cli.ts';
import { runbookAbTestYaml } from '../../support/plan-fixtures.ts';

/** Waits until `check` holds (polling every 100 ms), or fails after `ms` naming `what`. */
async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting until ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Releases run by `switchyard run --context sandbox` (the embedded sandbox, in-process), then read back as a
// person would: `switchyard status` and the Markdown report.
const NS = 'platform-production';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-traffic-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A rolling release of notification-service to v1.26.0, one pod at a time (3 pods in the sandbox). */
const ROLLING = `
name: notification-service-rolling
target: { namespace: ${NS}, name: notification-service, image: registry.platform.com/notification-service:v1.26.0 }
router: { kind: service-selector, service: notification-service }
strategy: { kind: rolling, maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0 }
`;

function planFile(name: string, yaml: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** Runs `plan` on the sandbox to its end; returns the output, the release id and its journal. */
async function release(plan: string, journalName: string) {
  const journal = join(dir, journalName);
  const r = await cli(['run', plan, '--context', 'sandbox', '--speed', '80', '--yes', '--journal', journal], {
    HOME: dir,
  });
  const id = /^release (\S+)$/m.exec(r.stdout)?.[1] ?? '';
  return { ...r, id, journal };
}

async function report(journal: string, id: string): Promise<string> {
  const state = await storedState(createFileJournal({ dir: journal }), id);
  return renderReleaseMarkdown(id, state.snapshot, [], 'intact', { simulated: true });
}

describe('a rolling release reads as pods', () => {
  it('shows pods updated/ready/total in run’s lines, status and the report, ending with every pod updated', async () => {
    const plan = planFile('rolling', ROLLING);
    const r = await release(plan, 'rolling');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const pods = [...r.stdout.matchAll(/ · pods (\d+)\/(\d+)\/(\d+) \(updated\/ready\/total\)/g)].map((m) =>
      m.slice(1).map(Number),
    );
    expect(pods.length, r.stdout).toBeGreaterThan(0);
    // The last count: every pod on the new image and ready, no surge pod left.
    const [updated, ready, total] = pods.at(-1)!;
    expect(updated).toBeGreaterThan(0);
    expect([ready, total]).toEqual([updated, updated]);

    const status = await cli(['status', r.id, '--journal', r.journal], { HOME: dir });
    expect(status.stdout).toMatch(
      new RegExp(`^ {4}traffic .* · pods ${updated}/${updated}/${updated} \\(updated/ready/total\\) · `, 'm'),
    );
    const json = JSON.parse(
      (await cli(['status', r.id, '--journal', r.journal, '--json'], { HOME: dir })).stdout,
    ) as { releases: { where?: { pods?: string } }[] };
    expect(json.releases[0]?.where?.pods).toBe(`pods ${updated}/${updated}/${updated} (updated/ready/total)`);

    const md = await report(r.journal, r.id);
    expect(md).toMatch(
      new RegExp(
        `## Traffic\\n\\n- Rolling update to \`registry.platform.com/notification-service:v1.26.0\`: pods ${updated}/${updated}/${updated} \\(updated/ready/total\\) \\(read from .*notification-service.* at sim \\d\\d:\\d\\d:\\d\\d\\)\\n`,
      ),
    );
  }, 120_000);
});

describe('an A/B test reads as its cohort rules', () => {
  it('lists pins, the cohort and everyone else, one line each, in status and the report', async () => {
    const plan = planFile(
      'ab',
      runbookAbTestYaml(
        'workflow-engine-ab',
        '{ kind: istio, virtualService: workflow-engine, destinationRule: workflow-engine }',
        'v1.25.0',
      ),
    );
    // A test runs until its sample is large enough: read it while it runs, then abort it, as an SRE would.
    const journal = join(dir, 'ab');
    const run = startCli(
      ['run', plan, '--context', 'sandbox', '--speed', '80', '--yes', '--journal', journal],
      { HOME: dir },
    );
    let id = '';
    let status = { code: 0, stdout: '', stderr: '' };
    await until('status lists the routed rules of the running test', async () => {
      id = /^release (\S+)$/m.exec(run.stdout())?.[1] ?? '';
      if (!id) return false;
      status = await cli(['status', id, '--journal', journal], { HOME: dir });
      return /^ {6}pin: /m.test(status.stdout) && !/not routed yet/.test(status.stdout);
    });
    expect((await cli(['abort', id, '--journal', journal], { HOME: dir })).code).toBe(0);
    expect((await run.done).code).toBe(2);
    const rules = status.stdout.split('\n').filter((l) => l.startsWith('      '));
    expect(rules.slice(0, 4), status.stdout).toEqual([
      expect.stringMatching(/^ {6}pin: x-user-segment = premium → treatment \(share (\d+ %|not known)\)$/),
      expect.stringMatching(
        /^ {6}cohort: x-user-segment matches free\|basic → control 50 % · treatment 50 % \(share (\d+ %|not known)\)$/,
      ),
      expect.stringMatching(/^ {6}everyone else: no rule above → control \(share (\d+ %|not known)\)$/),
      '      sticky on header x-user-id',
    ]);

    const md = await report(journal, id);
    expect(md).toContain(
      '## Traffic\n\n- A/B routing, in the order the router applies it:\n  - pin: x-user-segment = premium → treatment',
    );
    expect(md).toContain('\n  - sticky on header x-user-id\n');
  }, 120_000);
});
