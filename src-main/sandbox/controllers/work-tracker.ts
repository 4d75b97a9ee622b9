import type { KubeObject } from '../selectors.ts';
import type { ObjectStore, StoreEvent } from '../store.ts';

interface Ref {
  key: string;
  ns: string | undefined;
  name: string;
}

/** Object kinds the controllers reconcile, by store key. */
const kinds = {
  pods: 'pods',
  'replicasets.apps': 'replicasets',
  'deployments.apps': 'deployments',
  'jobs.batch': 'jobs',
} as const;
type Kind = (typeof kinds)[keyof typeof kinds];

/**
 * What the controllers need to look at on the next tick: objects that changed (from the store's
 * change feed) plus objects a controller asked to see again because time matters to them (a pod
 * starting, a ReplicaSet waiting out minReadySeconds, a rollout against its deadline). Also keeps
 * an owner → children index so no controller scans every pod.
 */
export class WorkTracker {
  private readonly refs = new Map<string, Ref>();
  private readonly children = new Map<string, Map<string, Ref>>();
  private readonly dirty: Record<Kind, Set<string>> = {
    pods: new Set(),
    replicasets: new Set(),
    deployments: new Set(),
    jobs: new Set(),
  };
  private readonly waiting: Record<Kind, Set<string>> = {
    pods: new Set(),
    replicasets: new Set(),
    deployments: new Set(),
    jobs: new Set(),
  };
  /** Namespaces whose pods or services changed (for the endpoints controller). */
  readonly dirtyNamespaces = new Set<string>();
  /** Uids of pods deleted since the kubelet last looked. */
  readonly deletedPods: string[] = [];

  constructor(private readonly store: ObjectStore) {
    store.subscribe((e) => this.onChange(e));
  }

  private onChange(e: StoreEvent): void {
    const ns = e.object.metadata.namespace;
    if (e.key === 'services' || e.key === 'poddisruptionbudgets.policy') {
      if (ns) this.dirtyNamespaces.add(ns);
      return;
    }
    const kind = kinds[e.key as keyof typeof kinds];
    if (!kind) return;
    const uid = e.object.metadata.uid ?? '';
    const ref: Ref = { key: e.key, ns, name: e.object.metadata.name };
    const owner = e.object.metadata.ownerReferences?.find((r) => r.controller);
    if (e.type === 'DELETED') {
      this.refs.delete(uid);
      this.dirty[kind].delete(uid);
      this.waiting[kind].delete(uid);
      if (owner) this.children.get(owner.uid)?.delete(uid);
      if (kind === 'pods') this.deletedPods.push(uid);
    } else {
      this.refs.set(uid, ref);
      this.dirty[kind].add(uid);
      if (owner) {
        let m = this.children.get(owner.uid);
        if (!m) this.children.set(owner.uid, (m = new Map()));
        m.set(uid, ref);
      }
    }
    if (owner) {
      const ownerKind =
        owner.kind === 'ReplicaSet'
          ? 'replicasets'
          : owner.kind === 'Deployment'
            ? 'deployments'
            : owner.kind === 'Job'
              ? 'jobs'
              : undefined;
      if (ownerKind) this.dirty[ownerKind].add(owner.uid);
    }
    if (kind === 'pods' && ns) this.dirtyNamespaces.add(ns);
  }

  /** The objects of a kind to reconcile now (changed or waiting); clears both lists. */
  take(kind: Kind): KubeObject[] {
    const uids = new Set([...this.dirty[kind], ...this.waiting[kind]]);
    this.dirty[kind].clear();
    this.waiting[kind].clear();
    const out: KubeObject[] = [];
    for (const uid of uids) {
      const o = this.object(uid);
      if (o) out.push(o);
    }
    return out;
  }

  /** Asks to see this object again on the next tick even if it does not change. */
  wait(kind: Kind, uid: string | undefined): void {
    if (uid) this.waiting[kind].add(uid);
  }

  /** Marks every pod for a fresh look (after a behaviour profile changed). */
  touchAllPods(): void {
    for (const [uid, ref] of this.refs) if (ref.key === 'pods') this.dirty.pods.add(uid);
  }

  /** The current object with this uid, if it still exists. */
  object(uid: string): KubeObject | undefined {
    const ref = this.refs.get(uid);
    return ref ? this.store.get(ref.key, ref.ns, ref.name) : undefined;
  }

  /** Current objects controlled by `ownerUid`. */
  childrenOf(ownerUid: string | undefined): KubeObject[] {
    const out: KubeObject[] = [];
    for (const ref of this.children.get(ownerUid ?? '')?.values() ?? []) {
      const o = this.store.get(ref.key, ref.ns, ref.name);
      if (o) out.push(o);
    }
    return out;
  }
}
