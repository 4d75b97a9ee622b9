import { describe, expect, it } from 'vitest';
import {
  canConfirm,
  confirmationFor,
  controlForKey,
  controlStates,
  controlsFor,
  NOT_DRIVEN,
} from '../../../src-renderer/lib/controls.ts';

const none = { ctrl: false, meta: false, alt: false };

describe('controlForKey', () => {
  it.each([
    ['p', none, false, 'PAUSE'],
    ['R', none, false, 'RESUME'],
    ['n', none, false, 'PROMOTE'],
    ['f', none, false, 'PROMOTE_FULL'],
    ['a', none, false, 'ABORT'],
    ['b', none, false, 'ROLLBACK'],
    ['c', none, false, 'CONFIRM'],
    ['a', none, true, null],
    ['a', { ...none, ctrl: true }, false, null],
    ['r', { ...none, meta: true }, false, null],
    ['x', none, false, null],
  ])('%s %j typing=%s → %s', (key, mods, typing, event) => {
    expect(controlForKey(key, mods, typing)?.event ?? null).toBe(event);
  });
  it('asks to confirm a gate, abort and roll back only', () => {
    expect(['p', 'r', 'n', 'f', 'c', 'a', 'b'].filter((k) => controlForKey(k, none, false)?.confirm)).toEqual(
      ['c', 'a', 'b'],
    );
  });
});

describe('controlStates', () => {
  const on = { enabled: true };
  const off = (reason: string) => ({ enabled: false, reason });
  it("keeps main's verdict and reason for each control, in the bar's order", () => {
    const { rows, shared } = controlStates({
      PAUSE: off('The release is already paused at step 2 of 4 (pause until promoted).'),
      RESUME: on,
      PROMOTE: on,
      PROMOTE_FULL: on,
      CONFIRM: off(
        'No gate waits for a confirmation: the release is paused at step 2 of 4 (pause until promoted).',
      ),
      ABORT: on,
      ROLLBACK: on,
    });
    expect(rows.map((r) => `${r.spec.event}:${r.state.enabled}`)).toEqual([
      'PAUSE:false',
      'RESUME:true',
      'PROMOTE:true',
      'PROMOTE_FULL:true',
      'CONFIRM:false',
      'ABORT:true',
      'ROLLBACK:true',
    ]);
    expect(rows[0]?.state.reason).toMatch(/^The release is already paused/);
    expect(shared).toBeNull();
  });
  it('says once why nothing applies to a finished release, and to one no run drives', () => {
    const done = off('The release completed; roll it back from History.');
    const all = {
      PAUSE: done,
      RESUME: done,
      PROMOTE: done,
      PROMOTE_FULL: done,
      CONFIRM: done,
      ABORT: done,
      ROLLBACK: done,
    };
    expect(controlStates(all).shared).toBe('The release completed; roll it back from History.');
    expect(controlStates(undefined).shared).toBe(NOT_DRIVEN);
    expect(controlStates(undefined).rows.every((r) => !r.state.enabled)).toBe(true);
  });
});

describe('confirmation', () => {
  it.each([
    [{ name: 'prod-eu', isProduction: true }, 'prod-eu', true],
    [{ name: 'prod-eu', isProduction: true }, ' prod-eu ', true],
    [{ name: 'prod-eu', isProduction: true }, 'prod', false],
    [{ name: 'prod-eu', isProduction: true }, '', false],
    [{ name: 'sandbox', isProduction: false }, '', true],
    [null, '', true],
  ])('%j with %j typed may confirm: %s', (context, typed, ok) => {
    expect(canConfirm(confirmationFor(context).typeName, typed)).toBe(ok);
  });
});

describe('the controls of a flag ramp', () => {
  it('call Abort the kill switch, keeping its key and its confirmation; other strategies keep Abort', () => {
    const abort = (strategy?: string) => controlsFor(strategy).find((c) => c.event === 'ABORT');
    expect(abort('flag-rollout')).toMatchObject({
      event: 'ABORT',
      label: 'Kill switch',
      key: 'a',
      confirm: true,
    });
    expect(abort('flag-rollout')?.consequence).toMatch(/^Everyone gets the off variant at once/);
    expect(abort('canary')?.label).toBe('Abort');
    expect(abort(undefined)?.label).toBe('Abort');
    const { rows } = controlStates(undefined, 'flag-rollout');
    expect(rows.map((r) => r.spec.label)).toContain('Kill switch');
  });
});
