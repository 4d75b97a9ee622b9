import { assign, type DoneActorEvent, type EventObject } from 'xstate';
import type { ReleaseContextBase } from './release-common.ts';

/**
 * A "stamping" state: asks the clock (the `now` actor) for the time once, notes it in `nowMs`, applies
 * `change` of that time (a pause's end, an analysis run's start) and goes to `target`. The time lands in
 * context, so a restored snapshot keeps it; a release saved while it asked asks again.
 */
export function stampingState<C extends ReleaseContextBase, E extends EventObject>(
  target: string,
  change: (context: C, atMs: number) => Partial<C>,
) {
  return {
    invoke: {
      src: 'now' as const,
      onDone: {
        target,
        actions: assign<C, DoneActorEvent<{ atMs: number }>, undefined, E, never>(
          ({ context, event }) =>
            ({ ...change(context, event.output.atMs), nowMs: event.output.atMs }) as Partial<C>,
        ),
      },
    },
  };
}
