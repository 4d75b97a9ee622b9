import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src-main/app/engine.ts';
import { createSandboxProvider } from '../../../src-main/app/sandbox-provider.ts';
import { errorRateCanaryText, testConsole } from '../../support/console.ts';
import { cli } from '../../support/cli.ts';

const home = mkdtempSync(join(tmpdir(), 'sy-console-control-'));
/** The console's default data directory under `home`, where the CLI looks too when no --journal is given. */
const dataDir = join(home, '.switchyard');
const journal = join(dataDir, 'journal');
/** The CLI's environment: the same home, its own state directory elsewhere. */
const env = { HOME: home, XDG_STATE_HOME: join(home, 'state') };
let consoleA: Engine;
let consoleB: Engine;

/** A canary 50 % → analysis → 100 % (stepped through, it waits for the operator before each step). */
const planText = (pauseAt50 = false): string =>
  errorRateCanaryText({
    steps: (template) => [
      { setWeight: 50 },
      ...(pauseAt50 ? [{ pause: {} }] : []),
      { analysis: { templates: [template] } },
      { setWeight: 100 },
    ],
  });

const engine = (): Engine => testConsole({ sandbox: createSandboxProvider(), dataDir });

interface StatusRow {
  id: string;
  status: string;
  driven: boolean;
  driver?: { kind: string; shell?: string; pid: number; since: string };
}

async function status(id: string): Promise<StatusRow> {
  const r = await cli(['status', id, '--journal', journal, '--json']);
  expect(r.stderr).toBe('');
  return (JSON.parse(r.stdout) as { releases: StatusRow[] }).releases[0]!;
}

const snapshot = async (id: string) => (await consoleA.handlers['release:get']({ id })).snapshot;

/** Rehearses the canary stepped through in console A and waits until it waits for the operator; its id. */
async function startPausedInConsoleA(): Promise<string> {
  const { id } = await consoleA.handlers['release:start']({
    mode: 'rehearse',
    context: 'sandbox',
    text: planText(),
    speed: 60,
    stepThrough: true,
  });
  await expect.poll(async () => (await snapshot(id))?.status, { timeout: 30_000 }).toBe('paused');
  return id;
}

beforeAll(() => {
  consoleA = engine();
  consoleB = engine();
});
afterAll(async () => {
  await consoleA?.dispose();
  await consoleB?.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('a release the web console drives, controlled from the CLI and another console', () => {
  it('is found by switchyard status, promoted and aborted by the CLI, and ends on stable', async () => {
    const id = await startPausedInConsoleA();

    // The journal the CLI reads is written just after the console's own view changes.
    await expect.poll(async () => (await status(id)).status, { timeout: 10_000 }).toBe('paused');
    expect(await status(id)).toMatchObject({
      status: 'paused',
      driven: true,
      driver: { kind: 'console', shell: 'web', pid: process.pid },
    });
    const text = await cli(['status', id, '--journal', journal]);
    expect(text.stdout).toMatch(/driven by the console \(web shell, pid \d+\) since 20\d\d-/);

    // No --journal: the CLI looks in its own journal and in the console's.
    const listed = await cli(['status', '--unfinished'], env);
    expect(listed.stdout).toContain(`${id}\tpaused (driven by the console (web shell, pid ${process.pid})`);
    const promote = await cli(['promote', id, '--reason', 'looks fine'], env);
    expect(promote.stderr).toBe('');
    expect(promote.code).toBe(0);
    await expect.poll(async () => (await snapshot(id))?.traffic.actual?.canary, { timeout: 30_000 }).toBe(50);

    // Another console on the same journal sees who drives it and does not take it over.
    const seen = (await consoleB.handlers['release:list']({})).releases.find((r) => r.id === id);
    expect(seen?.driver).toMatchObject({ kind: 'console', here: false });
    const mine = (await consoleA.handlers['release:list']({})).releases.find((r) => r.id === id);
    expect(mine?.driver).toMatchObject({ kind: 'console', here: true });

    const abort = await cli(['abort', id, '--reason', 'from the terminal'], env);
    expect(abort.stderr).toBe('');
    expect(abort.code).toBe(0);
    expect(abort.stdout).toMatch(/ABORT sent to release/);
    await expect.poll(async () => (await snapshot(id))?.status, { timeout: 30_000 }).toBe('aborted');
    const end = await snapshot(id);
    expect(end?.traffic.actual).toMatchObject({ stable: 100, canary: 0 });
    const audit = (await consoleA.handlers['release:get']({ id })).audit;
    expect(audit.some((a) => /from the terminal/.test(a.why))).toBe(true);

    await expect.poll(async () => (await status(id)).driven, { timeout: 10_000 }).toBe(false);
    const late = await cli(['abort', id, '--journal', journal]);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/Nothing drives release/);
  }, 120_000);

  it('lets another console abort a release this one drives, and refuses to resume it there', async () => {
    const id = await startPausedInConsoleA();
    await expect(consoleB.handlers['release:resume']({ id, then: 'continue' })).rejects.toThrow(
      /driven by the console \(web shell/,
    );
    expect(await consoleB.handlers['release:control']({ id, event: { type: 'ABORT' } })).toMatchObject({
      accepted: true,
    });
    await expect.poll(async () => (await snapshot(id))?.status, { timeout: 30_000 }).toBe('aborted');
  }, 120_000);

  it('finds a release driven by switchyard run, refuses to resume it, and aborts it from the console', async () => {
    const planFile = join(dataDir, 'paused-canary.yaml');
    writeFileSync(planFile, planText(true));
    const before = new Set((await consoleA.handlers['release:list']({})).releases.map((r) => r.id));
    let exited: string | null = null;
    const run = cli(
      ['run', planFile, '--context', 'sandbox', '--speed', '60', '--yes', '--journal', journal],
      env,
    ).then((r) => {
      exited = `exit ${r.code}: ${r.stderr}`;
      return r;
    });
    const fresh = async () =>
      (await consoleA.handlers['release:list']({})).releases.find((r) => !before.has(r.id));
    await expect.poll(async () => exited ?? (await fresh())?.status, { timeout: 60_000 }).toBe('paused');
    const item = (await fresh())!;
    expect(item.driver).toMatchObject({
      kind: 'run',
      here: false,
      description: /^switchyard run \(pid \d+\)/,
    });
    expect(await status(item.id)).toMatchObject({ driven: true, driver: { kind: 'run' } });

    const again = await cli(['run', '--resume', item.id, '--yes', '--journal', journal], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is driven by switchyard run \(pid \d+\)/);
    await expect(consoleA.handlers['release:resume']({ id: item.id, then: 'abort' })).rejects.toThrow(
      /driven by switchyard run/,
    );

    expect(
      await consoleA.handlers['release:control']({
        id: item.id,
        event: { type: 'ABORT', reason: 'from the console' },
      }),
    ).toMatchObject({ accepted: true });
    const ended = await run;
    expect(ended.code).toBe(2);
    expect((await consoleA.handlers['release:get']({ id: item.id })).snapshot?.traffic.actual).toMatchObject({
      stable: 100,
      canary: 0,
    });
    expect((await status(item.id)).driven).toBe(false);
  }, 120_000);
});
