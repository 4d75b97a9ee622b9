import { join } from 'node:path';
import { createEngine, type EngineOptions } from '../../src-main/app/engine.ts';
import { projectRoot } from '../../src-main/app/paths.ts';
import { createDispatcher, type Handlers } from '../../src-main/bridge/dispatch.ts';
import { ensureRendererBuilt } from '../../src-main/shells/web/renderer-build.ts';
import { startWebShell, type WebShell } from '../../src-main/shells/web/web-server.ts';

export interface TestConsole {
  readonly shell: WebShell;
  /** The engine's handlers, for a test to set up or check what the page cannot show. */
  readonly handlers: Handlers;
  close(): Promise<void>;
}

/** The real engine behind the real web shell, in this process, on a free port. */
export async function startTestConsole(
  engineOptions: Partial<EngineOptions> & { env: NodeJS.ProcessEnv },
): Promise<TestConsole> {
  const rendererDir = await ensureRendererBuilt(projectRoot);
  const engine = createEngine({ shell: 'web', version: 'test', ...engineOptions });
  const shell = await startWebShell({
    dispatcher: createDispatcher(engine.handlers),
    hub: engine.hub,
    rendererDir,
  });
  return {
    shell,
    handlers: engine.handlers,
    async close() {
      await shell.close();
      await engine.dispose();
    },
  };
}

export const rendererOut = join(projectRoot, 'out', 'renderer');
