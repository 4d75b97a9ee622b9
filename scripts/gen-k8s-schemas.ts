/**
 * Generates src-main/sandbox/schema/k8s-definitions.json: the OpenAPI (swagger v2 style) definitions of the
 * built-in kinds the sandbox serves, from the `kubernetes-types` package (TypeScript declarations generated
 * from the Kubernetes OpenAPI document, with its descriptions). The list semantics the declarations do not
 * carry (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, patch strategy and merge key) come from
 * `listSemantics` below, which repeats the `+listType`/`+listMapKey`/`patchMergeKey` markers of the
 * Kubernetes API types for the lists a release touches.
 *
 * Run: `npx tsx scripts/gen-k8s-schemas.ts` (after changing the served kinds or the package version).
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'node_modules/kubernetes-types');
const out = join(root, 'src-main/sandbox/schema/k8s-definitions.json');

/** The kinds (group/version/kind) whose definitions are generated, with everything they reference. */
const roots = [
  ['core/v1', 'Namespace'],
  ['core/v1', 'Node'],
  ['core/v1', 'Pod'],
  ['core/v1', 'Service'],
  ['core/v1', 'Endpoints'],
  ['core/v1', 'Event'],
  ['core/v1', 'ConfigMap'],
  ['core/v1', 'Secret'],
  ['core/v1', 'ServiceAccount'],
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'ReplicaSet'],
  ['apps/v1', 'StatefulSet'],
  ['apps/v1', 'DaemonSet'],
  ['batch/v1', 'Job'],
  ['policy/v1', 'PodDisruptionBudget'],
  ['coordination/v1', 'Lease'],
  ['autoscaling/v1', 'Scale'],
  ['authorization/v1', 'SelfSubjectAccessReview'],
  ['meta/v1', 'Status'],
] as const;

/** Module path in kubernetes-types → OpenAPI definition prefix. */
function prefixOf(module: string): string {
  if (module === 'meta/v1') return 'io.k8s.apimachinery.pkg.apis.meta.v1';
  if (module === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (module === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  if (module === 'util/intstr') return 'io.k8s.apimachinery.pkg.util.intstr';
  if (module === 'version') return 'io.k8s.apimachinery.pkg.version';
  return `io.k8s.api.${module.replace('/', '.')}`;
}

/** The API group of a kubernetes-types module (`apps/v1` → apps, `core/v1` → ''). */
function groupOf(module: string): string {
  const g = module.split('/')[0]!;
  if (g === 'core' || g === 'meta') return '';
  if (g === 'rbac') return 'rbac.authorization.k8s.io';
  if (['authorization', 'authentication', 'coordination', 'networking', 'storage', 'discovery'].includes(g))
    return `${g}.k8s.io`;
  return g;
}

type Schema = Record<string, unknown>;
interface Decl {
  module: string;
  node: ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
  imports: Map<string, string>;
}

const decls = new Map<string, Decl>();
function load(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) load(p);
    else if (entry.name.endsWith('.d.ts') && entry.name !== 'index.d.ts') {
      const module = relative(pkg, p).replace(/\.d\.ts$/, '');
      const src = ts.createSourceFile(p, readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true);
      const imports = new Map<string, string>();
      for (const st of src.statements) {
        if (
          ts.isImportDeclaration(st) &&
          st.importClause?.namedBindings &&
          ts.isNamedImports(st.importClause.namedBindings)
        ) {
          const from = join(dirname(module), (st.moduleSpecifier as ts.StringLiteral).text).replace(
            /\\/g,
            '/',
          );
          for (const el of st.importClause.namedBindings.elements) imports.set(el.name.text, from);
        }
      }
      for (const st of src.statements) {
        if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st))
          decls.set(`${prefixOf(module)}.${st.name.text}`, { module, node: st, imports });
      }
    }
  }
}
load(pkg);

function docOf(node: ts.Node): string | undefined {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
  const text = docs?.map((d) => (typeof d.comment === 'string' ? d.comment : '')).join('\n');
  return text ? text.trim() : undefined;
}

