import type { ResourceType } from '../resources.ts';
import type { KubeObject } from '../selectors.ts';
import { ApiError, badRequest, invalid } from '../status.ts';
import { schemaOf } from './schemas.ts';
import { checkFields, type WrongType } from './validate.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The `fieldValidation` query parameter (the API server's default is Warn). */
export function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(
    `fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
  );
}

/** The manager a write is recorded under: `fieldManager`, else the user agent's program name, as the API server does. */
export function fieldManagerOf(q: URLSearchParams, userAgent: string): string {
  const m = q.get('fieldManager');
  if (m) {
    if (m.length > 128)
      throw invalid('PatchOptions', '', [
        { field: 'fieldManager', message: 'Too long: may not be longer than 128' },
      ]);
    return m;
  }
  return userAgent.split('/')[0]?.trim() || 'unknown';
}

/** A `Warning` header value (RFC 7234 warn-code 299, as the API server sends warnings). */
export function warningHeader(message: string): string {
  return `299 - ${JSON.stringify(message)}`;
}

function goValue(w: WrongType): string {
  return typeof w.value === 'number' && !Number.isInteger(w.value) ? `number ${w.value}` : w.got;
}

/**
 * Checks a written object against its kind's schema as the API server's decoder does: a value of the wrong
 * type is refused (400 for a built-in kind, with Go's decoding message; 422 for a custom kind, with the
 * structural schema's message); unknown fields are refused under Strict, and dropped from the object under Warn
 * (with a warning each) and Ignore; a built-in kind's required field left out is refused (422 Required value)
 * unless `partial` (an apply configuration, which names only the fields its manager owns). With `prev` (updates
 * and patches), only problems the write adds count, so an object stored before validation existed can still be
 * changed.
 */
export function checkWrite(
  type: ResourceType,
  version: string,
  obj: KubeObject,
  prev: KubeObject | undefined,
  mode: FieldValidation,
  warn: (message: string) => void,
  partial = false,
): void {
  const schema = schemaOf(type.group, version, type.kind);
  if (!schema) return;
  const found = checkFields(schema, obj, type.kind);
  const before = prev ? checkFields(schema, prev, type.kind) : undefined;
  const wrongType = found.wrongType.filter((w) => !before?.wrongType.some((b) => b.path === w.path));
  const unknown = found.unknown.filter((u) => !before?.unknown.includes(u));
  const custom = !['', 'apps', 'batch', 'policy', 'autoscaling', 'coordination.k8s.io'].includes(type.group);
  const handled = `${type.kind} in version "${version}" cannot be handled as a ${type.kind}`;
  if (wrongType.length > 0) {
    if (custom)
      throw invalid(
        `${type.kind}.${type.group}`,
        obj.metadata?.name ?? '',
        wrongType.map((w) => ({
          field: w.path,
          message: `Invalid value: "${w.got === 'bool' ? 'boolean' : w.got}": ${w.path} in body must be of type ${w.want}: "${w.got === 'bool' ? 'boolean' : w.got}"`,
        })),
      );
    const w = wrongType[0]!;
    throw badRequest(
      `${handled}: json: cannot unmarshal ${goValue(w)} into Go struct field ${w.struct}.${w.goPath} of type ${w.goType}`,
    );
  }
  const missing = found.missing.filter((m) => !before?.missing.includes(m));
  if (missing.length > 0 && !custom && !partial)
    throw invalid(
      type.kind,
      obj.metadata?.name ?? '',
      missing.map((field) => ({ field, message: 'Required value' })),
    );
  if (unknown.length > 0 && mode === 'Strict')
    throw new ApiError(
      400,
      'BadRequest',
      `${handled}: strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`,
    );
  if (mode === 'Warn') for (const u of unknown) warn(`unknown field "${u}"`);
  // Under Warn and Ignore the decoder (or a custom kind's pruning) drops what the schema does not declare.
  for (const { parent, key } of found.unknownAt) delete parent[key];
}
