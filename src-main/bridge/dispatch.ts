import type { z } from 'zod';
import {
  MAX_MESSAGE_BYTES,
  events,
  isRequestChannel,
  requests,
  type EventName,
  type EventPayload,
  type RequestChannel,
  type RequestOutput,
} from '../../src-shared/bridge/contract.ts';
import { DomainError, describeIssues, type BridgeResult } from '../../src-shared/bridge/errors.ts';

/** One handler per request channel; it may throw `DomainError` for an expected failure. */
export type Handlers = {
  [C in RequestChannel]: (input: z.output<(typeof requests)[C]['input']>) => Promise<RequestOutput<C>>;
};

export interface Dispatcher {
  /**
   * Validates and runs one request. Never throws: a malformed message, an unknown channel, an
   * oversized payload or a failing handler all come back as a typed error.
   * @param sizeBytes the message's size on the wire when the transport knows it.
   */
  dispatch(channel: unknown, input: unknown, sizeBytes?: number): Promise<BridgeResult<unknown>>;
}

export interface DispatcherOptions {
  /** Called with unexpected errors (not `DomainError`s) for the log; the caller gets a plain message. */
  onInternalError?: (channel: string, error: unknown) => void;
}

export function createDispatcher(handlers: Handlers, options: DispatcherOptions = {}): Dispatcher {
  return {
    async dispatch(channel, input, sizeBytes) {
      if (!isRequestChannel(channel)) {
        const name = typeof channel === 'string' ? `"${channel.slice(0, 80)}"` : `a ${typeof channel}`;
        return fail('unknownChannel', `There is no bridge channel named ${name}.`);
      }
      const size = sizeBytes ?? measure(input);
      if (size > MAX_MESSAGE_BYTES) {
        return fail(
          'tooLarge',
          `The ${channel} message is ${size} bytes; the limit is ${MAX_MESSAGE_BYTES}.`,
        );
      }
      const spec = requests[channel];
      const parsed = spec.input.safeParse(input ?? {});
      if (!parsed.success) {
        const details = describeIssues(parsed.error);
        return {
          ok: false,
          error: { kind: 'badRequest', message: `The ${channel} request is malformed.`, details },
        };
      }
      try {
        const handler = handlers[channel] as (i: unknown) => Promise<unknown>;
        const output = await handler(parsed.data);
        const checked = spec.output.safeParse(output);
        if (!checked.success) {
          options.onInternalError?.(channel, checked.error);
          return fail('internal', `The engine gave a malformed answer to ${channel}.`);
        }
        return { ok: true, value: checked.data };
      } catch (error) {
        if (error instanceof DomainError) return { ok: false, error: error.toBridge() };
        options.onInternalError?.(channel, error);
        return fail(
          'internal',
          `${channel} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },
  };
}

function fail(kind: 'unknownChannel' | 'tooLarge' | 'internal', message: string): BridgeResult<never> {
  return { ok: false, error: { kind, message } };
}

function measure(input: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(input) ?? '');
  } catch {
    return 0;
  }
}

type Listener = (event: EventName, payload: unknown) => void;

/** Fan-out of typed events to whichever shells are attached. Payloads are checked before they leave. */
export class EventHub {
  readonly #listeners = new Set<Listener>();

  /** Attaches a transport; returns the detach function. */
  attach(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const checked = events[event].parse(payload);
    for (const l of this.#listeners) l(event, checked);
  }
}