/** List semantics by `definition.property`: [list type, map keys]. */
const listSemantics: Record<string, [string, string[]?]> = {
  'io.k8s.api.core.v1.PodSpec.containers': ['map', ['name']],
  'io.k8s.api.core.v1.PodSpec.initContainers': ['map', ['name']],
  'io.k8s.api.core.v1.PodSpec.ephemeralContainers': ['map', ['name']],
  'io.k8s.api.core.v1.PodSpec.volumes': ['map', ['name']],
  'io.k8s.api.core.v1.PodSpec.imagePullSecrets': ['map', ['name']],
  'io.k8s.api.core.v1.PodSpec.hostAliases': ['map', ['ip']],
  'io.k8s.api.core.v1.PodSpec.topologySpreadConstraints': ['map', ['topologyKey', 'whenUnsatisfiable']],
  'io.k8s.api.core.v1.PodSpec.resourceClaims': ['map', ['name']],
  'io.k8s.api.core.v1.PodSpec.schedulingGates': ['map', ['name']],
  'io.k8s.api.core.v1.Container.ports': ['map', ['containerPort', 'protocol']],
  'io.k8s.api.core.v1.Container.env': ['map', ['name']],
  'io.k8s.api.core.v1.Container.volumeMounts': ['map', ['mountPath']],
  'io.k8s.api.core.v1.Container.volumeDevices': ['map', ['devicePath']],
  'io.k8s.api.core.v1.EphemeralContainer.ports': ['map', ['containerPort', 'protocol']],
  'io.k8s.api.core.v1.EphemeralContainer.env': ['map', ['name']],
  'io.k8s.api.core.v1.EphemeralContainer.volumeMounts': ['map', ['mountPath']],
  'io.k8s.api.core.v1.ServiceSpec.ports': ['map', ['port', 'protocol']],
  'io.k8s.api.core.v1.ServiceSpec.clusterIPs': ['atomic'],
  'io.k8s.api.core.v1.PodStatus.conditions': ['map', ['type']],
  'io.k8s.api.core.v1.NodeStatus.conditions': ['map', ['type']],
  'io.k8s.api.core.v1.NodeStatus.addresses': ['map', ['type']],
  'io.k8s.api.core.v1.NamespaceStatus.conditions': ['map', ['type']],
  'io.k8s.api.apps.v1.DeploymentStatus.conditions': ['map', ['type']],
  'io.k8s.api.apps.v1.ReplicaSetStatus.conditions': ['map', ['type']],
  'io.k8s.api.apps.v1.StatefulSetStatus.conditions': ['map', ['type']],
  'io.k8s.api.apps.v1.DaemonSetStatus.conditions': ['map', ['type']],
  'io.k8s.api.batch.v1.JobStatus.conditions': ['atomic'],
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus.conditions': ['map', ['type']],
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.ownerReferences': ['map', ['uid']],
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.finalizers': ['set'],
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.managedFields': ['atomic'],
};

/** Patch strategies besides the list-maps' `merge` (`patchStrategy` markers): retainKeys drops the fields of a union's other members. */
const patchStrategies: Record<string, string> = {
  'io.k8s.api.apps.v1.DeploymentSpec.strategy': 'retainKeys',
  'io.k8s.api.core.v1.PodSpec.volumes': 'merge,retainKeys',
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.finalizers': 'merge',
};

/** Structs replaced whole by apply (`+structType=atomic`). */
const atomicStructs = new Set([
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  'io.k8s.api.core.v1.NodeSelector',
  'io.k8s.api.core.v1.LocalObjectReference',
  'io.k8s.api.core.v1.ConfigMapKeySelector',
  'io.k8s.api.core.v1.SecretKeySelector',
  'io.k8s.api.core.v1.ObjectFieldSelector',
  'io.k8s.api.core.v1.ResourceFieldSelector',
]);

const used = new Set<string>();
const definitions: Record<string, Schema> = {};

function ref(name: string): Schema {
  if (!used.has(name)) {
    used.add(name);
    definitions[name] = build(name);
  }
  return { $ref: `#/definitions/${name}` };
}

