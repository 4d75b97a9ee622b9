/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

// Compared after lower-casing and dropping `-` and `_`, so `client-key-data`, `clientKeyData` and
// `CLIENT_KEY_DATA` all match.
const SECRET_KEYS = new Set([
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'bearertoken',
  'authorization',
  'proxyauthorization',
  'password',
  'passwd',
  'secret',
  'clientsecret',
  'clientkey',
  'clientkeydata',
  'privatekey',
  'keydata',
  'apikey',
  'cookie',
  'setcookie',
  'credentials',
]);

const STRING_RULES: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*:[^\s/@]*@/gi, `$1${REDACTED}@`],
  [/([?&](?:access_token|id_token|token|api_key|apikey|password)=)[^&\s#]+/gi, `$1${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
];

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/** Removes secrets from a string: bearer/basic credentials, URL user-info and token parameters, private keys, JWTs. */
export function redactString(text: string): string {
  return STRING_RULES.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/**
 * A JSON-safe deep copy of `value` with every secret removed, ready to be journaled: values under
 * secret-looking keys (tokens, passwords, authorization headers, client keys…) become `[redacted]`,
 * and secrets inside strings are masked. Follows `JSON.stringify` rules (`toJSON`, dropped functions and
 * `undefined`, non-finite numbers become `null`); a cycle becomes `"[circular]"`. Never throws.
 */
export function redactSecrets(value: unknown): unknown {
  return copy(value, new WeakSet());
}

function copy(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined;
  if (seen.has(value)) return '[circular]';
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return copy(withJson.toJSON(), seen);
  seen.add(value);
  try {
    if (value instanceof Error) return { name: value.name, message: redactString(value.message) };
    if (Array.isArray(value)) return value.map((item) => copy(item, seen) ?? null);
    if (value instanceof Map) return copy(Object.fromEntries(value), seen);
    if (value instanceof Set) return copy([...value], seen);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (isSecretKey(key)) {
        if (item !== undefined && item !== null && item !== '') out[key] = REDACTED;
        continue;
      }
      const copied = copy(item, seen);
      if (copied !== undefined) out[key] = copied;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
