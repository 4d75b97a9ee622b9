import type { SwitchyardApi } from '../src-shared/bridge/api.ts';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the web shell. */
    switchyard?: SwitchyardApi;
  }
}
