import type { SwitchyardApi } from '../../src-shared/bridge/api.ts';
import type { EventName } from '../../src-shared/bridge/contract.ts';
import type { BridgeResult } from '../../src-shared/bridge/errors.ts';

type Pending = (result: BridgeResult<unknown>) => void;

/**
 * The web shell's side of the bridge: the same `SwitchyardApi` as the preload, carried over a
 * WebSocket to the page's own origin. Reconnects with backoff; while disconnected, calls resolve
 * with an `unreachable` error instead of hanging.
 */
export function createSocketApi(location: Location): SwitchyardApi {
  const token = new URLSearchParams(location.search).get('token');
  const url = `ws://${location.host}/bridge${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let socket: WebSocket;
  let opened: Promise<boolean>;
  let retryMs = 250;

  const connect = () => {
    socket = new WebSocket(url);
    opened = new Promise((resolve) => {
      socket.addEventListener('open', () => {
        retryMs = 250;
        resolve(true);
      });
      socket.addEventListener('close', () => resolve(false));
    });
    socket.addEventListener('message', (e) => {
      const msg = JSON.parse(String(e.data)) as
        | { type: 'result'; id: number; result: BridgeResult<unknown> }
        | { type: 'event'; event: EventName; payload: unknown };
      if (msg.type === 'result') {
        pending.get(msg.id)?.(msg.result);
        pending.delete(msg.id);
      } else {
        for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
      }
    });
    socket.addEventListener('close', () => {
      for (const [id, resolve] of pending) {
        resolve({
          ok: false,
          error: { kind: 'unreachable', message: 'The console lost its connection to Switchyard; retrying.' },
        });
        pending.delete(id);
      }
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    });
  };
  connect();

  return {
    async invoke(channel, input) {
      if (!(await opened)) {
        return {
          ok: false,
          error: {
            kind: 'unreachable',
            message: 'Switchyard is not answering. Is `switchyard web` still running?',
          },
        };
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve as Pending);
        socket.send(JSON.stringify({ id, channel, input }));
      });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
}
