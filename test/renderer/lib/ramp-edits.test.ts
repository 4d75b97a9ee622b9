import { describe, expect, it } from 'vitest';
import {
  addPrerequisite,
  addRampStep,
  isOldFormRamp,
  moveRampStep,
  readPrerequisites,
  readRampSteps,
  removePrerequisite,
  removeRampStep,
  setPrerequisite,
  setRampStep,
  templateNames,
} from '../../../src-renderer/lib/ramp-edits.ts';

const PLAN = `# comment kept
name: checkout-flag
strategy:
  kind: flag-rollout
  flag: new-checkout # the flag key
  steps:
    - setPercentage: 10
    # the gate before half
    - analysis: { templates: [variant-health] }
      at: 2026-12-08T09:00:00+01:00
    - pause: {}
analysis:
  templates:
    - name: variant-health
    - name: latency
`;

const steps = (text: string) => readRampSteps(text, 'strategy');

describe('adding flag ramp steps', () => {
  it.each([
    [
      { kind: 'percentage', percent: 25 } as const,
      '- setPercentage: 25',
      { kind: 'percentage', percent: '25' },
    ],
    [{ kind: 'pause', duration: '' } as const, '- pause: {}', { kind: 'pause', duration: '' }],
    [
      { kind: 'pause', duration: ' 10m ' } as const,
      '- pause: { duration: 10m }',
      { kind: 'pause', duration: '10m' },
    ],
    [
      { kind: 'analysis', template: 'latency' } as const,
      '- analysis: { templates: [ latency ] }',
      { kind: 'analysis', template: 'latency' },
    ],
  ])('%o is written last, inline as plans write it, comments kept', (step, line, row) => {
    const out = addRampStep(PLAN, 'strategy', step);
    expect(out.trimEnd().split('\n')).toContain(`    ${line}`);
    expect(out).toContain('# comment kept');
    expect(out).toContain('# the gate before half');
    expect(steps(out)?.at(-1)).toEqual(row);
    expect(steps(out)).toHaveLength(4);
  });

  it('starts the list of a ramp without steps, in a flag ramp after the deploy', () => {
    const out = addRampStep('strategy: { kind: canary }\nflagRamp:\n  flag: x\n', 'flagRamp', {
      kind: 'percentage',
      percent: 5,
    });
    expect(out).toBe('strategy: { kind: canary }\nflagRamp:\n  flag: x\n  steps:\n    - setPercentage: 5\n');
  });

  it('writes one step a line into a list left empty (steps: []), as after removing the last step', () => {
    const empty = PLAN.replace(/ {2}steps:\n( {4}.*\n)+?analysis/, '  steps: []\nanalysis');
    const out = addRampStep(
      addRampStep(empty, 'strategy', { kind: 'percentage', percent: '10' }),
      'strategy',
      { kind: 'pause', duration: '' },
    );
    expect(out).toContain('  steps:\n    - setPercentage: 10\n    - pause: {}\nanalysis:');
    const pre = addPrerequisite(out.replace('analysis:', '  prerequisites: []\nanalysis:'), 'strategy', {
      flag: 'a',
      requires: 'on',
      variant: '',
    });
    expect(pre).toContain('  prerequisites:\n    - { flag: a, percent: 100 }\n');
  });

  it.each([
    ['a plan without a flag ramp', 'strategy: { kind: canary }\n'],
    ['text that is not YAML', 'strategy: [\n'],
  ])('leaves %s unchanged', (_, text) => {
    expect(addRampStep(text, 'flagRamp', { kind: 'pause', duration: '' })).toBe(text);
  });
});

describe('reordering and removing steps', () => {
  it('moves a step whole: its schedule and its comment go with it', () => {
    const out = moveRampStep(PLAN, 'strategy', 1, -1);
    expect(steps(out)?.map((s) => s.kind)).toEqual(['analysis', 'percentage', 'pause']);
    expect(out).toMatch(
      /steps:\n {4}# the gate before half\n {4}- analysis: .*\n {6}at: 2026-12-08T09:00:00\+01:00\n {4}- setPercentage: 10\n/,
    );
    expect(steps(moveRampStep(out, 'strategy', 0, 1))?.map((s) => s.kind)).toEqual([
      'percentage',
      'analysis',
      'pause',
    ]);
  });

  it.each([
    [0, -1],
    [2, 1],
    [5, -1],
  ] as const)('step %i cannot move by %i: the text is unchanged', (index, by) => {
    expect(moveRampStep(PLAN, 'strategy', index, by)).toBe(PLAN);
  });

  it('removes a step with its schedule; the last one leaves an empty list for validation to name', () => {
    const out = removeRampStep(PLAN, 'strategy', 1);
    expect(out).not.toContain('at: 2026');
    expect(steps(out)?.map((s) => s.kind)).toEqual(['percentage', 'pause']);
    const empty = removeRampStep(removeRampStep(out, 'strategy', 0), 'strategy', 0);
    expect(steps(empty)).toEqual([]);
    expect(empty).toContain('steps: []');
    expect(removeRampStep(PLAN, 'strategy', 3)).toBe(PLAN);
  });
});

