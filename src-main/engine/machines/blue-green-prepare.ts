import type { Colour, SmokeCheck, WorkloadRole } from '../../ports/release.port.ts';
import {
  ABANDON,
  HELD,
  PROMOTED,
  READY_POLL_MS,
  decide,
  smokeChecks,
  strategyOf,
  type C,
  type Ctx,
  type E,
} from './blue-green-context.ts';
import { blueGreenWords } from './decision-words.ts';
import { heldOn, noteTime } from './held-state.ts';
import { pollState, readyOfCurrentRevision, type OpDone } from './release-common.ts';

/**
 * The blue-green states before the switch: find the active colour, deploy the new image on the idle one, wait
 * until it is ready (up to `readyTimeout`), warm it up, smoke-test it, and wait for an operator's promotion
 * when `autoPromote` is false. A failed check abandons the release with traffic untouched. State names are
 * part of persisted snapshots: keep them.
 */
export function prepareIdleColour() {
  return {
    locating: {
      invoke: {
        src: 'activeColour' as const,
        input: () => ({ args: [] as [], why: 'find the colour that serves production' }),
        onDone: {
          target: 'deploying',
          actions: {
            type: 'located' as const,
            params: ({ event }: OpDone<'activeColour'>) => ({
              atMs: event.output.atMs,
              colour: event.output.result,
            }),
          },
        },
        onError: heldOn<C>('locating', 'finding the active colour'),
      },
    },
    deploying: {
      invoke: {
        src: 'deployColour' as const,
        input: ({ context }: Ctx) => ({
          args: [context.idle as Colour, context.plan.target.image] as [Colour, string],
          why: `deploy ${context.plan.target.image} on the idle colour ${context.idle}`,
        }),
        onDone: {
          target: 'ready',
          actions: noteTime,
        },
        onError: heldOn<C>('deploying', 'deploying the idle colour'),
      },
    },
    ready: {
      initial: 'probe' as const,
      entry: 'armReady' as const,
      states: {
        probe: {
          invoke: {
            src: 'workloadState' as const,
            input: ({ context }: Ctx) => ({
              args: [context.idle as WorkloadRole] as [WorkloadRole],
              why: `check that ${context.idle} is ready`,
            }),
            onDone: [
              {
                // Ready pods of the new revision only: a colour that still runs an older version reads
                // as ready until the controller has seen the new spec.
                guard: ({ event }: OpDone<'workloadState'>) =>
                  event.output.result.desired > 0 &&
                  readyOfCurrentRevision(event.output.result) >= event.output.result.desired &&
                  event.output.result.updated >= event.output.result.desired,
                target: '#blueGreen.live.steps.warming',
                actions: noteTime,
              },
              {
                target: 'check',
                actions: noteTime,
              },
            ],
            onError: heldOn<C>('ready', 'checking the idle colour', HELD),
          },
        },
        check: {
          always: [
            {
              guard: 'readyPassed' as const,
              target: ABANDON,
              actions: decide('abort', 'ready-timeout', ({ context }: Ctx) =>
                blueGreenWords.notReady(context.idle, strategyOf(context).readyTimeout, context.active),
              ),
            },
            { target: 'sleeping' },
          ],
        },
        sleeping: pollState<C, E>(READY_POLL_MS, (context) => context.readyDeadlineMs),
      },
    },
    warming: {
      entry: 'clearWait' as const,
      invoke: {
        src: 'warmup' as const,
        input: ({ context }: Ctx) => {
          const w = strategyOf(context).warmup;
          return {
            args: [context.idle as Colour, w.path, w.requests, w.intervalMs] as [
              Colour,
              string,
              number,
              number,
            ],
            why: `warm up ${context.idle} with ${w.requests} requests to ${w.path}`,
          };
        },
        onDone: [
          {
            guard: ({ event }: OpDone<'warmup'>) =>
              event.output.result.failed > 0 && event.output.result.ok === 0,
            target: ABANDON,
            actions: [
              decide('abort', 'warmup-failed', ({ context, event }: Ctx & OpDone<'warmup'>) =>
                blueGreenWords.warmupFailed(context.idle, event.output.result.failed, context.active),
              ),
              noteTime,
            ],
          },
          {
            target: 'smoking',
            actions: noteTime,
          },
        ],
        onError: heldOn<C>('warming', 'warming up the idle colour'),
      },
    },
    smoking: {
      invoke: {
        src: 'smoke' as const,
        input: ({ context }: Ctx) => ({
          args: [context.idle as Colour, smokeChecks(strategyOf(context))] as [Colour, SmokeCheck[]],
          why: `run the smoke checks against ${context.idle}`,
        }),
        onDone: [
          {
            guard: ({ event }: OpDone<'smoke'>) => event.output.result.some((r) => !r.ok),
            target: ABANDON,
            actions: [
              decide('abort', 'smoke-failed', ({ context, event }: Ctx & OpDone<'smoke'>) =>
                blueGreenWords.smokeFailed(
                  context.idle,
                  event.output.result
                    .filter((r) => !r.ok)
                    .map(
                      (r) =>
                        `${r.check.kind === 'http' ? r.check.path : r.check.argv.join(' ')}: ${r.detail}`,
                    ),
                  context.active,
                ),
              ),
              noteTime,
            ],
          },
          {
            guard: 'awaitsPromotion' as const,
            target: 'awaitingPromotion',
            actions: noteTime,
          },
          {
            target: 'switching',
            actions: noteTime,
          },
        ],
        onError: heldOn<C>('smoking', 'running the smoke checks'),
      },
    },
    awaitingPromotion: {
      // autoPromote: false — the idle colour is deployed, warm and smoke-tested; the switch waits for a person.
      entry: 'awaitPromotion' as const,
      on: { PROMOTE: PROMOTED, PROMOTE_FULL: PROMOTED, RESUME: PROMOTED },
    },
  };
}
