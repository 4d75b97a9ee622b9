import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { ProfileRule } from './profiles.ts';
import type { KubeObject } from './selectors.ts';
import type { TrafficSource } from './traffic-routing.ts';

/** A sandbox scenario: objects to create, behaviour profiles, traffic sources and generated bulk workloads. */
export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly profiles: ProfileRule[];
  /**
   * A small image registry: for each image repository name (last path segment, e.g. `workflow-engine`) the
   * tags that exist. A pod asking for another tag of a listed repository fails to pull; unlisted
   * repositories pull any tag.
   */
  readonly registry?: Readonly<Record<string, readonly string[]>>;
  readonly traffic: TrafficSource[];
  readonly objects: KubeObject[];
  /** Bulk Deployments: `namespaces` × `deploymentsPerNamespace`, each with `replicas` pods. */
  readonly generate?: {
    namespaces: number;
    deploymentsPerNamespace: number;
    replicas: number;
    namespacePrefix?: string;
    imageRegistry?: string;
    version?: string;
  };
}

/** Folder of the built-in scenario files (`reference.yaml`, `large.yaml`, `huge.yaml`, `flags.yaml`). */
export const scenarioDir = fileURLToPath(new URL('../../resources/scenarios/', import.meta.url));

/**
 * Loads a scenario by built-in name (`reference`, `large`, `huge`, `flags`) or file path (YAML or JSON).
 * Throws an Error with a plain sentence when the file is missing or malformed.
 */
export function loadScenario(nameOrPath = 'reference'): Scenario {
  const builtIn = `${scenarioDir}${nameOrPath}.yaml`;
  const file = /^[a-z0-9-]+$/.test(nameOrPath) && existsSync(builtIn) ? builtIn : nameOrPath;
  if (!existsSync(file))
    throw new Error(
      `Scenario "${nameOrPath}" is neither a built-in scenario (reference, large, huge, flags) nor a file that exists.`,
    );
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(
      `Scenario file ${file} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!doc || typeof doc !== 'object')
    throw new Error(`Scenario file ${file} does not hold a scenario object.`);
  const d = doc as Partial<Scenario>;
  const objects = (d.objects ?? []).filter((o) => o && typeof o === 'object');
  for (const o of objects) {
    if (!o.apiVersion || !o.kind || !o.metadata?.name)
      throw new Error(`Scenario file ${file} has an object without apiVersion, kind or metadata.name.`);
  }
  return {
    name: d.name ?? nameOrPath,
    description: d.description,
    profiles: d.profiles ?? [],
    ...(d.registry && typeof d.registry === 'object' ? { registry: d.registry } : {}),
    traffic: (d.traffic ?? []).map((t) => ({ ...t })),
    objects,
    ...(d.generate ? { generate: d.generate } : {}),
  };
}

/** The objects of a scenario's `generate` block: namespaces and Deployments. */
export function generatedObjects(g: NonNullable<Scenario['generate']>): KubeObject[] {
  const out: KubeObject[] = [];
  const prefix = g.namespacePrefix ?? 'bulk';
  let n = 0;
  for (let i = 0; i < g.namespaces; i++) {
    const ns = `${prefix}-${String(i).padStart(2, '0')}`;
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (let j = 0; j < g.deploymentsPerNamespace; j++) {
      const name = `svc-${String(n++).padStart(4, '0')}`;
      out.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ns, labels: { app: name } },
        spec: {
          replicas: g.replicas,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name, version: 'stable' } },
            spec: {
              containers: [
                {
                  name,
                  image: `${g.imageRegistry ?? 'registry.platform.com'}/${name}:${g.version ?? 'v1.0.0'}`,
                  ports: [{ name: 'http', containerPort: 8080 }],
                },
              ],
            },
          },
        },
      });
    }
  }
  return out;
}
