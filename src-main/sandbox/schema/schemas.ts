import k8s from './k8s-definitions.json' with { type: 'json' };
import { crdDefinitions } from './crd-schemas.ts';
import type { Schema } from './openapi-schema.ts';

/**
 * Every definition the sandbox publishes: the built-in kinds from the Kubernetes OpenAPI definitions (generated
 * by scripts/gen-k8s-schemas.ts from the kubernetes-types package) and the custom kinds' schemas.
 */
export const definitions: Readonly<Record<string, Schema>> = {
  ...(k8s.definitions as Record<string, Schema>),
  ...crdDefinitions,
};

const byGvk = new Map<string, string>();
for (const [name, s] of Object.entries(definitions))
  for (const g of s['x-kubernetes-group-version-kind'] ?? [])
    byGvk.set(`${g.group}/${g.version}/${g.kind}`, name);

/** The definition name of a kind (`io.k8s.api.apps.v1.Deployment`), or undefined when the sandbox has none. */
export function definitionFor(group: string, version: string, kind: string): string | undefined {
  return (
    byGvk.get(`${group}/${version}/${kind}`) ?? byGvk.get(`${group}/${kindVersionFallback(group)}/${kind}`)
  );
}

/** Custom kinds are described once, by their stored version. */
function kindVersionFallback(group: string): string {
  return group === 'networking.istio.io' ? 'v1beta1' : '';
}

/** Follows `$ref` and single-element `allOf` to the schema that describes the value. */
export function deref(s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur && i < 8; i++) {
    if (cur.$ref) cur = definitions[cur.$ref.slice(cur.$ref.lastIndexOf('/') + 1)];
    else if (cur.allOf?.length === 1 && !cur.properties && !cur.type) cur = cur.allOf[0];
    else return cur;
  }
  return cur;
}

/** The schema of a kind's object, or undefined (the sandbox then takes any fields). */
export function schemaOf(group: string, version: string, kind: string): Schema | undefined {
  const name = definitionFor(group, version, kind);
  return name ? definitions[name] : undefined;
}
