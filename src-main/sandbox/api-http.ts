import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { KubeObject, LabelSelector } from './selectors.ts';
import { ApiError, badRequest } from './status.ts';
import { warningHeader } from './schema/field-validation.ts';
import type { Route } from './api-routes.ts';

/** Largest request body accepted, as the real API server (3 MiB). */
const maxBodyBytes = 3 * 1024 * 1024;

/** Go's strconv.ParseBool, which the API server uses for `watch` and other boolean query parameters. */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw badRequest(`invalid value for ${name}: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

export const serialized = new WeakMap<KubeObject, string>();
export function ser(o: KubeObject): string {
  let s = serialized.get(o);
  if (s === undefined) {
    s = JSON.stringify(o);
    serialized.set(o, s);
  }
  return s;
}

export function send(
  res: ServerResponse,
  code: number,
  body: unknown,
  warnings: readonly string[] = [],
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, {
    ...(warnings.length > 0 ? { warning: warnings.map(warningHeader).join(', ') } : {}),
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e =
    err instanceof ApiError
      ? err
      : new ApiError(
          500,
          'InternalError',
          `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
        );
  if (!res.headersSent) send(res, e.code, e.toStatus());
  else res.end();
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes)
      throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${maxBodyBytes}`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Deepest nesting of objects and arrays accepted in a body. The API server's decoder stops at 10,000; the
 * sandbox's recursive handling (clone, merge, serialise) stops earlier, so it refuses deeper bodies first.
 */
export const maxBodyDepth = 1000;

/** Throws a 400 when `value` nests deeper than `maxBodyDepth` (walked without recursion). */
function checkDepth(value: unknown): unknown {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxBodyDepth)
      throw badRequest(
        `the object provided is unrecognized: json: exceeded max depth ${maxBodyDepth} (nested objects and lists)`,
      );
    for (const child of Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return value;
}

export function parseJson(raw: Buffer): unknown {
  try {
    return checkDepth(JSON.parse(raw.toString('utf8')));
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw badRequest(
      `the object provided is unrecognized: couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {
    causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }],
  });
}

export function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );
}

export function decodeBody(raw: Buffer, contentType: string): unknown {
  if (raw.length === 0)
    throw badRequest(
      "the object provided is unrecognized: couldn't get version/kind; json parse error: unexpected end of JSON input",
    );
  if (contentType.includes('yaml')) {
    try {
      return checkDepth(parseYaml(raw.toString('utf8')));
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw badRequest(`error converting YAML to JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return parseJson(raw);
}

export function asObject(v: unknown, route: Route): KubeObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw badRequest("the object provided is unrecognized: Object 'Kind' is missing");
  const o = v as KubeObject;
  const want = route.sub === 'scale' ? 'Scale' : route.type.kind;
  if (o.kind !== undefined && o.kind !== want)
    throw badRequest(`the object provided is unrecognized (kind ${String(o.kind)}, expected ${want})`);
  if (o.metadata === undefined || typeof o.metadata !== 'object') o.metadata = { name: '' };
  return o;
}

export function nameIn(raw: Buffer): string | undefined {
  try {
    const name = (JSON.parse(raw.toString('utf8')) as { metadata?: { name?: unknown } }).metadata?.name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

export function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** A label selector object written as the query-string form (`app=web,tier in (a,b)`). */
export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
