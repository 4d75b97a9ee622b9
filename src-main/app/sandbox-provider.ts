import { startSandbox, type SandboxHandle, type SandboxOptions } from '../sandbox/sandbox.ts';
import type { SandboxProvider } from '../ports/sandbox.port.ts';

/** The built-in sandbox context's name in every shell. */
export const SANDBOX_CONTEXT = 'sandbox';

/** The built-in sandbox with its handle, for the parts of the engine that drive it directly (faults, rehearsals). */
export interface EmbeddedSandbox extends SandboxProvider {
  /** Starts it if needed. */
  handle(): Promise<SandboxHandle>;
}

/** The built-in sandbox, started in-process on first use and closed with the engine. */
export function createSandboxProvider(options: SandboxOptions = {}): EmbeddedSandbox {
  let started: Promise<SandboxHandle> | null = null;
  let current: SandboxHandle | null = null;
  const handle = () => {
    started ??= startSandbox(options).then((h) => (current = h));
    started.catch(() => (started = null));
    return started;
  };
  return {
    contextName: SANDBOX_CONTEXT,
    url: () => current?.url ?? null,
    handle,
    async kubeconfig() {
      return (await handle()).kubeconfigYaml(SANDBOX_CONTEXT);
    },
    async close() {
      const h = current;
      started = null;
      current = null;
      await h?.close();
    },
  };
}
