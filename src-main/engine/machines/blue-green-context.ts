import type { BlueGreenStrategy } from '../../../src-shared/plan/plan.schema.ts';
import type { Colour, SmokeCheck } from '../../ports/release.port.ts';
import type { TriggerWatchContext } from './analysis-run.ts';
import type { StampedOperatorEvent } from './canary-context.ts';
import { operatorWords } from './decision-words.ts';
import type { ValidationSamplesEvent } from './validation.machine.ts';

/** Where a blue-green release stopped when an operation failed; RESUME retries it there. */
export type BlueGreenStage =
  | 'locating'
  | 'deploying'
  | 'ready'
  | 'warming'
  | 'smoking'
  | 'switching'
  | 'scalingDown'
  | 'restoring'
  | 'rollingBack';

/** What the blue-green machine remembers; all of it survives a persisted snapshot. */
export interface BlueGreenContext extends TriggerWatchContext {
  /** The colour that served production when the release started. */
  active: Colour | null;
  /** The colour the new version goes to. */
  idle: Colour | null;
  /** True once traffic moved to the new colour. */
  switched: boolean;
  /** Absolute deadline of the ready wait, milliseconds since the Unix epoch. */
  readyDeadlineMs: number | null;
  /** Absolute end of the settle wait after the switch. */
  settleUntilMs: number | null;
  /** When traffic moved to the new colour, milliseconds since the Unix epoch; `scaleDownDelay` counts from it. */
  switchedAtMs?: number | null;
  /** True once an operator promoted a release with `autoPromote: false` (or it needed no promotion). */
  promoted?: boolean;
  /** True once the previous colour was scaled to 0 (`keepPrevious: false`). */
  scaledDown?: boolean;
  /** Replicas the previous colour is scaled back to before a rollback switches to it. */
  restoreReplicas?: number | null;
  stuckAt: BlueGreenStage | null;
}

export type BlueGreenEvent = StampedOperatorEvent | ValidationSamplesEvent;

export const strategyOf = (c: BlueGreenContext) => c.plan.strategy as BlueGreenStrategy;
export const other = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');
export const READY_POLL_MS = 5_000;
/** Where every rollback after the switch goes: the previous colour is sized up first when it may be scaled down. */
export const ROLL_BACK = '#blueGreen.restoring';
export const HELD = '#blueGreen.live.steps.held';
export const ABANDON = '#blueGreen.abandoned';

export type C = BlueGreenContext;
export type E = BlueGreenEvent;
export type Ctx = { context: C };

/** An operator's roll back: all traffic back to the old colour. */
export const ROLLED_BACK = {
  target: ROLL_BACK,
  actions: {
    type: 'operatorSays' as const,
    params: ({ context }: Ctx) => ({
      kind: 'rollback' as const,
      stepIndex: null,
      what: operatorWords.trafficRolledBack(context.active),
    }),
  },
};

/** An operator's roll back or abort: back to the old colour after the switch, else the release is abandoned. */
export const OPERATOR_BACK = [
  { guard: 'switched' as const, ...ROLLED_BACK },
  {
    target: ABANDON,
    actions: {
      type: 'operatorSays' as const,
      params: ({ context }: Ctx) => ({
        kind: 'abort' as const,
        stepIndex: null,
        what: operatorWords.abandonedBeforeSwitch(context.active),
      }),
    },
  },
];

/** The operator's promotion of a release with `autoPromote: false`: the switch goes ahead. */
export const PROMOTED = {
  target: 'switching',
  actions: [
    'promotedByOperator' as const,
    {
      type: 'operatorSays' as const,
      params: ({ context }: Ctx) => ({
        kind: 'promote' as const,
        stepIndex: null,
        what: operatorWords.promotedSwitch(context.active, context.idle),
      }),
    },
  ],
};

/** An engine decision that ends or turns the release, its sentence read from context (and the event). */
export const decide = <A>(
  kind: 'abort' | 'complete',
  cause: 'ready-timeout' | 'warmup-failed' | 'smoke-failed',
  summary: (args: A) => string,
) => ({
  type: 'recordDecision' as const,
  params: (args: A) => ({ kind, cause, summary: summary(args) }),
});

/** Smoke checks of the plan as the port takes them. */
export function smokeChecks(s: BlueGreenStrategy): SmokeCheck[] {
  const http = s.smoke.checks.map((c): SmokeCheck => ({
    kind: 'http',
    path: c.path,
    expectStatus: c.expectStatus,
  }));
  return s.smoke.command ? [...http, { kind: 'command', argv: s.smoke.command }] : http;
}
