import type { SecretStore } from '../../src-main/ports/secret-store.port.ts';

/** The fake `SecretStore`: values in memory only, for tests of code that needs secrets. */
export function createFakeSecretStore(initial: Record<string, string> = {}): SecretStore {
  const values = new Map(Object.entries(initial));
  return {
    protection: () => 'memory',
    put: async (name, value) => void values.set(name, value),
    get: async (name) => values.get(name) ?? null,
    delete: async (name) => void values.delete(name),
  };
}
