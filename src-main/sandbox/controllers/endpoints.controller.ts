import type { KubeObject } from '../selectors.ts';
import { matchesMap } from '../selectors.ts';
import { isActive, isReady, type ControllerContext } from './context.ts';
import { syncDisruptionBudgets } from './disruption.controller.ts';
import { pruneEndpointSlices, syncEndpointSlice } from './endpointslice.controller.ts';

const managedBy = 'endpoints.kubernetes.io/managed-by';

function address(pod: KubeObject): unknown {
  return {
    ip: pod.status?.podIP ?? '',
    nodeName: pod.spec.nodeName,
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
    },
  };
}

function targetPort(
  svcPort: { port: number; targetPort?: number | string },
  pod: KubeObject | undefined,
): number {
  if (typeof svcPort.targetPort === 'number') return svcPort.targetPort;
  for (const c of pod?.spec.containers ?? [])
    for (const p of c.ports ?? []) if (p.name === svcPort.targetPort) return p.containerPort;
  return svcPort.port;
}

/** Keeps an Endpoints object per selector Service: ready pods as addresses, the others as notReadyAddresses. */
export function runEndpoints(ctx: ControllerContext): void {
  const namespaces = [...ctx.work.dirtyNamespaces];
  ctx.work.dirtyNamespaces.clear();
  for (const ns of namespaces) {
    syncNamespace(ctx, ns);
    syncDisruptionBudgets(ctx, ns);
  }
}

function syncNamespace(ctx: ControllerContext, namespace: string): void {
  const index = new Map<string, KubeObject[]>();
  for (const p of ctx.store.list('pods', namespace)) {
    if (!isActive(p) || !p.status?.podIP) continue;
    for (const k of [
      `${p.metadata.namespace}`,
      `${p.metadata.namespace}\u0000${p.metadata.labels?.app ?? ''}`,
    ]) {
      let list = index.get(k);
      if (!list) index.set(k, (list = []));
      list.push(p);
    }
  }
  const services = ctx.store.list('services', namespace);
  const wanted = new Set<string>();
  for (const svc of services) {
    if (!svc.spec?.selector || Object.keys(svc.spec.selector).length === 0) continue;
    const ns = svc.metadata.namespace;
    wanted.add(`${ns}/${svc.metadata.name}`);
    const app = svc.spec.selector.app as string | undefined;
    const candidates = index.get(app !== undefined ? `${ns}\u0000${app}` : `${ns}`) ?? [];
    const selected = candidates
      .filter((p) => matchesMap(svc.spec.selector, p.metadata.labels))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const ready = selected.filter(isReady);
    const notReady = selected.filter((p) => !isReady(p));
    const ports = (svc.spec.ports ?? []).map(
      (p: { name?: string; port: number; protocol?: string; targetPort?: number | string }) => ({
        ...(p.name ? { name: p.name } : {}),
        port: targetPort(p, selected[0]),
        protocol: p.protocol ?? 'TCP',
      }),
    );
    const subsets =
      selected.length === 0
        ? undefined
        : [
            {
              ...(ready.length ? { addresses: ready.map(address) } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady.map(address) } : {}),
              ports,
            },
          ];
    syncEndpointSlice(ctx, svc, selected, ports);
    const existing = ctx.store.get('endpoints', ns, svc.metadata.name);
    if (!existing) {
      ctx.store.create('endpoints', {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: {
          name: svc.metadata.name,
          namespace: ns,
          labels: { ...svc.metadata.labels },
          annotations: { [managedBy]: 'sandbox-endpoints-controller' },
        },
        ...(subsets ? { subsets } : {}),
      });
    } else if (JSON.stringify(existing.subsets) !== JSON.stringify(subsets)) {
      const { subsets: _old, ...rest } = existing;
      ctx.store.replace('endpoints', {
        ...rest,
        metadata: existing.metadata,
        ...(subsets ? { subsets } : {}),
      });
    }
  }
  pruneEndpointSlices(ctx, namespace, wanted);
  for (const ep of ctx.store.list('endpoints', namespace)) {
    if (ep.metadata.annotations?.[managedBy] && !wanted.has(`${ep.metadata.namespace}/${ep.metadata.name}`))
      ctx.store.delete('endpoints', ep.metadata.namespace, ep.metadata.name);
  }
}
