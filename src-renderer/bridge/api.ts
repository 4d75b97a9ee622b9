import type { SwitchyardApi } from '../../src-shared/bridge/api.ts';
import { createSocketApi } from './socket-api.ts';

/** The bridge, whichever shell hosts the renderer. */
export const api: SwitchyardApi = window.switchyard ?? createSocketApi(window.location);

// The token has done its job once the socket holds the cookie; keep it out of history and screenshots.
if (!window.switchyard && window.location.search.includes('token=')) {
  window.history.replaceState(null, '', window.location.pathname);
}
