import { createHash } from 'node:crypto';
import { apiVersionOf, resourceTypes, type ResourceType } from './resources.ts';

/** Changes when the served schemas change, so clients that cache documents by hash (kubectl) fetch them anew. */
const SCHEMA_REVISION = 'k8s-1.30-schemas';

function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of resourceTypes)
    for (const v of r.versions) seen.set(gvPath(r.group, v), { group: r.group, version: v });
  return [...seen.values()];
}

const fieldValidation = {
  name: 'fieldValidation',
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
};
const patchContent = Object.fromEntries(
  ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'].map((t) => [
    t,
    { schema: { type: 'object' } },
  ]),
);

function operations(r: ResourceType, version: string): Record<string, unknown> {
  const gvk = { group: r.group, version, kind: r.kind };
  const base = `/${gvPath(r.group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
  const op = (action: string, extra: object = {}) => ({
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    parameters: [fieldValidation],
    responses: { '200': { description: 'OK' } },
    ...extra,
  });
  return {
    [base]: { get: op('list'), post: op('post') },
    [`${base}/{name}`]: {
      get: op('get'),
      put: op('put'),
      patch: op('patch', { requestBody: { content: patchContent } }),
      delete: op('delete'),
    },
  };
}

/**
 * The OpenAPI v3 discovery kubectl reads before `apply`: a root listing each group/version, and per
 * group/version the paths with their group-version-kind and the `fieldValidation` parameter (so
 * kubectl leaves validation to the server). Strategic merge patch is not advertised, so kubectl
 * falls back to its built-in types or to JSON merge patch. Returns undefined for an unknown path.
 */
export function openApiV3(path: string): unknown {
  if (path === '/openapi/v3') {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const { group, version } of groupVersions()) {
      const p = gvPath(group, version);
      paths[p] = {
        serverRelativeURL: `/openapi/v3/${p}?hash=${createHash('sha256').update(`${p}@${SCHEMA_REVISION}`).digest('hex').slice(0, 32).toUpperCase()}`,
      };
    }
    return { paths };
  }
  const gv = groupVersions().find(({ group, version }) => path === `/openapi/v3/${gvPath(group, version)}`);
  if (!gv) return undefined;
  const paths = Object.assign(
    {},
    ...resourceTypes
      .filter((r) => r.group === gv.group && r.versions.includes(gv.version) && !r.virtual)
      .map((r) => operations(r, gv.version)),
  );
  return {
    openapi: '3.0.0',
    info: { title: 'Switchyard sandbox', version: apiVersionOf(gv.group, gv.version) },
    paths,
    components: { schemas: {} },
  };
}