describe('editing a step', () => {
  it.each([
    [{ kind: 'percentage', percent: '150' } as const, /- setPercentage: 150\n {6}at: 2026/],
    [{ kind: 'percentage', percent: 'half' } as const, /- setPercentage: half\n {6}at: 2026/],
    [{ kind: 'pause', duration: '5m' } as const, /- pause: \{ duration: 5m \}\n {6}at: 2026/],
    [
      { kind: 'analysis', template: 'latency' } as const,
      /- analysis: \{ templates: \[ latency \] \}\n {6}at: 2026/,
    ],
  ])('writes %o in place of what the step did, its schedule kept after it', (row, written) => {
    expect(setRampStep(PLAN, 'strategy', 1, row)).toMatch(written);
  });

  it.each([
    ['2.5', 'setPercentage: 2.5', '2.5'],
    ['2.', 'setPercentage: "2."', '2.'],
    [' 40 ', 'setPercentage: 40', '40'],
    ['', 'setPercentage: ""', ''],
  ])('writes a percentage typed as %j as %s and reads it back as typed', (typed, written, read) => {
    const out = setRampStep(PLAN, 'strategy', 0, { kind: 'percentage', percent: typed });
    expect(out).toContain(`- ${written}\n`);
    expect(readRampSteps(out, 'strategy')?.[0]).toEqual({ kind: 'percentage', percent: read });
  });

  it('reads a step that does two things, or nothing, as unknown', () => {
    const text = PLAN.replace('- pause: {}', '- { pause: {}, setPercentage: 5 }\n    - {}');
    expect(steps(text)?.slice(2)).toEqual([{ kind: 'unknown' }, { kind: 'unknown' }]);
  });

  it('tells a ramp in the old form (percentages) from one with steps', () => {
    const old = PLAN.replace(/ {2}steps:\n( {4}.*\n)+?analysis/, '  percentages: [10, 50]\nanalysis');
    expect(isOldFormRamp(old, 'strategy')).toBe(true);
    expect(isOldFormRamp(PLAN, 'strategy')).toBe(false);
    expect(isOldFormRamp(PLAN, 'flagRamp')).toBe(false);
  });

  it('lists the plan’s analysis templates', () => {
    expect(templateNames(PLAN)).toEqual(['variant-health', 'latency']);
    expect(templateNames('name: x\n')).toEqual([]);
  });
});

describe('prerequisites', () => {
  it('adds, changes and removes them; the key goes with the last one', () => {
    let out = addPrerequisite(PLAN, 'strategy', { flag: 'dark-mode', requires: 'on', variant: '' });
    out = addPrerequisite(out, 'strategy', { flag: 'new-cart', requires: 'variant', variant: 'blue' });
    expect(out).toContain(
      '  prerequisites:\n    - { flag: dark-mode, percent: 100 }\n    - { flag: new-cart, variant: blue }\n',
    );
    expect(readPrerequisites(out, 'strategy')).toEqual([
      { flag: 'dark-mode', requires: 'on', variant: '' },
      { flag: 'new-cart', requires: 'variant', variant: 'blue' },
    ]);
    out = setPrerequisite(out, 'strategy', 0, { flag: 'dark-mode', requires: 'variant', variant: 'on' });
    expect(out).toContain('- { flag: dark-mode, variant: on }');
    out = removePrerequisite(out, 'strategy', 1);
    expect(readPrerequisites(out, 'strategy')).toEqual([
      { flag: 'dark-mode', requires: 'variant', variant: 'on' },
    ]);
    out = removePrerequisite(out, 'strategy', 0);
    expect(out).not.toContain('prerequisites');
    expect(out).toContain('# comment kept');
  });

  it('keeps an entry written as a block a block', () => {
    const text = PLAN.replace(
      'analysis:\n  templates',
      '  prerequisites:\n    - flag: a\n      percent: 100\nanalysis:\n  templates',
    );
    expect(setPrerequisite(text, 'strategy', 0, { flag: 'b', requires: 'on', variant: '' })).toContain(
      '  prerequisites:\n    - flag: b\n      percent: 100\n',
    );
  });

  it('reads none where the ramp has none, and null where there is no ramp', () => {
    expect(readPrerequisites(PLAN, 'strategy')).toEqual([]);
    expect(readPrerequisites(PLAN, 'flagRamp')).toBeNull();
    expect(removePrerequisite(PLAN, 'strategy', 0)).toBe(PLAN);
  });
});
