import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createControlDriver,
  describeDriver,
  liveDriver,
  request,
  sendControl,
  type ControlDriver,
  type ControlEvent,
} from '../../../../src-main/engine/journal/control-channel.ts';

const ID = 'checkout-20261206T040000Z-0001';
let dir: string;
let driver: ControlDriver;
let received: ControlEvent[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sy-control-'));
  mkdirSync(join(dir, ID));
  received = [];
  driver = createControlDriver(dir, { kind: 'console', shell: 'web' });
  driver.serve(ID, (event) => {
    received.push(event);
    if (event.type === 'PROMOTE') throw new Error('It cannot take PROMOTE now: it is paused at step 2 of 5.');
    return `${event.type} sent.`;
  });
});

afterEach(() => {
  driver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the local control channel', () => {
  it('hands an event with the driver token to the driver and returns its answer', async () => {
    await expect(sendControl(dir, ID, { type: 'ABORT', reason: 'bad canary', by: 'ana' })).resolves.toBe(
      'ABORT sent.',
    );
    expect(received).toEqual([{ type: 'ABORT', reason: 'bad canary', by: 'ana' }]);
    expect(liveDriver(dir, ID)).toMatchObject({ kind: 'console', shell: 'web', pid: process.pid });
  });

  it("refuses a request without the driver's token, and the release never sees it", async () => {
    const wrong = await request(dir, ID, { token: 'f'.repeat(64), event: { type: 'ABORT' } });
    expect(wrong).toEqual({ ok: false, message: expect.stringMatching(/refused.*token/) });
    const none = await request(dir, ID, { event: { type: 'ABORT' } });
    expect(none.ok).toBe(false);
    expect(received).toEqual([]);
  });

  it('keeps the token in a file only the user can read', () => {
    const marker = join(dir, ID, 'runner.json');
    expect(statSync(marker).mode & 0o777).toBe(0o600);
    expect((JSON.parse(readFileSync(marker, 'utf8')) as { token: string }).token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('passes on the reason a release does not take an event', async () => {
    await expect(sendControl(dir, ID, { type: 'PROMOTE' })).rejects.toMatchObject({
      kind: 'conflict',
      message: 'It cannot take PROMOTE now: it is paused at step 2 of 5.',
    });
  });

  it('does not count a marker of a dead process, or of a driver that closed, as driven', async () => {
    driver.close();
    expect(liveDriver(dir, ID)).toBeUndefined();
    await expect(sendControl(dir, ID, { type: 'ABORT' })).rejects.toMatchObject({ kind: 'notFound' });
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(
      join(dir, ID, 'runner.json'),
      JSON.stringify({ pid: dead, startedAtMs: 1, driverId: 'ab', kind: 'run', token: 'x' }),
    );
    expect(liveDriver(dir, ID)).toBeUndefined();
    await expect(sendControl(dir, ID, { type: 'ABORT' })).rejects.toThrow(/Nothing drives release/);
  });

  it('counts a marker its driver stopped touching as stale (a reused pid), and a driver that runs on as live', () => {
    const marker = join(dir, ID, 'runner.json');
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(marker, longAgo, longAgo);
    expect(liveDriver(dir, ID)).toBeUndefined();

    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      const other = createControlDriver(dir, { kind: 'run' });
      other.serve(ID, () => 'ok');
      vi.advanceTimersByTime(120_000);
      expect(liveDriver(dir, ID)).toMatchObject({ kind: 'run', driverId: other.id });
      other.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('describeDriver', () => {
  it('names the driver and when it started in the one readable time format, zone named, never ISO', () => {
    const text = describeDriver({
      pid: 4242,
      startedAtMs: Date.UTC(2026, 11, 6, 4, 0, 0),
      driverId: 'd1',
      kind: 'console',
      shell: 'web',
    });
    expect(text).toMatch(/^the console \(web shell, pid 4242\) since 2026-12-0[56] \d\d:\d\d:00 \S+$/);
    expect(text).not.toMatch(/T\d\d:|Z$/);
  });
});
