import { describe, expect, it } from 'vitest';
import type { ReleaseListItem } from '../../../src-shared/bridge/contract.ts';
import { distinct, filterReleases, shownStatus } from '../../../src-renderer/lib/history-filter.ts';

const driver: NonNullable<ReleaseListItem['driver']> = {
  kind: 'console',
  pid: 4242,
  sinceMs: 0,
  here: false,
  description: 'the console (web shell, pid 4242)',
};
const item = (status: string, rehearsal: boolean, driven: boolean): ReleaseListItem => ({
  id: `${status}-${rehearsal}-${driven}`,
  status,
  strategy: 'canary',
  planName: 'p',
  context: 'sandbox',
  namespace: 'shop',
  rehearsal,
  startedAtMs: 0,
  savedAtMs: 0,
  ...(driven ? { driver } : {}),
});

describe('the status History shows', () => {
  it.each([
    ['running', true, false, 'stopped'],
    ['paused', true, false, 'stopped'],
    ['running', true, true, 'running'],
    ['paused', false, false, 'paused'],
    ['aborted', true, false, 'aborted'],
    ['completed', true, false, 'completed'],
  ])('a %s release (rehearsal %s, driven %s) shows as %s', (status, rehearsal, driven, shown) => {
    expect(shownStatus(item(status, rehearsal, driven))).toBe(shown);
  });

  it('offers "stopped" in the status filter and filters by it', () => {
    const list = [item('running', true, false), item('running', true, true), item('completed', true, false)];
    expect(distinct(list, 'status')).toEqual(['completed', 'running', 'stopped']);
    expect(filterReleases(list, { status: 'stopped', strategy: '', text: '' }).map((r) => r.id)).toEqual([
      'running-true-false',
    ]);
  });
});
