import type { SecretStore } from '../../ports/secret-store.port.ts';
import { UnleashError } from './unleash-http.ts';

/** Where a plan says the Unleash token is: never the token itself. */
export interface UnleashTokenSource {
  /** The name of an environment variable holding the token, e.g. `UNLEASH_ADMIN_TOKEN`. */
  tokenEnv?: string;
  /** The name of a secret in the OS keychain (the SecretStore port) holding the token. */
  tokenSecret?: string;
}

/**
 * The Unleash API token from the keychain (when `tokenSecret` is given and a store is there) or else from
 * the environment variable `tokenEnv`. Throws `UnleashError` `invalidConfig` naming the variable or secret
 * (never a value) when neither yields a token.
 */
export async function resolveUnleashToken(
  source: UnleashTokenSource,
  deps: { env?: Readonly<Record<string, string | undefined>>; secrets?: SecretStore } = {},
): Promise<string> {
  const env = deps.env ?? process.env;
  if (source.tokenSecret) {
    if (!deps.secrets) {
      throw new UnleashError(
        'invalidConfig',
        `The plan names the keychain secret "${source.tokenSecret}" for the Unleash token, but this shell has no keychain; name an environment variable with tokenEnv instead.`,
      );
    }
    const value = await deps.secrets.get(source.tokenSecret);
    if (value?.trim()) return value.trim();
    if (!source.tokenEnv) {
      throw new UnleashError(
        'invalidConfig',
        `The keychain holds no secret "${source.tokenSecret}" for the Unleash token.`,
      );
    }
  }
  if (source.tokenEnv) {
    const value = env[source.tokenEnv];
    if (value?.trim()) return value.trim();
    throw new UnleashError(
      'invalidConfig',
      `The environment variable ${source.tokenEnv}, which the plan names for the Unleash token, is not set.`,
    );
  }
  throw new UnleashError(
    'invalidConfig',
    'The plan must say where the Unleash token is: tokenEnv (an environment variable) or tokenSecret (a keychain secret); the token itself never goes in the plan.',
  );
}