function resolve(typeName: string, decl: Decl): string {
  const from = decl.imports.get(typeName);
  return `${prefixOf(from ?? decl.module)}.${typeName}`;
}

function typeSchema(t: ts.TypeNode, decl: Decl): Schema {
  if (t.kind === ts.SyntaxKind.StringKeyword) return { type: 'string' };
  if (t.kind === ts.SyntaxKind.NumberKeyword) return { type: 'integer' };
  if (t.kind === ts.SyntaxKind.BooleanKeyword) return { type: 'boolean' };
  if (ts.isLiteralTypeNode(t)) return { type: 'string' };
  if (ts.isArrayTypeNode(t)) return { type: 'array', items: typeSchema(t.elementType, decl) };
  if (ts.isUnionTypeNode(t)) {
    const kinds = t.types.map((u) => u.kind);
    if (kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword))
      return { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true };
    return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (ts.isTypeLiteralNode(t)) {
    const index = t.members.find(ts.isIndexSignatureDeclaration);
    if (index?.type) return { type: 'object', additionalProperties: typeSchema(index.type, decl) };
    return { type: 'object' };
  }
  if (ts.isTypeReferenceNode(t)) {
    const name = t.typeName.getText();
    if (name === 'Array' && t.typeArguments?.[0])
      return { type: 'array', items: typeSchema(t.typeArguments[0], decl) };
    if (name === 'Record' && t.typeArguments?.[1])
      return { type: 'object', additionalProperties: typeSchema(t.typeArguments[1], decl) };
    return ref(resolve(name, decl));
  }
  return { 'x-kubernetes-preserve-unknown-fields': true };
}

function build(name: string): Schema {
  const decl = decls.get(name);
  if (!decl) throw new Error(`no declaration for ${name}`);
  const description = docOf(decl.node);
  const short = name.split('.').pop()!;
  if (short === 'Quantity')
    return { description, type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true };
  if (short === 'Time' || short === 'MicroTime') return { description, type: 'string', format: 'date-time' };
  if (short === 'RawExtension' || short === 'FieldsV1' || short === 'JSON')
    return { description, type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  if (ts.isTypeAliasDeclaration(decl.node)) return { description, ...typeSchema(decl.node.type, decl) };
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  let gvk: Schema | undefined;
  for (const m of decl.node.members) {
    if (!ts.isPropertySignature(m) || !m.type) continue;
    const prop = m.name.getText().replace(/^"|"$/g, '');
    let s = typeSchema(m.type, decl);
    if (s.$ref) s = { allOf: [s] };
    const doc = docOf(m);
    if (doc) s = { description: doc, ...s };
    const sem = listSemantics[`${name}.${prop}`];
    if (sem && s.type === 'array') {
      s['x-kubernetes-list-type'] = sem[0];
      if (sem[1]) {
        s['x-kubernetes-list-map-keys'] = sem[1];
        s['x-kubernetes-patch-merge-key'] = sem[1][0];
        s['x-kubernetes-patch-strategy'] = 'merge';
      }
    }
    const strategy = patchStrategies[`${name}.${prop}`];
    if (strategy) s['x-kubernetes-patch-strategy'] = strategy;
    properties[prop] = s;
    if (!m.questionToken) required.push(prop);
    if (prop === 'kind' && ts.isLiteralTypeNode(m.type)) {
      const [, version] = decl.module.split('/');
      gvk = { group: groupOf(decl.module), version, kind: (m.type.literal as ts.StringLiteral).text };
    }
  }
  return {
    ...(description ? { description } : {}),
    type: 'object',
    ...(atomicStructs.has(name) ? { 'x-kubernetes-map-type': 'atomic' } : {}),
    ...(required.length ? { required } : {}),
    properties,
    ...(gvk ? { 'x-kubernetes-group-version-kind': [gvk] } : {}),
  };
}

for (const [module, kind] of roots) ref(`${prefixOf(module)}.${kind}`);
const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : 1)));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ source: `kubernetes-types@${JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version}`, definitions: sorted })}\n`,
);
console.log(`${Object.keys(sorted).length} definitions → ${relative(root, out)}`);
