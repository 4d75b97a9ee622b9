import type { KubeObject } from './selectors.ts';

type Column = {
  name: string;
  type: string;
  priority?: number;
  cell: (o: KubeObject, now: number) => string | number;
};

/** A duration in kubectl's short form (`45s`, `12m`, `3h4m`, `5d`). */
export function shortAge(ms: number): string {
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
        return list.length === 0
          ? '<none>'
          : list.length > 3
            ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...`
            : list.join(',');
      },
    },
    age,
  ],
  Namespace: [name, { name: 'Status', type: 'string', cell: (n) => n.status?.phase ?? 'Active' }, age],
  Node: [
    name,
    { name: 'Status', type: 'string', cell: () => 'Ready' },
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
