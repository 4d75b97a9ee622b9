import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import { planCommands } from '../../../src-shared/plan/plan-commands.ts';
import type { Engine } from '../../../src-main/app/engine.ts';
import { createSandboxProvider } from '../../../src-main/app/sandbox-provider.ts';
import { testConsole } from '../../support/console.ts';
import { blueGreenSmokePlanText } from '../../fixtures/plans/blue-green-smoke.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'sy-release-commands-'));
let engine: Engine;

function blueGreen(smoke: string[]): string {
  return blueGreenSmokePlanText('commands-blue-green', smoke);
}

function digestOf(text: string): string {
  const parsed = parsePlan(text);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return planCommands(parsed.plan).digest;
}

const ok = [process.execPath, '-e', 'process.exit(0)'];
const text = blueGreen(ok);
const start = (confirmedCommands?: string) =>
  engine.handlers['release:start']({
    mode: 'rehearse',
    context: 'sandbox',
    text,
    speed: 60,
    stepThrough: false,
    ...(confirmedCommands === undefined ? {} : { confirmedCommands }),
  });

beforeAll(() => {
  engine = testConsole({ sandbox: createSandboxProvider(), dataDir });
});
afterAll(async () => {
  await engine?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('release:start and the commands of a plan', () => {
  it.each([
    ['without a confirmation', undefined, /^This plan runs one command; confirm it before starting\.$/],
    [
      'with the confirmation of an earlier version of the command',
      digestOf(blueGreen([process.execPath, '-e', 'process.exit(1)'])),
      /The commands changed since they were confirmed\.$/,
    ],
  ])('refuses %s, lists the command and starts nothing', async (_name, confirmed, message) => {
    await expect(start(confirmed)).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(message),
      details: [`blue-green smoke check, on this computer: ${JSON.stringify(ok)}`],
    });
    expect((await engine.handlers['release:list']({})).releases).toEqual([]);
  });

  it('starts with the digest of the current commands and runs them', async () => {
    const { id } = await start(digestOf(text));
    await expect
      .poll(async () => (await engine.handlers['release:get']({ id })).snapshot?.status, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe('completed');
    const { audit } = await engine.handlers['release:get']({ id });
    expect(audit[0]).toMatchObject({ what: 'start', why: expect.stringContaining(digestOf(text)) });
  }, 90_000);
});
