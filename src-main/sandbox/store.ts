import { randomUUID } from 'node:crypto';
import type { Clock } from '../ports/clock.port.ts';
import type { KubeObject } from './selectors.ts';

/** A change to a stored object, as a watch delivers it. */
export interface StoreEvent {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** Storage key of the type (`deployments.apps`). */
  readonly key: string;
  readonly object: KubeObject;
  /** The object before a MODIFIED change (lets a filtered watch see objects enter or leave its selection). */
  readonly previous?: KubeObject;
}

/** RFC 3339 timestamp with second precision, as Kubernetes writes `creationTimestamp`. */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function id(ns: string | undefined, name: string): string {
  return ns ? `${ns}/${name}` : name;
}

/**
 * The sandbox's object store: one global `resourceVersion` counter, objects treated as immutable
 * (every write stores a new object, so a watch replays the object as it was), and a bounded
 * history of changes for watches that resume from a `resourceVersion`.
 */
export class ObjectStore {
  private rv = 0;
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private readonly history: (StoreEvent | undefined)[];
  private head = 0;
  private size = 0;
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  /** Incremented on every write; controllers compare it to skip idle ticks. */
  writes = 0;

  constructor(
    private readonly clock: Clock,
    historyCapacity = 100_000,
  ) {
    this.history = new Array<StoreEvent | undefined>(historyCapacity);
  }

  /** The newest `resourceVersion` handed out. */
  currentRv(): number {
    return this.rv;
  }

  /** The oldest `resourceVersion` a watch can resume after without a 410. */
  oldestResumableRv(): number {
    if (this.size < this.history.length) return 0;
    const oldest = this.history[this.head];
    return oldest ? oldest.rv - 1 : this.rv;
  }

  /** Events with rv > `after`, oldest first. */
  eventsAfter(after: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    const cap = this.history.length;
    const start = (this.head + cap - this.size) % cap;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[(start + mid) % cap]!.rv <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.size; i++) out.push(this.history[(start + i) % cap]!);
    return out;
  }

  /** Calls `fn` for each future change; returns the unsubscribe function. */
  subscribe(fn: (e: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get(key: string, ns: string | undefined, name: string): KubeObject | undefined {
    return this.data.get(key)?.get(id(ns, name));
  }

  /** Objects of a type, in one namespace or all; the array is a new one, the objects are shared (do not mutate). */
  list(key: string, ns?: string): KubeObject[] {
    const m = this.data.get(key);
    if (!m) return [];
    const all = [...m.values()];
    return ns ? all.filter((o) => o.metadata.namespace === ns) : all;
  }

  /** Stores a new object, filling uid, resourceVersion, creationTimestamp and generation. */
  create(key: string, obj: KubeObject): KubeObject {
    const stored: KubeObject = {
      ...obj,
      metadata: {
        ...obj.metadata,
        uid: randomUUID(),
        resourceVersion: String(++this.rv),
        creationTimestamp: kubeTime(this.clock.now()),
        ...(obj.spec !== undefined ? { generation: 1 } : {}),
      },
    };
    this.byKey(key).set(id(stored.metadata.namespace, stored.metadata.name), stored);
    this.emit({ rv: this.rv, type: 'ADDED', key, object: stored });
    return stored;
  }

  /** Replaces a stored object (caller has checked concurrency); bumps generation when the spec changed. */
  replace(key: string, obj: KubeObject): KubeObject {
    const prev = this.get(key, obj.metadata.namespace, obj.metadata.name);
    const specChanged =
      prev !== undefined && JSON.stringify(specPart(prev)) !== JSON.stringify(specPart(obj));
    const generation = prev?.metadata.generation ?? (obj.spec !== undefined ? 1 : undefined);
    const stored: KubeObject = {
      ...obj,
      metadata: {
        ...obj.metadata,
        uid: prev?.metadata.uid ?? obj.metadata.uid,
        creationTimestamp: prev?.metadata.creationTimestamp ?? obj.metadata.creationTimestamp,
        resourceVersion: String(++this.rv),
        ...(generation !== undefined ? { generation: specChanged ? generation + 1 : generation } : {}),
      },
    };
    this.byKey(key).set(id(stored.metadata.namespace, stored.metadata.name), stored);
    this.emit({ rv: this.rv, type: 'MODIFIED', key, object: stored, ...(prev ? { previous: prev } : {}) });
    return stored;
  }

  /** Removes an object; returns it as last stored (with a new resourceVersion), or undefined. */
  delete(key: string, ns: string | undefined, name: string): KubeObject | undefined {
    const m = this.data.get(key);
    const prev = m?.get(id(ns, name));
    if (!m || !prev) return undefined;
    m.delete(id(ns, name));
    const gone: KubeObject = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(++this.rv) } };
    this.emit({ rv: this.rv, type: 'DELETED', key, object: gone });
    return gone;
  }

  private byKey(key: string): Map<string, KubeObject> {
    let m = this.data.get(key);
    if (!m) {
      m = new Map();
      this.data.set(key, m);
    }
    return m;
  }

  private emit(e: StoreEvent): void {
    this.writes++;
    const cap = this.history.length;
    this.history[this.head] = e;
    this.head = (this.head + 1) % cap;
    if (this.size < cap) this.size++;
    for (const l of this.listeners) l(e);
  }
}

function specPart(o: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}
