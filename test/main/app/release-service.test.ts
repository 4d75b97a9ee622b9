import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName } from '../../../src-shared/bridge/contract.ts';
import type { ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import type { Engine } from '../../../src-main/app/engine.ts';
import { createSandboxProvider } from '../../../src-main/app/sandbox-provider.ts';
import { errorRateCanaryText, testConsole } from '../../support/console.ts';

let engine: Engine;
const SANDBOX_TOKEN = 'rehearsal-sandbox-token-that-stays-in-main';
const events: { event: EventName; payload: unknown }[] = [];

async function settle(id: string): Promise<ReleaseSnapshot> {
  for (let i = 0; i < 600; i++) {
    const r = await engine.handlers['release:get']({ id });
    if (r.snapshot && !['running'].includes(r.snapshot.status)) return r.snapshot;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`release ${id} did not settle`);
}

/** Starts a rehearsal of `text` on the sandbox at 60×, stepped through or not; its id. */
async function rehearse(text: string, stepThrough: boolean): Promise<string> {
  return (
    await engine.handlers['release:start']({
      mode: 'rehearse',
      context: 'sandbox',
      text,
      speed: 60,
      stepThrough,
    })
  ).id;
}

beforeAll(() => {
  engine = testConsole({
    sandbox: createSandboxProvider(),
    dataDir: mkdtempSync(join(tmpdir(), 'sy-release-service-')),
    rehearsalSandbox: { token: SANDBOX_TOKEN },
  });
  engine.hub.attach((event, payload) => events.push({ event, payload }));
});
afterAll(async () => engine?.dispose());

describe('rehearsals through the engine', () => {
  let goodId = '';

  it('completes a good version with all traffic on it', async () => {
    const id = await rehearse(errorRateCanaryText(), false);
    goodId = id;
    const s = await settle(id);
    expect(s.status).toBe('completed');
    expect(s.traffic.actual).toMatchObject({ stable: 100 });
    expect(s.traffic.mismatch).toBe(false);
    expect(
      events.some(
        (e) => e.event === 'release:notice' && (e.payload as { kind: string }).kind === 'completed',
      ),
    ).toBe(true);
    expect(events.some((e) => e.event === 'release:health' && (e.payload as { id: string }).id === id)).toBe(
      true,
    );
  }, 120_000);

  it('aborts a faulty version, back on stable, naming the breaching metric', async () => {
    const id = await rehearse(errorRateCanaryText({ version: 'v1.25.1-bad' }), false);
    const s = await settle(id);
    expect(s.status).toBe('aborted');
    expect(s.traffic.actual).toMatchObject({ stable: 100, canary: 0 });
    const abort = s.decisions.find((d) => d.kind === 'abort');
    expect(abort?.summary).toMatch(/error-rate/);
    expect(abort?.evidence[0]?.query).toMatch(/http_requests_total\{job="workflow-engine"/);
  }, 120_000);

  it('pauses before every step in step-through mode and moves on when promoted', async () => {
    const id = await rehearse(errorRateCanaryText(), true);
    const paused = await settle(id);
    expect(paused.status).toBe('paused');
    expect(paused.traffic.actual ?? { canary: 0 }).toMatchObject({ canary: 0 });
    expect(await engine.handlers['release:control']({ id, event: { type: 'PROMOTE' } })).toMatchObject({
      accepted: true,
    });
    await expect
      .poll(async () => (await engine.handlers['release:get']({ id })).snapshot?.traffic.actual?.canary, {
        timeout: 20_000,
      })
      .toBe(50);
    expect(await engine.handlers['release:control']({ id, event: { type: 'ABORT' } })).toMatchObject({
      accepted: true,
    });
    await expect
      .poll(async () => (await engine.handlers['release:get']({ id })).snapshot?.status, { timeout: 20_000 })
      .toBe('aborted');
  }, 120_000);

  it('lists rehearsals in History and exports them without the sandbox token', async () => {
    const { releases } = await engine.handlers['release:list']({});
    expect(releases.filter((r) => r.rehearsal)).toHaveLength(3);
    const got = await engine.handlers['release:get']({ id: goodId });
    expect(got.integrity).toMatch(/intact/);
    expect(got.audit.map((a) => a.what)).toContain('start');
    const md = await engine.handlers['release:export']({ id: goodId, format: 'markdown' });
    expect(md.filename).toBe(`${goodId}.md`);
    expect(md.text).toMatch(/# Release .*\n[\s\S]*## Summary[\s\S]*## Timeline[\s\S]*## Audit log/);
    const json = await engine.handlers['release:export']({ id: goodId, format: 'json' });
    expect(() => JSON.parse(json.text) as unknown).not.toThrow();
    for (const text of [md.text, json.text, JSON.stringify(events)])
      expect(text).not.toContain(SANDBOX_TOKEN);
  });

  it('answers unknown releases and bad faults with typed errors', async () => {
    await expect(engine.handlers['release:get']({ id: 'nope' })).rejects.toMatchObject({ kind: 'notFound' });
    await expect(
      engine.handlers['release:control']({ id: 'nope', event: { type: 'ABORT' } }),
    ).rejects.toMatchObject({ kind: 'notFound' });
    await expect(engine.handlers['release:get']({ id: '../../etc' })).rejects.toMatchObject({
      kind: 'badRequest',
    });
    await expect(
      engine.handlers['sandbox:fault']({ service: 'workflow-engine', version: 'v1.25.0', p95Ms: 0 }),
    ).rejects.toMatchObject({ kind: 'badRequest' });
  });

  it('refuses to judge a real cluster without Prometheus, before touching it', async () => {
    await expect(
      engine.handlers['release:start']({
        mode: 'run',
        context: 'prod-eu',
        text: errorRateCanaryText(),
        speed: 1,
        stepThrough: false,
      }),
    ).rejects.toMatchObject({
      kind: 'invalidConfig',
      message: expect.stringMatching(/No Prometheus is configured/),
    });
  });
});
