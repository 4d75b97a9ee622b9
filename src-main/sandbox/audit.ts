/** One mutating API request the sandbox received (whether or not it succeeded). */
export interface SandboxWrite {
  /** `create`, `update`, `patch`, `delete` or `deletecollection`. */
  readonly verb: 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
  /** Plural resource, with the subresource when there is one (`deployments/scale`). */
  readonly resource: string;
  /** API group ('' for core). */
  readonly group: string;
  readonly namespace?: string;
  readonly name?: string;
  /** SHA-256 hex digest of the raw request body (the patch for a patch). */
  readonly digest: string;
  /** Request content type (tells a JSON patch from a merge or strategic merge patch). */
  readonly contentType?: string;
  readonly userAgent: string;
  /** Sandbox clock time of the request, ms since the epoch, and the same as RFC 3339. */
  readonly timeMs: number;
  readonly time: string;
  /** HTTP status code of the response. */
  readonly code: number;
}
