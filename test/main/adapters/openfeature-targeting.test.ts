import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import { buildTargeting, parseTargeting } from '../../../src-main/adapters/kube/flags/flag-targeting.ts';
import type { FlagSegment } from '../../../src-main/ports/exposure.port.ts';

const silent = { error() {}, warn() {}, info() {}, debug() {} };

/** The variant flagd serves `ctx` under `targeting` (flag new-checkout, variants on/off, default off). */
function serve(targeting: unknown, ctx: Record<string, string>): string | undefined {
  const core = new FlagdCore(new MemoryStorage(silent), silent);
  core.setConfigurations(
    JSON.stringify({
      flags: {
        'new-checkout': {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting,
        },
      },
    }),
  );
  return core.getFlag('new-checkout')!.evaluate({ targetingKey: 'user-1', ...ctx }).variant;
}

const segments: FlagSegment[] = [
  {
    name: 'staff',
    attribute: 'email',
    operator: 'ends_with',
    values: ['@switchyard.dev', '@ops.switchyard.dev'],
  },
  { name: 'not asia', attribute: 'region', operator: 'not_in', values: ['ap-south'], variant: 'off' },
  { name: 'orgs', attribute: 'orgId', operator: 'in', values: ['org-01', 'org-02'] },
  { name: 'testers', attribute: 'email', operator: 'starts_with', values: ['qa-'] },
];

describe('flag targeting as Switchyard writes it', () => {
  it('reads back every segment operator and the percentage it wrote', () => {
    const t = buildTargeting(segments, 12.5, 'on', 'off');
    const parsed = parseTargeting(
      t,
      segments.map((s) => s.name),
    );
    expect(parsed.split).toEqual({ on: 12.5, off: 87.5 });
    expect(parsed.segments).toEqual(segments.map((s) => ({ ...s, variant: s.variant ?? 'on' })));
    expect(parsed.unknown).toEqual([]);
  });

  it('is flagd JSON Logic: flagd serves segment members their variant before the split', () => {
    const t = buildTargeting(segments, 0, 'on', 'off');
    expect(serve(t, { email: 'ana@ops.switchyard.dev', region: 'ap-south' })).toBe('on');
    expect(serve(t, { email: 'bo@example.com', region: 'eu-west' })).toBe('off');
    expect(serve(t, { email: 'bo@example.com', region: 'ap-south', orgId: 'org-02' })).toBe('on');
    expect(serve(t, { email: 'qa-7@example.com', region: 'ap-south' })).toBe('on');
    expect(serve(t, { email: 'bo@example.com', region: 'ap-south', orgId: 'org-09' })).toBe('off');
    expect(serve(buildTargeting([], 100, 'on', 'off'), { email: 'x@example.com' })).toBe('on');
    // A fractional percentage is written in whole weights (flagd refuses others, serving the default to all).
    const quarter = buildTargeting([], 12.5, 'on', 'off');
    expect(quarter).toEqual({
      fractional: [
        ['on', 1250],
        ['off', 8750],
      ],
    });
    const served = Array.from({ length: 400 }, (_, i) =>
      serve(quarter, { email: 'x@example.com', targetingKey: `user-${i}` }),
    );
    const on = served.filter((v) => v === 'on').length / served.length;
    expect(on).toBeGreaterThan(0.08);
    expect(on).toBeLessThan(0.17);
  });

  it('keeps rules it did not write, and reports them', () => {
    const foreign = { if: [{ '>': [{ var: 'age' }, 30] }, 'on'] };
    const t = {
      if: [
        ...foreign.if,
        {
          fractional: [
            ['on', 1],
            ['off', 3],
          ],
        },
      ],
    };
    const parsed = parseTargeting(t);
    expect(parsed.split).toEqual({ on: 25, off: 75 });
    expect(parsed.unknown).toEqual([foreign]);
    expect(buildTargeting([], 40, 'on', 'off', parsed.unknown)).toEqual({
      if: [
        ...foreign.if,
        {
          fractional: [
            ['on', 40],
            ['off', 60],
          ],
        },
      ],
    });
    expect(parseTargeting({ '==': [1, 1] }).untouchable).toEqual({ '==': [1, 1] });
    const nested = { if: [{ in: [{ var: 'tier' }, ['pro']] }, 'on', { if: [true, 'on', 'off'] }] };
    expect(parseTargeting(nested)).toMatchObject({ untouchable: { if: [true, 'on', 'off'] }, unknown: [] });
  });
});
