import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import type { Engine } from '../../../src-main/app/engine.ts';
import { createSandboxProvider, type EmbeddedSandbox } from '../../../src-main/app/sandbox-provider.ts';
import { testConsole, untilStatus } from '../../support/console.ts';

const sandbox = createSandboxProvider({ speed: 60 });
/** The same sandbox for both engines: closing the first console must not take the cluster with it. */
const shared: EmbeddedSandbox = { ...sandbox, close: async () => {} };
const dataDir = mkdtempSync(join(tmpdir(), 'sy-resume-'));
const engines: Engine[] = [];

function engine(): Engine {
  const e = testConsole({ sandbox: shared, dataDir });
  engines.push(e);
  return e;
}

afterAll(async () => {
  for (const e of engines) await e.dispose();
  await sandbox.close();
});

const plan = stringify({
  ...defaultPlan('canary', {
    namespace: 'platform-production',
    name: 'workflow-engine',
    image: 'registry.platform.com/workflow-engine:v1.25.0',
  }),
  strategy: { kind: 'canary', steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 100 }] },
});

/** Starts the plan on the sandbox in a console, waits for its pause, then closes that console; the release's id. */
async function pausedThenClosed(mode: 'run' | 'rehearse', speed: number): Promise<string> {
  const e = engine();
  const { id } = await e.handlers['release:start']({
    mode,
    context: 'sandbox',
    text: plan,
    speed,
    stepThrough: false,
  });
  await untilStatus(e, id, 'paused');
  await e.dispose();
  return id;
}

describe('a release survives the console closing', () => {
  it('is found unfinished, resumes where it was, and applies nothing twice', async () => {
    const id = await pausedThenClosed('run', 1);

    const second = engine();
    const listed = (await second.handlers['release:list']({})).releases.find((r) => r.id === id);
    expect(listed?.status).toBe('paused');
    await second.handlers['release:resume']({ id, then: 'continue' });
    const resumed = await second.handlers['release:get']({ id });
    expect(resumed.snapshot?.traffic.intended).toMatchObject({ canary: 20 });
    expect(await second.handlers['release:control']({ id, event: { type: 'PROMOTE' } })).toMatchObject({
      accepted: true,
    });
    await untilStatus(second, id, 'completed', 30_000);

    const writes = (await sandbox.handle())
      .audit()
      .filter((w) => w.resource === 'virtualservices' && w.name === 'workflow-engine');
    const weights = writes.map((w) => w.digest);
    expect(new Set(weights).size).toBe(weights.length);
    const audit = (await second.handlers['release:get']({ id })).audit.map((a) => a.what);
    expect(audit).toContain('resume');
  }, 90_000);

  it('says why a rehearsal cannot be resumed', async () => {
    const id = await pausedThenClosed('rehearse', 10);
    await expect(engine().handlers['release:resume']({ id, then: 'continue' })).rejects.toMatchObject({
      kind: 'invalidConfig',
      message: expect.stringMatching(/rehearsal/),
    });
  }, 60_000);
});
