import type { SandboxProvider } from './engine.ts';

/** The built-in sandbox context's name in every shell. */
export const SANDBOX_CONTEXT = 'sandbox';

/**
 * The built-in sandbox, started in-process on first use.
 * Returns undefined until the sandbox module is available.
 */
export function createSandboxProvider(): SandboxProvider | undefined {
  return undefined;
}
