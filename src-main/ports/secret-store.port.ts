/**
 * Where Switchyard would keep a secret it must remember (e.g. a Prometheus URL with basic auth).
 * Only the Electron shell has a real implementation (the OS keychain through `safeStorage`).
 */
export interface SecretStore {
  /**
   * How values are protected at rest: `os-keychain` (encrypted with a key the OS keychain holds),
   * `plaintext-fallback` (the OS offers no keychain; the store refuses to write) or `memory` (test double).
   */
  protection(): 'os-keychain' | 'plaintext-fallback' | 'memory';
  /** Stores `value` under `name`. Rejects with DomainError `forbidden` when only plaintext storage exists. */
  put(name: string, value: string): Promise<void>;
  /** The value stored under `name`, or null. Rejects with DomainError `invalidConfig` when it cannot be decrypted. */
  get(name: string): Promise<string | null>;
  delete(name: string): Promise<void>;
}
