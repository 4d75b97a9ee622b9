import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DomainError } from '../../src-shared/bridge/errors.ts';
import { writeFileAtomic } from '../engine/journal/atomic-file.ts';
import type { SecretStore } from '../ports/secret-store.port.ts';

/** The part of Electron's `safeStorage` the store uses (passed in, so this file never imports electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: `basic_text` means no keychain, secrets would be stored as plaintext. */
  getSelectedStorageBackend?(): string;
}

/**
 * A `SecretStore` in one JSON file of base64 ciphertexts, encrypted by Electron's `safeStorage` (the OS
 * keychain). When the OS offers only the plaintext fallback it says so through `protection()` and refuses
 * to write, so no secret is ever kept in clear.
 */
export function createSafeStorageSecretStore(file: string, safeStorage: SafeStorageLike): SecretStore {
  const plaintextOnly = () =>
    !safeStorage.isEncryptionAvailable() || safeStorage.getSelectedStorageBackend?.() === 'basic_text';
  const read = (): Record<string, string> => {
    if (!existsSync(file)) return {};
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      throw new DomainError(
        'invalidConfig',
        `The secret store ${file} is damaged; remove it and enter the secrets again.`,
      );
    }
  };
  const write = async (all: Record<string, string>) => {
    mkdirSync(dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify(all));
  };
  return {
    protection: () => (plaintextOnly() ? 'plaintext-fallback' : 'os-keychain'),
    async put(name, value) {
      if (plaintextOnly())
        throw new DomainError(
          'forbidden',
          'This system offers no keychain (only plaintext storage), so Switchyard will not store the secret; set it in the environment instead.',
        );
      await write({ ...read(), [name]: safeStorage.encryptString(value).toString('base64') });
    },
    async get(name) {
      const sealed = read()[name];
      if (sealed === undefined) return null;
      try {
        return safeStorage.decryptString(Buffer.from(sealed, 'base64'));
      } catch {
        throw new DomainError(
          'invalidConfig',
          `The secret "${name}" cannot be decrypted on this system; enter it again.`,
        );
      }
    },
    async delete(name) {
      const all = read();
      if (!(name in all)) return;
      delete all[name];
      await write(all);
    },
  };
}
