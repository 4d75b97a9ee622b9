/** Error codes of Node's fetch (undici) and sockets that mean the server could not be reached at all. */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * Why a `fetch` with an `AbortSignal.timeout` threw: `timeout` (the signal fired, or undici gave up waiting)
 * or `unreachable`, with the network error code when it is a known one (for the message, e.g. `ECONNREFUSED`).
 */
export function classifyTransportError(error: unknown): { kind: 'timeout' | 'unreachable'; code?: string } {
  const e = error as { name?: unknown; code?: unknown; cause?: { code?: unknown; name?: unknown } };
  const code = typeof e.cause?.code === 'string' ? e.cause.code : typeof e.code === 'string' ? e.code : '';
  if (
    e.name === 'TimeoutError' ||
    e.cause?.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    TIMEOUT_CODES.has(code)
  ) {
    return { kind: 'timeout' };
  }
  return NETWORK_CODES.has(code) ? { kind: 'unreachable', code } : { kind: 'unreachable' };
}
