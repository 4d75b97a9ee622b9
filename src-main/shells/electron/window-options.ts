/**
 * The console window's security settings as plain data (no `electron` import), so tests can check them
 * and `main.ts` uses exactly these.
 */

/**
 * Content-Security-Policy of the renderer: only the app's own scripts, no `unsafe-eval`, no remote origin
 * (styles allow inline for the chart library's computed styles).
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** `webPreferences` of every console window; `preload` is the bridge script's absolute path. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

/** Window size and title of the console (pixels). */
export const WINDOW_BOUNDS = {
  width: 1440,
  height: 900,
  minWidth: 1280,
  minHeight: 800,
  title: 'Switchyard',
  show: false,
} as const;
