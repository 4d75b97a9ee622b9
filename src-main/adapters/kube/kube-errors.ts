import { DomainError } from '../../../src-shared/bridge/errors.ts';
import type { ClusterErrorKind } from '../../ports/cluster.port.ts';
import { NETWORK_CODES } from '../http-transport.ts';

/** A cluster call's failure as a domain error (never a library exception). */
export class ClusterError extends DomainError {
  constructor(
    readonly clusterKind: ClusterErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(clusterKind, message);
    this.name = 'ClusterError';
  }
}

/** Maps whatever the client library threw to a `ClusterError`, keeping the API server's own message. */
export function toClusterError(error: unknown, context: string, what: string): ClusterError {
  if (error instanceof ClusterError) return error;
  const e = error as {
    code?: unknown;
    body?: unknown;
    message?: unknown;
    cause?: { code?: unknown };
    name?: unknown;
  };
  const status = typeof e.code === 'number' ? e.code : undefined;
  const serverMessage = statusMessage(e.body);
  if (status !== undefined) {
    const detail = serverMessage ? `: ${serverMessage}` : '';
    if (status === 401)
      return new ClusterError(
        'unauthorized',
        `Context "${context}" rejected our credentials while ${what}${detail}. Sign in again or check the kubeconfig user.`,
        status,
      );
    if (status === 403)
      return new ClusterError('forbidden', `Context "${context}" does not allow ${what}${detail}.`, status);
    if (status === 404)
      return new ClusterError('notFound', `Not found while ${what} on "${context}"${detail}.`, status);
    if (status === 409)
      return new ClusterError('conflict', `Conflict while ${what} on "${context}"${detail}.`, status);
    if (status === 408 || status === 504)
      return new ClusterError('timeout', `The API server of "${context}" timed out while ${what}.`, status);
    return new ClusterError(
      'unreachable',
      `The API server of "${context}" answered ${status} while ${what}${detail}.`,
      status,
    );
  }
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : '';
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return new ClusterError(
      'timeout',
      `The API server of "${context}" did not answer in time while ${what}.`,
    );
  }
  if (NETWORK_CODES.has(code)) {
    return new ClusterError(
      'unreachable',
      `Cannot reach the API server of "${context}" (${code}) while ${what}. Check the network, VPN or proxy.`,
    );
  }
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (/PEM|certificate|ERR_OSSL|DECODER/i.test(`${code} ${message}`)) {
    return new ClusterError(
      'invalidConfig',
      `The client certificate, key or CA of context "${context}" cannot be used (${message}). Check the kubeconfig entries for this context.`,
    );
  }
  return new ClusterError('unreachable', `Context "${context}" failed while ${what}: ${message}`);
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.length > 0 && body.length < 300 ? body : undefined;
    }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return undefined;
}
