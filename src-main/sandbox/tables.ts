import type { KubeObject } from './selectors.ts';

type Column = {
  name: string;
  type: string;
  priority?: number;
  cell: (o: KubeObject, now: number) => string | number;
};

/** A duration in kubectl's short form (`45s`, `12m`, `3h4m`, `5d`). */
function shortAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 && h < 8 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

const age: Column = {
  name: 'Age',
  type: 'string',
  cell: (o, now) => shortAge(now - Date.parse(o.metadata.creationTimestamp ?? '')),
};
const name: Column = { name: 'Name', type: 'string', cell: (o) => o.metadata.name };

/** An address list as kubectl prints it: the first three, then `+ N more...`; `none` when empty. */
function addressesCell(list: string[], none: string): string {
  if (list.length === 0) return none;
  return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',');
}

function podStatus(p: KubeObject): string {
  const waiting = p.status?.containerStatuses?.find(
    (c: { state?: { waiting?: { reason?: string } } }) => c.state?.waiting?.reason,
  )?.state.waiting.reason;
  const terminated = p.status?.containerStatuses?.find(
    (c: { state?: { terminated?: { reason?: string } } }) => c.state?.terminated,
  )?.state.terminated.reason;
  return waiting ?? terminated ?? p.status?.phase ?? 'Pending';
}

const columns: Record<string, Column[]> = {
  Pod: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (p) =>
        `${(p.status?.containerStatuses ?? []).filter((c: { ready: boolean }) => c.ready).length}/${p.spec?.containers?.length ?? 0}`,
    },
    { name: 'Status', type: 'string', cell: podStatus },
    {
      name: 'Restarts',
      type: 'string',
      cell: (p) =>
        String(
          (p.status?.containerStatuses ?? []).reduce(
            (n: number, c: { restartCount?: number }) => n + (c.restartCount ?? 0),
            0,
          ),
        ),
    },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (p) => p.status?.podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (p) => p.spec?.nodeName ?? '<none>' },
  ],
  Deployment: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
    },
    { name: 'Up-to-date', type: 'integer', cell: (d) => d.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (d) => d.status?.availableReplicas ?? 0 },
    age,
    {
      name: 'Containers',
      type: 'string',
      priority: 1,
      cell: (d) => (d.spec?.template?.spec?.containers ?? []).map((c: { name: string }) => c.name).join(','),
    },
    {
      name: 'Images',
      type: 'string',
      priority: 1,
      cell: (d) =>
        (d.spec?.template?.spec?.containers ?? []).map((c: { image: string }) => c.image).join(','),
    },
  ],
  ReplicaSet: [
    name,
    { name: 'Desired', type: 'integer', cell: (r) => r.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (r) => r.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (r) => r.status?.readyReplicas ?? 0 },
    age,
  ],
  Service: [
    name,
    { name: 'Type', type: 'string', cell: (s) => s.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', cell: (s) => s.spec?.clusterIP ?? '<none>' },
    { name: 'External-IP', type: 'string', cell: () => '<none>' },
    {
      name: 'Port(s)',
      type: 'string',
      cell: (s) =>
        (s.spec?.ports ?? [])
          .map((p: { port: number; protocol?: string }) => `${p.port}/${p.protocol ?? 'TCP'}`)
          .join(','),
    },
    age,
  ],
  Endpoints: [
    name,
    {
      name: 'Endpoints',
      type: 'string',
      cell: (e) => {
        const list = (
          (e.subsets as { addresses?: { ip: string }[]; ports?: { port: number }[] }[] | undefined) ?? []
        ).flatMap((s: { addresses?: { ip: string }[]; ports?: { port: number }[] }) =>
          (s.addresses ?? []).map((a) => `${a.ip}:${s.ports?.[0]?.port ?? ''}`),
        );
        return addressesCell(list, '<none>');
      },
    },
    age,
  ],
  Namespace: [name, { name: 'Status', type: 'string', cell: (n) => n.status?.phase ?? 'Active' }, age],
  Node: [
    name,
    {
      name: 'Status',
      type: 'string',
      cell: (n) => (n.spec?.unschedulable ? 'Ready,SchedulingDisabled' : 'Ready'),
    },
    { name: 'Roles', type: 'string', cell: () => '<none>' },
    age,
    { name: 'Version', type: 'string', cell: (n) => n.status?.nodeInfo?.kubeletVersion ?? '' },
  ],
  Job: [
    name,
    {
      name: 'Status',
      type: 'string',
      cell: (j) =>
        (j.status?.conditions ?? []).find((c: { status: string }) => c.status === 'True')?.type ?? 'Running',
    },
    {
      name: 'Completions',
      type: 'string',
      cell: (j) => `${j.status?.succeeded ?? 0}/${j.spec?.completions ?? 1}`,
    },
    age,
  ],
  PodDisruptionBudget: [
    name,
    { name: 'Min Available', type: 'string', cell: (p) => String(p.spec?.minAvailable ?? 'N/A') },
    { name: 'Max Unavailable', type: 'string', cell: (p) => String(p.spec?.maxUnavailable ?? 'N/A') },
    { name: 'Allowed Disruptions', type: 'integer', cell: (p) => p.status?.disruptionsAllowed ?? 0 },
    age,
  ],
  FeatureFlag: [
    name,
    {
      name: 'Flags',
      type: 'string',
      cell: (f) => Object.keys(f.spec?.flagSpec?.flags ?? {}).join(',') || '<none>',
    },
    age,
  ],
  Lease: [name, { name: 'Holder', type: 'string', cell: (l) => String(l.spec?.holderIdentity ?? '') }, age],
  Event: [
    {
      name: 'Last Seen',
      type: 'string',
      cell: (e, now) => shortAge(now - Date.parse(String(e.lastTimestamp ?? e.metadata.creationTimestamp))),
    },
    { name: 'Type', type: 'string', cell: (e) => String(e.type ?? '') },
    { name: 'Reason', type: 'string', cell: (e) => String(e.reason ?? '') },
    {
      name: 'Object',
      type: 'string',
      cell: (e) => {
        const i = e.involvedObject as { kind?: string; name?: string } | undefined;
        return `${String(i?.kind ?? '').toLowerCase()}/${i?.name ?? ''}`;
      },
    },
    { name: 'Message', type: 'string', cell: (e) => String(e.message ?? '') },
  ],
};

