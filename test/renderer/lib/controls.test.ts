import { describe, expect, it } from 'vitest';
import { canConfirm, confirmationFor, controlForKey } from '../../../src-renderer/lib/controls.ts';

const none = { ctrl: false, meta: false, alt: false };

describe('controlForKey', () => {
  it.each([
    ['p', none, false, 'PAUSE'],
    ['R', none, false, 'RESUME'],
    ['n', none, false, 'PROMOTE'],
    ['f', none, false, 'PROMOTE_FULL'],
    ['a', none, false, 'ABORT'],
    ['b', none, false, 'ROLLBACK'],
    ['a', none, true, null],
    ['a', { ...none, ctrl: true }, false, null],
    ['r', { ...none, meta: true }, false, null],
    ['x', none, false, null],
  ])('%s %j typing=%s → %s', (key, mods, typing, event) => {
    expect(controlForKey(key, mods, typing)?.event ?? null).toBe(event);
  });
  it('asks to confirm abort and roll back only', () => {
    expect(['p', 'r', 'n', 'f', 'a', 'b'].filter((k) => controlForKey(k, none, false)?.confirm)).toEqual([
      'a',
      'b',
    ]);
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
