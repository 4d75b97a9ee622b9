import { DomainError, type BridgeErrorKind } from '../../../src-shared/bridge/errors.ts';
import { classifyTransportError } from '../http-transport.ts';

/** The kinds an Unleash call fails with (the exposure port's kinds, as bridge kinds). */
export type UnleashErrorKind = Extract<
  BridgeErrorKind,
  'unreachable' | 'timeout' | 'forbidden' | 'notFound' | 'conflict' | 'invalidConfig'
>;

/** An Unleash call's failure as a domain error. Its message never contains the API token. */
export class UnleashError extends DomainError {
  constructor(
    kind: UnleashErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(kind, message);
    this.name = 'UnleashError';
  }
}

export interface UnleashHttpOptions {
  /** Base URL of the Unleash server, e.g. `https://unleash.example.com/` (a path prefix is kept). */
  url: string;
  /** The admin API token (or a personal access token), sent as `Authorization`. Never in a message. */
  token: string;
  /** Per-request limit in milliseconds (connect, answer and body). */
  timeoutMs: number;
}

export interface UnleashHttp {
  /** `Unleash at https://host` for messages. */
  readonly display: string;
  /**
   * Sends one request to the Admin API and returns the parsed JSON body (undefined when empty). Throws
   * `UnleashError`: `unreachable` (no connection, 5xx), `timeout`, `forbidden` (401, 403), `notFound`
   * (404), `conflict` (409), `invalidConfig` (400 and other 4xx); `what` ends the message ("while …").
   */
  request<T>(method: string, path: string, what: string, body?: unknown, signal?: AbortSignal): Promise<T>;
  /** `message` with every occurrence of the token replaced by `[token]`. */
  redact(message: string): string;
}

/** The HTTP side of the Unleash provider: timeouts, cancellation, error kinds and token redaction. */
export function createUnleashHttp(options: UnleashHttpOptions): UnleashHttp {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new UnleashError('invalidConfig', `The Unleash URL "${options.url}" is not a valid URL.`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new UnleashError(
      'invalidConfig',
      `The Unleash URL must start with http:// or https://, got "${base.protocol}".`,
    );
  }
  if (base.username || base.password) {
    throw new UnleashError(
      'invalidConfig',
      'The Unleash URL must not carry credentials; name a token instead.',
    );
  }
  if (!options.token.trim()) throw new UnleashError('invalidConfig', 'The Unleash API token is empty.');
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  const display = `Unleash at ${base.origin}${base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '')}`;
  const token = options.token;
  const redact = (message: string): string => message.split(token).join('[token]');

  async function request<T>(
    method: string,
    path: string,
    what: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let status: number;
    let text: string;
    try {
      const response = await fetch(new URL(path.replace(/^\//, ''), base), {
        method,
        headers: {
          authorization: token,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: combined,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw transportError(error, display, what, options.timeoutMs);
    }
    if (status >= 200 && status < 300) {
      if (!text) return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new UnleashError(
          'unreachable',
          `${display} sent an answer that is not JSON while ${what}.`,
          status,
        );
      }
    }
    throw statusError(status, serverMessage(text), display, what, redact);
  }

  return { display, request, redact };
}

function transportError(error: unknown, display: string, what: string, timeoutMs: number): UnleashError {
  const { kind, code } = classifyTransportError(error);
  if (kind === 'timeout') {
    return new UnleashError('timeout', `${display} did not answer within ${timeoutMs} ms while ${what}.`);
  }
  return new UnleashError(
    'unreachable',
    `Cannot reach ${display}${code ? ` (${code})` : ''} while ${what}; check that it runs and that the URL is right.`,
  );
}

function serverMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown; details?: { message?: unknown }[] };
    const detail = body.details?.find((d) => typeof d.message === 'string')?.message;
    if (typeof detail === 'string') return detail;
    return typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
}

function statusError(
  status: number,
  message: string | undefined,
  display: string,
  what: string,
  redact: (message: string) => string,
): UnleashError {
  const said = message ? `: ${message.replace(/\.$/, '')}` : '';
  const make = (kind: UnleashErrorKind, text: string) => new UnleashError(kind, redact(text), status);
  if (status === 401 || status === 403) {
    return make(
      'forbidden',
      `${display} refused the API token (HTTP ${status}) while ${what}${said}. Check that it is an admin token or a personal access token allowed to edit the flag.`,
    );
  }
  if (status === 404) return make('notFound', `${display} found nothing (HTTP 404) while ${what}${said}.`);
  if (status === 409)
    return make('conflict', `${display} reported a conflict (HTTP 409) while ${what}${said}.`);
  if (status === 408 || status === 504)
    return make('timeout', `${display} timed out (HTTP ${status}) while ${what}.`);
  if (status >= 500)
    return make('unreachable', `${display} is unavailable (HTTP ${status}) while ${what}${said}.`);
  return make('invalidConfig', `${display} rejected the request (HTTP ${status}) while ${what}${said}.`);
}