const createdAt: Column = {
  name: 'Created At',
  type: 'date',
  cell: (o) => String(o.metadata.creationTimestamp ?? ''),
};
const count = (v: unknown): number => (v && typeof v === 'object' ? Object.keys(v).length : 0);
const roleOf: Column = {
  name: 'Role',
  type: 'string',
  cell: (b) => {
    const r = b.roleRef as { kind?: string; name?: string } | undefined;
    return `${r?.kind ?? ''}/${r?.name ?? ''}`;
  },
};
const statusCounts = (ready: (o: KubeObject) => string | number): Column => ({
  name: 'Ready',
  type: 'string',
  cell: ready,
});

Object.assign(columns, {
  Secret: [
    name,
    { name: 'Type', type: 'string', cell: (s: KubeObject) => String(s.type ?? 'Opaque') },
    { name: 'Data', type: 'string', cell: (s: KubeObject) => count(s.data) + count(s.stringData) },
    age,
  ],
  ServiceAccount: [
    name,
    {
      name: 'Secrets',
      type: 'string',
      cell: (s: KubeObject) => (s.secrets as unknown[] | undefined)?.length ?? 0,
    },
    age,
  ],
  ReplicationController: columns.ReplicaSet!,
  StatefulSet: [name, statusCounts((s) => `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1}`), age],
  DaemonSet: [
    name,
    { name: 'Desired', type: 'integer', cell: (d: KubeObject) => d.status?.desiredNumberScheduled ?? 0 },
    { name: 'Current', type: 'integer', cell: (d: KubeObject) => d.status?.currentNumberScheduled ?? 0 },
    { name: 'Ready', type: 'integer', cell: (d: KubeObject) => d.status?.numberReady ?? 0 },
    { name: 'Up-to-date', type: 'integer', cell: (d: KubeObject) => d.status?.updatedNumberScheduled ?? 0 },
    { name: 'Available', type: 'integer', cell: (d: KubeObject) => d.status?.numberAvailable ?? 0 },
    {
      name: 'Node Selector',
      type: 'string',
      cell: (d: KubeObject) =>
        Object.entries((d.spec?.template?.spec?.nodeSelector as Record<string, string> | undefined) ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '<none>',
    },
    age,
  ],
  HorizontalPodAutoscaler: [
    name,
    {
      name: 'Reference',
      type: 'string',
      cell: (h: KubeObject) => `${h.spec?.scaleTargetRef?.kind ?? ''}/${h.spec?.scaleTargetRef?.name ?? ''}`,
    },
    {
      name: 'Targets',
      type: 'string',
      cell: (h: KubeObject) => {
        const target = (h.spec?.metrics ?? []).find(
          (m: { resource?: { name?: string } }) => m.resource?.name === 'cpu',
        )?.resource?.target?.averageUtilization;
        const current = (h.status?.currentMetrics ?? []).find(
          (m: { resource?: { name?: string } }) => m.resource?.name === 'cpu',
        )?.resource?.current?.averageUtilization;
        return target === undefined
          ? '<none>'
          : `cpu: ${current === undefined ? '<unknown>' : `${current}%`}/${target}%`;
      },
    },
    { name: 'MinPods', type: 'integer', cell: (h: KubeObject) => h.spec?.minReplicas ?? 1 },
    { name: 'MaxPods', type: 'integer', cell: (h: KubeObject) => h.spec?.maxReplicas ?? 0 },
    { name: 'Replicas', type: 'integer', cell: (h: KubeObject) => h.status?.currentReplicas ?? 0 },
    age,
  ],
  Ingress: [
    name,
    { name: 'Class', type: 'string', cell: (i: KubeObject) => i.spec?.ingressClassName ?? '<none>' },
    {
      name: 'Hosts',
      type: 'string',
      cell: (i: KubeObject) =>
        (i.spec?.rules ?? []).map((r: { host?: string }) => r.host ?? '*').join(',') || '*',
    },
    { name: 'Address', type: 'string', cell: () => '' },
    {
      name: 'Ports',
      type: 'string',
      cell: (i: KubeObject) => ((i.spec?.tls ?? []).length > 0 ? '80, 443' : '80'),
    },
    age,
  ],
  EndpointSlice: [
    name,
    { name: 'AddressType', type: 'string', cell: (e: KubeObject) => String(e.addressType ?? 'IPv4') },
    {
      name: 'Ports',
      type: 'string',
      cell: (e: KubeObject) =>
        ((e.ports as { port?: number }[] | undefined) ?? []).map((p) => p.port).join(',') || '<unset>',
    },
    {
      name: 'Endpoints',
      type: 'string',
      cell: (e: KubeObject) => {
        const ips = ((e.endpoints as { addresses?: string[] }[] | undefined) ?? []).flatMap(
          (x) => x.addresses ?? [],
        );
        return addressesCell(ips, '<unset>');
      },
    },
    age,
  ],
  Role: [name, createdAt],
  ClusterRole: [name, createdAt],
  RoleBinding: [name, roleOf, age],
  ClusterRoleBinding: [name, roleOf, age],
  CustomResourceDefinition: [name, createdAt],
  Gateway: [
    name,
    { name: 'Class', type: 'string', cell: (g: KubeObject) => g.spec?.gatewayClassName ?? '' },
    {
      name: 'Address',
      type: 'string',
      cell: (g: KubeObject) => g.status?.addresses?.[0]?.value ?? '',
    },
    {
      name: 'Programmed',
      type: 'string',
      cell: (g: KubeObject) =>
        (g.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Programmed')?.status ??
        'Unknown',
    },
    age,
  ],
} satisfies Record<string, Column[]>);

/** True when the request's Accept header asks for a meta.k8s.io Table (as kubectl get does). */
export function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? '');
}

/**
 * A `meta.k8s.io/v1` Table of objects of `kind`, with the columns kubectl shows for built-in kinds
 * (Name and Age for the others). Ages are on the sandbox clock (`now`, ms). Each row carries the
 * object's metadata, or the whole object when `includeObject=Object`.
 */
export function toTable(
  kind: string,
  objects: readonly KubeObject[],
  now: number,
  resourceVersion: string,
  includeObject: string | null,
  continueToken?: string,
): unknown {
  const cols = columns[kind] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...(continueToken ? { continue: continueToken } : {}) },
    columnDefinitions: cols.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.name === 'Name' ? 'name' : '',
      description: c.name,
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => ({
      cells: cols.map((c) => c.cell(o, now)),
      object:
        includeObject === 'Object'
          ? o
          : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
