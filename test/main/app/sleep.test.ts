import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../src-shared/bridge/contract.ts';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import { ReleaseService } from '../../../src-main/app/release-service.ts';
import { createSleepAwareClock, createSleepDetector } from '../../../src-main/app/sleep-detector.ts';
import { EventHub } from '../../../src-main/bridge/dispatch.ts';
import { createScaledClock } from '../../../src-main/adapters/clock/scaled-clock.ts';

const MIN = 60_000;

describe('the sleep detector', () => {
  it.each([
    ['a 30 min jump of the wall clock alone', 30 * MIN, 0, 30 * MIN],
    ['both clocks moving 30 min together (awake)', 30 * MIN, 30 * MIN, null],
    ['10 s of timer jitter', 10_000, 0, null],
    ['the wall clock set back an hour', -60 * MIN, 0, null],
  ])('on %s', (_name, wallStep, monoStep, slept) => {
    let wall = Date.UTC(2026, 10, 26, 14, 0, 0);
    let mono = 1_000;
    const detector = createSleepDetector({ wallNow: () => wall, monoNow: () => mono });
    const heard: number[] = [];
    detector.onSleep((g) => heard.push(g.sleptMs));
    wall += wallStep + 5_000;
    mono += monoStep + 5_000;
    const gap = detector.check();
    expect(gap?.sleptMs ?? null).toBe(slept);
    if (slept !== null) {
      expect(gap).toEqual({ fromMs: wall - slept, toMs: wall, sleptMs: slept });
      expect(heard).toEqual([slept]);
    } else expect(heard).toEqual([]);
    expect(detector.check()).toBeNull();
  });
});

describe('a sleep-aware clock', () => {
  it('ends a pending 10 min wait at once when 30 min of sleep are credited, and not before', async () => {
    const clock = createSleepAwareClock(createScaledClock(1));
    const start = clock.now();
    let ended = false;
    const wait = clock.sleep(10 * MIN).then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(false);
    clock.credit(30 * MIN);
    await wait;
    expect(clock.now() - start).toBeGreaterThanOrEqual(30 * MIN);
  });

  it('keeps waiting for the rest when the credit is shorter than the wait', async () => {
    const clock = createSleepAwareClock(createScaledClock(1000));
    const t0 = performance.now();
    const wait = clock.sleep(60 * MIN); // 3.6 real seconds at 1000×
    clock.credit(59 * MIN);
    await wait;
    expect(performance.now() - t0).toBeLessThan(1_500);
    expect(performance.now() - t0).toBeGreaterThan(20);
  });
});

describe('a rehearsal during which the laptop sleeps for 30 minutes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sy-sleep-'));
  let offset = 0;
  const detector = createSleepDetector({
    wallNow: () => Date.now() + offset,
    monoNow: () => performance.now(),
    intervalMs: 3_600_000,
  });
  const hub = new EventHub();
  const notices: EventPayload<'release:notice'>[] = [];
  hub.attach((event, payload) => {
    if (event === 'release:notice') notices.push(payload as EventPayload<'release:notice'>);
  });
  const service = new ReleaseService({
    dataDir,
    hub,
    user: 'tester',
    kubeconfigFor: () => Promise.reject(new Error('no kubeconfig in this test')),
    sleepDetector: detector,
    wakeSettleMs: 1_500,
    healthIntervalMs: 200,
  });
  afterAll(async () => {
    detector.stop();
    await service.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('judges the pause on wall time, tells the operator and writes the audit entry', async () => {
    const plan = defaultPlan('canary', {
      namespace: 'platform-production',
      name: 'workflow-engine',
      image: 'registry.platform.com/workflow-engine:v1.25.0',
    });
    const text = stringify({
      ...plan,
      strategy: {
        kind: 'canary',
        steps: [{ setWeight: 20 }, { pause: { duration: '20m' } }, { setWeight: 50 }, { pause: {} }],
      },
    });
    // At 20× the 20 min pause takes a real minute unless the sleep is counted.
    const id = await service.start({
      mode: 'rehearse',
      context: 'sandbox',
      text,
      speed: 20,
      stepThrough: false,
    });
    await expect
      .poll(async () => (await service.get(id)).snapshot?.currentStep, { timeout: 60_000, interval: 100 })
      .toBe(1);
    const paused = (await service.get(id)).snapshot;
    expect(paused?.status).toBe('running');

    offset += 30 * MIN;
    const jumpedAt = performance.now();
    const gap = detector.check();
    expect(gap?.sleptMs).toBeGreaterThanOrEqual(30 * MIN - 1_000);

    await expect.poll(() => notices.find((n) => n.kind === 'slept'), { timeout: 15_000 }).toBeTruthy();
    const notice = notices.find((n) => n.kind === 'slept')!;
    expect(notice.id).toBe(id);
    expect(notice.title).toBe('The computer slept for 30 min');
    expect(notice.body).toMatch(
      /^The computer slept for 30 min, from \d\d:\d\d:\d\d UTC to \d\d:\d\d:\d\d UTC\. .* was running at step 2 \(pause 20m\)\./,
    );
    expect(notice.body).toMatch(
      /The 20m pause at step 2 \(pause 20m\) was due to end at .*, during the sleep; the sleep counts as elapsed time, so the release moved on to step [34] /,
    );
    expect(notice.body).toMatch(/This is a rehearsal: the sandbox slept too/);

    // The pause ended on waking, not a real minute later.
    await expect
      .poll(async () => (await service.get(id)).snapshot?.currentStep, { timeout: 30_000, interval: 100 })
      .toBe(3);
    expect(performance.now() - jumpedAt).toBeLessThan(30_000);

    const { audit } = await service.get(id);
    const entry = audit.find((a) => a.what === 'slept');
    expect(entry?.why).toBe(notice.body);
    expect(entry?.data).toMatchObject({
      sleptMs: gap!.sleptMs,
      before: { step: 1 },
      after: { step: expect.any(Number) },
    });
    expect((entry?.data as { after: { step: number } }).after.step).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
