import type { BridgeResult } from './errors.ts';
import type { EventName, EventPayload, RequestChannel, RequestInput, RequestOutput } from './contract.ts';

/**
 * What the renderer gets: the preload's `window.switchyard` in Electron, the socket adapter in
 * the web shell. Same shape in both, so the renderer cannot tell them apart.
 */
export interface SwitchyardApi {
  /** Sends a request; resolves with its typed output or a typed error, never rejects. */
  invoke<C extends RequestChannel>(
    channel: C,
    input: RequestInput<C>,
  ): Promise<BridgeResult<RequestOutput<C>>>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** Raw transport names, shared by the preload and the Electron bridge wrapper. */
export const IPC_INVOKE = 'switchyard:invoke';
export const IPC_EVENT = 'switchyard:event';
