import { ipcMain, type BrowserWindow } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../../../src-shared/bridge/api.ts';
import type { Dispatcher, EventHub } from '../../bridge/dispatch.ts';
import { isTrustedSender } from './sender-guard.ts';

/** The main-side `handle()` wrapper: sender check, then the dispatcher (which parses in and out). */
export function registerIpcBridge(
  dispatcher: Dispatcher,
  hub: EventHub,
  rendererUrl: string,
  windows: () => BrowserWindow[],
): () => void {
  ipcMain.handle(IPC_INVOKE, async (event, channel: unknown, input: unknown) => {
    if (!isTrustedSender(event.senderFrame, rendererUrl)) {
      return {
        ok: false,
        error: { kind: 'forbidden', message: 'This frame may not use the Switchyard bridge.' },
      };
    }
    return dispatcher.dispatch(channel, input);
  });
  const detach = hub.attach((name, payload) => {
    for (const w of windows()) if (!w.isDestroyed()) w.webContents.send(IPC_EVENT, name, payload);
  });
  return () => {
    detach();
    ipcMain.removeHandler(IPC_INVOKE);
  };
}
