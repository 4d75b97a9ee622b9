import { resourceTypes } from '../resources.ts';
import type { Schema } from './openapi-schema.ts';
import { definitionFor, definitions } from './schemas.ts';

/** The definitions a set of roots reaches through `$ref`, with refs rewritten to `prefix` (v2 or v3 style). */
function closure(roots: readonly string[], prefix: string): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const todo = [...roots];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (out[name] || !definitions[name]) continue;
    const text = JSON.stringify(definitions[name]).replace(
      /"#\/definitions\/([^"]+)"/g,
      (_m, ref: string) => {
        todo.push(ref);
        return JSON.stringify(`${prefix}${ref}`);
      },
    );
    out[name] = JSON.parse(text) as Schema;
  }
  return out;
}

function kindRoots(group?: string, version?: string): string[] {
  const names = resourceTypes
    .filter(
      (r) =>
        (group === undefined || r.group === group) && (version === undefined || r.versions.includes(version)),
    )
    .flatMap((r) => (version ? [version] : r.versions).map((v) => definitionFor(r.group, v, r.kind)))
    .filter((n): n is string => n !== undefined);
  return [...names, 'io.k8s.apimachinery.pkg.apis.meta.v1.Status', 'io.k8s.api.autoscaling.v1.Scale'];
}

let v2: unknown;
/** `/openapi/v2`: the swagger document (JSON) with every served kind's definitions, for kubectl and other clients. */
export function openApiV2(): unknown {
  v2 ??= {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.31.0' },
    paths: {},
    definitions: closure(kindRoots(), '#/definitions/'),
  };
  return v2;
}

const v3 = new Map<string, unknown>();
/**
 * Fills a group/version's OpenAPI v3 document (from openapi.ts) with the schemas of its kinds, so
 * `kubectl explain` and clients that read v3 see real fields and descriptions. The root listing passes through.
 */
export function openApiV3Schemas(doc: unknown): unknown {
  const d = doc as { openapi?: string; info?: { version?: string }; components?: { schemas?: object } };
  if (!d.openapi || !d.info?.version) return doc;
  const gv = d.info.version;
  let cached = v3.get(gv);
  if (!cached) {
    const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
    cached = { ...d, components: { schemas: closure(kindRoots(group, version), '#/components/schemas/') } };
    v3.set(gv, cached);
  }
  return cached;
}
