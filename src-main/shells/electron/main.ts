import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, Notification, session, shell } from 'electron';
import { createEngine } from '../../app/engine.ts';
import { createSandboxProvider } from '../../app/sandbox-provider.ts';
import { createDispatcher } from '../../bridge/dispatch.ts';
import { registerIpcBridge } from './bridge-ipc.ts';
import { isOpenableExternally } from './sender-guard.ts';
import { CONTENT_SECURITY_POLICY, secureWebPreferences, WINDOW_BOUNDS } from './window-options.ts';

const here = import.meta.dirname;
const rendererFile = join(here, '..', 'renderer', 'index.html');
const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(rendererFile).href;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    ...WINDOW_BOUNDS,
    webPreferences: secureWebPreferences(join(here, '..', 'preload', 'index.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(rendererFile);
  return win;
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isOpenableExternally(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });

  const prometheusUrl = process.env.SWITCHYARD_PROMETHEUS_URL;
  const engine = createEngine({
    shell: 'electron',
    version: app.getVersion(),
    env: process.env,
    sandbox: createSandboxProvider(),
    ...(prometheusUrl ? { prometheusUrl } : {}),
  });
  engine.hub.attach((event, payload) => {
    if (event !== 'release:notice' || !Notification.isSupported()) return;
    const { title, body } = payload as { title: string; body: string };
    new Notification({ title: `Switchyard: ${title}`, body }).show();
  });
  const dispatcher = createDispatcher(engine.handlers, {
    onInternalError: (channel, error) => console.error(`internal error on ${channel}:`, error),
  });
  registerIpcBridge(dispatcher, engine.hub, rendererUrl, () => BrowserWindow.getAllWindows());
  createWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('before-quit', () => void engine.dispose());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
