import { createHash } from 'node:crypto';
import type { KubeObject } from '../selectors.ts';
import { isReady, type ControllerContext } from './context.ts';

const serviceNameLabel = 'kubernetes.io/service-name';
const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
const managedBy = 'endpointslice-controller.k8s.io';

/** The name of a Service's one EndpointSlice: the Service's name and a stable five-letter suffix. */
function sliceName(svc: KubeObject): string {
  const h = createHash('sha256')
    .update(svc.metadata.uid ?? svc.metadata.name)
    .digest('hex');
  return `${svc.metadata.name}-${h.slice(0, 5)}`;
}

/**
 * Keeps one `discovery.k8s.io/v1` EndpointSlice per selector Service beside its Endpoints: every selected
 * pod with its ready/serving/terminating conditions, node and target.
 */
export function syncEndpointSlice(
  ctx: ControllerContext,
  svc: KubeObject,
  selected: readonly KubeObject[],
  ports: readonly { name?: string; port: number; protocol: string }[],
): void {
  const ns = svc.metadata.namespace;
  const name = sliceName(svc);
  const endpoints = selected.map((p) => ({
    addresses: [p.status?.podIP ?? ''],
    conditions: { ready: isReady(p), serving: isReady(p), terminating: false },
    nodeName: p.spec.nodeName,
    targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
  }));
  const existing = ctx.store.get('endpointslices.discovery.k8s.io', ns, name);
  const body = { addressType: 'IPv4', endpoints, ports: ports.map((p) => ({ ...p })) };
  if (!existing) {
    ctx.store.create('endpointslices.discovery.k8s.io', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name,
        namespace: ns,
        generateName: `${svc.metadata.name}-`,
        labels: { [serviceNameLabel]: svc.metadata.name, [managedByLabel]: managedBy },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            name: svc.metadata.name,
            uid: svc.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      ...body,
    });
  } else if (
    JSON.stringify(existing.endpoints) !== JSON.stringify(body.endpoints) ||
    JSON.stringify(existing.ports) !== JSON.stringify(body.ports)
  ) {
    ctx.store.replace('endpointslices.discovery.k8s.io', { ...existing, ...body });
  }
}

/** Deletes the slices this controller made for Services that are gone or lost their selector. */
export function pruneEndpointSlices(
  ctx: ControllerContext,
  namespace: string,
  wanted: ReadonlySet<string>,
): void {
  for (const s of ctx.store.list('endpointslices.discovery.k8s.io', namespace)) {
    if (s.metadata.labels?.[managedByLabel] !== managedBy) continue;
    const svc = s.metadata.labels[serviceNameLabel];
    if (!wanted.has(`${namespace}/${svc}`))
      ctx.store.delete('endpointslices.discovery.k8s.io', namespace, s.metadata.name);
  }
}
