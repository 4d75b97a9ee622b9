/** A Kubernetes `Status` failure as the API server sends it. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message: string; field?: string }[];
    /** Seconds a client should wait before retrying (504 and 429 answers). */
    retryAfterSeconds?: number;
  };
  code: number;
}

/** An error the API server turns into a `Status` response with the HTTP `code`. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusBody['details'],
  ) {
    super(message);
  }

  /** The `Status` object sent as the response body. */
  toStatus(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

function qualified(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

/** 404 for a named object, worded like the API server (`deployments.apps "x" not found`). */
export function notFound(group: string, plural: string, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(group, plural)} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });
}

/** 409 for a create of an existing name. */
export function alreadyExists(group: string, plural: string, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(group, plural)} "${name}" already exists`, {
    name,
    group,
    kind: plural,
  });
}

/** 409 for an update carrying a stale `resourceVersion`. */
export function conflict(group: string, plural: string, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(group, plural)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: plural },
  );
}

/** 400 for a request body or query the server cannot use. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 422 for an object that fails validation. */
export function invalid(kind: string, name: string, causes: { field: string; message: string }[]): ApiError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${text}`, {
    name,
    kind,
    causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}
