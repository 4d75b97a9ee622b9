import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import {
  assertCommandsConfirmed,
  listPlanCommands,
  planCommands,
  sha256Hex,
} from '../../../src-shared/plan/plan-commands.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';

const target = {
  namespace: 'platform-production',
  name: 'workflow-engine',
  image: 'registry.platform.com/workflow-engine:v1.25.0',
};

function blueGreen(command?: string[]): ReleasePlan {
  const plan = defaultPlan('blue-green', target);
  if (plan.strategy.kind !== 'blue-green') throw new Error('not blue-green');
  return {
    ...plan,
    strategy: { ...plan.strategy, smoke: { ...plan.strategy.smoke, ...(command ? { command } : {}) } },
  };
}

function withMigration(plan: ReleasePlan): ReleasePlan {
  return {
    ...plan,
    migration: {
      expand: { action: { kind: 'job', command: ['migrate', 'up', '--step=expand'] } },
      contract: {
        action: { kind: 'job', image: 'registry.platform.com/migrator:v2', command: ['migrate', 'contract'] },
        requireConfirmation: true,
      },
    },
  };
}

describe('listPlanCommands', () => {
  it('lists the expand Job, the smoke command and the contract Job in the order the release reaches them', () => {
    const commands = listPlanCommands(withMigration(blueGreen(['./smoke.sh', '--colour', '$(rm -rf /)'])));
    expect(commands).toEqual([
      {
        where: 'migration expand Job',
        phase: 'expand',
        argv: ['migrate', 'up', '--step=expand'],
        runsOn: 'cluster',
        image: target.image,
        namespace: target.namespace,
      },
      {
        where: 'blue-green smoke check',
        phase: 'smoke',
        argv: ['./smoke.sh', '--colour', '$(rm -rf /)'],
        runsOn: 'laptop',
      },
      {
        where: 'migration contract Job',
        phase: 'contract',
        argv: ['migrate', 'contract'],
        runsOn: 'cluster',
        image: 'registry.platform.com/migrator:v2',
        namespace: target.namespace,
      },
    ]);
  });

  it.each([
    ['a canary', defaultPlan('canary', target)],
    ['a rolling update', defaultPlan('rolling', target)],
    ['a blue-green with HTTP smoke checks only', blueGreen()],
    [
      'a manual migration gate',
      {
        ...blueGreen(),
        migration: {
          contract: {
            action: { kind: 'manual', instructions: 'drop the column' },
            requireConfirmation: true,
          },
        },
      } as ReleasePlan,
    ],
  ])('finds no command in %s, and its digest is empty', (_name, plan) => {
    expect(planCommands(plan)).toEqual({ commands: [], digest: '' });
    expect(() => assertCommandsConfirmed(plan, undefined)).not.toThrow();
  });
});

describe('the commands digest', () => {
  it('is SHA-256 of the canonical JSON, the same as node:crypto computes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 200 },
    );
    expect(planCommands(blueGreen(['true'])).digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['one word changed', ['./smoke.sh', '--colour', 'blue']],
    ['a word added', ['./smoke.sh', '--colour', 'green', '-v']],
    ['words joined differently', ['./smoke.sh --colour', 'green']],
  ])('changes when %s', (_name, other) => {
    const confirmed = planCommands(blueGreen(['./smoke.sh', '--colour', 'green'])).digest;
    expect(planCommands(blueGreen(other)).digest).not.toBe(confirmed);
  });

  it('changes when a Job image changes, and not when something else in the plan does', () => {
    const plan = withMigration(blueGreen());
    const { digest } = planCommands(plan);
    const otherImage = {
      ...plan,
      target: { ...plan.target, image: 'registry.platform.com/workflow-engine:v9' },
    };
    expect(planCommands(otherImage).digest).not.toBe(digest);
    expect(planCommands({ ...plan, description: 'reworded' }).digest).toBe(digest);
  });
});

describe('assertCommandsConfirmed', () => {
  const plan = withMigration(blueGreen(['./smoke.sh']));
  const { digest } = planCommands(plan);

  it('accepts the current digest', () => {
    expect(() => assertCommandsConfirmed(plan, digest)).not.toThrow();
  });

  it.each([
    ['without a confirmation', undefined, /^This plan runs 3 commands; confirm them before starting\.$/],
    [
      'with a stale confirmation',
      planCommands(blueGreen(['./other.sh'])).digest,
      /confirm them before starting\. The commands changed since they were confirmed\.$/,
    ],
  ])('refuses %s, naming every command exactly', (_name, confirmed, message) => {
    let error: unknown;
    try {
      assertCommandsConfirmed(plan, confirmed);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'conflict', message: expect.stringMatching(message) });
    expect((error as DomainError).details).toEqual([
      'migration expand Job, in the cluster (Job, image registry.platform.com/workflow-engine:v1.25.0, namespace platform-production): ["migrate","up","--step=expand"]',
      'blue-green smoke check, on this computer: ["./smoke.sh"]',
      'migration contract Job, in the cluster (Job, image registry.platform.com/migrator:v2, namespace platform-production): ["migrate","contract"]',
    ]);
  });
});
