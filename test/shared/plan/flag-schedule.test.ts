import { describe, expect, it } from 'vitest';
import {
  instantToLocal,
  localToInstant,
  scheduleProblems,
  zoneLabel,
} from '../../../src-shared/plan/flag-schedule.ts';

describe('a wall-clock time of the user’s zone written as an instant with its offset', () => {
  it.each([
    ['2026-12-08T09:00', 'Europe/Berlin', '2026-12-08T09:00:00+01:00'],
    ['2026-07-08T09:00', 'Europe/Berlin', '2026-07-08T09:00:00+02:00'],
    ['2026-12-08T09:00', 'America/New_York', '2026-12-08T09:00:00-05:00'],
    ['2026-12-08T09:30', 'Asia/Kolkata', '2026-12-08T09:30:00+05:30'],
    ['2026-12-08T23:45', 'UTC', '2026-12-08T23:45:00+00:00'],
    // The hour the clocks go back happens twice: the first of them.
    ['2026-10-25T02:30', 'Europe/Berlin', '2026-10-25T02:30:00+02:00'],
  ])('%s in %s is %s', (local, zone, instant) => {
    expect(localToInstant(local, zone)).toBe(instant);
    expect(instantToLocal(instant, zone)).toBe(local);
  });

  it.each([
    ['2026-03-29T02:30', 'Europe/Berlin'], // skipped when the clocks go forward
    ['2026-12-08 09:00', 'Europe/Berlin'],
    ['', 'UTC'],
    ['2026-13-08T09:00', 'UTC'],
  ])('%j in %s is no time there', (local, zone) => {
    expect(localToInstant(local, zone)).toBeNull();
  });

  it('shows an instant written in another zone on the reader’s own clock', () => {
    expect(instantToLocal('2026-12-08T09:00:00+01:00', 'America/New_York')).toBe('2026-12-08T03:00');
    expect(instantToLocal('not a time', 'UTC')).toBeNull();
  });

  it.each([
    ['Europe/Berlin', '2026-12-08T09:00:00Z', 'Europe/Berlin, UTC+01:00'],
    ['Europe/Berlin', '2026-07-08T09:00:00Z', 'Europe/Berlin, UTC+02:00'],
    ['America/New_York', '2026-12-08T09:00:00Z', 'America/New_York, UTC-05:00'],
  ])('names %s at %s as %s', (zone, at, label) => {
    expect(zoneLabel(zone, Date.parse(at))).toBe(label);
  });
});

describe('schedule problems', () => {
  const now = Date.parse('2026-12-06T10:00:00Z');
  it('accepts starts in the future, in order, with unscheduled steps between', () => {
    expect(
      scheduleProblems(
        [
          { at: '2026-12-07T09:00:00+01:00' },
          {},
          { at: '2026-12-07T09:00:00+01:00' },
          { at: '2026-12-08T08:00:00Z' },
        ],
        now,
        'Europe/Berlin',
      ),
    ).toEqual([]);
  });

  it('names a start in the past and one earlier than a step before it, in the reader’s zone', () => {
    expect(
      scheduleProblems(
        [
          { at: '2026-12-06T09:00:00Z' },
          { at: '2026-12-08T09:00:00+01:00' },
          {},
          { at: '2026-12-07T12:00:00Z' },
        ],
        now,
        'Europe/Berlin',
      ),
    ).toEqual([
      {
        index: 0,
        message: '2026-12-06 10:00 (Europe/Berlin) is in the past: pick a time after 2026-12-06 11:00',
      },
      {
        index: 3,
        message:
          '2026-12-07 13:00 is earlier than step 2, which starts 2026-12-08 09:00 (Europe/Berlin): a step starts no earlier than the one before it',
      },
    ]);
  });

  it('leaves what is not a time to the plan’s own validation', () => {
    expect(scheduleProblems([{ at: 'tomorrow' }, { at: 5 }], now, 'UTC')).toEqual([]);
  });
});
