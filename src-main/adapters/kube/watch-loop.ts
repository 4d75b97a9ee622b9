import { Watch } from '@kubernetes/client-node';
import type { WatchState } from '../../ports/cluster.port.ts';
import { jitteredBackoff, type KubeClient } from './kube-client.ts';
import { toClusterError } from './kube-errors.ts';

/** A batch of changes to the keyed store; `resync` means the store was rebuilt by a (re)list and `items` is all of it. */
interface WatchBatch<P> {
  resync: boolean;
  /** Added or changed projections. */
  upserts: P[];
  /** Keys (`namespace/name`) that went away. */
  deletes: string[];
}

/** Options shared by the watches the adapter owns. */
export interface WatchOptions<P> {
  namespace: string;
  /** e.g. `app=workflow-engine`; absent = everything in the namespace. */
  labelSelector?: string;
  /** e.g. `involvedObject.name=x`; absent = no field selection. The spec's `list` must select the same. */
  fieldSelector?: string;
  /** Items per page of the initial list. Default 500. */
  pageSize?: number;
  /** Restart the watch when no event and no bookmark came for this long, milliseconds. Default 60 000. */
  stallMs?: number;
  /** First reconnect delay, milliseconds; doubles per failed attempt with full jitter, capped at 30 s. Default 500. */
  backoffMs?: number;
  /** Changes are batched for this long before `onChange`, milliseconds. Default 100. */
  batchMs?: number;
  onChange(batch: WatchBatch<P>): void;
  onState?(state: WatchState): void;
}

/** A running watch. */
export interface WatchHandle<P> {
  /** The projections now in the store, keyed by `namespace/name`. */
  items(): P[];
  stop(): void;
}

interface ListPage<T> {
  items: T[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

export interface WatchSpec<T, P> {
  what: string;
  path: string;
  list(page: { limit: number; _continue?: string }): Promise<ListPage<T>>;
  project(obj: T): P;
}

function keyOf(o: { metadata?: { namespace?: string; name?: string } }): string {
  return `${o.metadata?.namespace}/${o.metadata?.name}`;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNRESET: 'connection reset',
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection broken',
  ENOTFOUND: 'server name not found',
  EHOSTUNREACH: 'server unreachable',
  ENETUNREACH: 'network unreachable',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed mid-stream',
};

/** Why a watch stream failed, in a few plain words (`connection reset`), else the library's message. */
export function streamFailure(err: unknown): string {
  const e = err as { code?: unknown; errno?: unknown; statusCode?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.errno === 'string' ? e.errno : '';
  if (NETWORK_WORDS[code]) return NETWORK_WORDS[code];
  if (typeof e?.statusCode === 'number') return `the server answered ${e.statusCode}`;
  return err instanceof Error ? err.message : String(err);
}

/** Every page of a list, and the resourceVersion to watch from. Throws `ClusterError`. */
export async function listPages<T, P>(
  k: KubeClient,
  spec: WatchSpec<T, P>,
  pageSize: number,
  cancelled: () => boolean,
): Promise<{ items: T[]; rv: string }> {
  const items: T[] = [];
  let cont: string | undefined;
  let rv = '';
  do {
    const page: ListPage<T> = await k.read(`listing ${spec.what}`, () =>
      spec.list({ limit: pageSize, ...(cont ? { _continue: cont } : {}) }),
    );
    items.push(...page.items);
    cont = page.metadata?._continue || undefined;
    rv = page.metadata?.resourceVersion ?? rv;
  } while (cont && !cancelled());
  return { items, rv };
}

export type WatchedObject = { metadata?: { namespace?: string; name?: string; resourceVersion?: string } };

export function runWatch<T extends WatchedObject, P>(
  k: KubeClient,
  options: WatchOptions<P>,
  spec: WatchSpec<T, P>,
): WatchHandle<P> {
  const store = new Map<string, P>();
  const pageSize = options.pageSize ?? 500;
  const stallMs = options.stallMs ?? 60_000;
  const backoffMs = options.backoffMs ?? 500;
  const batchMs = options.batchMs ?? 100;
  const watcher = new Watch(k.kc);
  let stopped = false;
  let resourceVersion = '';
  let attempt = 0;
  let current: AbortController | undefined;
  let generation = 0;
  let lastSignal = Date.now();
  let lastTick = Date.now();
  let retryTimer: NodeJS.Timeout | undefined;
  let pending: WatchBatch<P> | undefined;
  let flushTimer: NodeJS.Timeout | undefined;

  const state = (s: WatchState) => options.onState?.(s);
  const flush = () => {
    flushTimer = undefined;
    if (pending && !stopped) options.onChange(pending);
    pending = undefined;
  };
  const queue = (change: Partial<WatchBatch<P>>) => {
    if (change.resync) pending = { resync: true, upserts: [...store.values()], deletes: [] };
    else {
      pending ??= { resync: false, upserts: [], deletes: [] };
      if (!pending.resync) {
        pending.upserts.push(...(change.upserts ?? []));
        pending.deletes.push(...(change.deletes ?? []));
      } else pending.upserts = [...store.values()];
    }
    flushTimer ??= setTimeout(flush, batchMs);
  };

  const stop = (reason: string) => {
    if (stopped) return;
    stopped = true;
    generation++;
    current?.abort();
    clearTimeout(retryTimer);
    clearInterval(health);
    if (flushTimer) flush();
    state({ state: 'stopped', reason });
  };

  const retry = (reason: string) => {
    if (stopped) return;
    generation++;
    current?.abort();
    current = undefined;
    attempt++;
    const inMs = Math.round(jitteredBackoff(attempt, backoffMs, 30_000));
    state({ state: 'reconnecting', attempt, inMs, reason });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void (resourceVersion ? watchFrom() : list()), inMs);
  };

  async function list(): Promise<void> {
    if (stopped) return;
    state({ state: 'listing' });
    try {
      const { items, rv } = await listPages(k, spec, pageSize, () => stopped);
      store.clear();
      for (const item of items) store.set(keyOf(item), spec.project(item));
      resourceVersion = rv;
      queue({ resync: true });
      await watchFrom();
    } catch (error) {
      const e = toClusterError(error, k.context, `listing ${spec.what}`);
      if (e.clusterKind === 'forbidden' || e.clusterKind === 'unauthorized') return stop(e.message);
      resourceVersion = '';
      retry(e.message);
    }
  }

  async function watchFrom(): Promise<void> {
    if (stopped) return;
    lastSignal = Date.now();
    const mine = ++generation;
    const query: Record<string, string | number | boolean | undefined> = {
      resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: 300,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
    };
    const started = await watcher.watch(
      spec.path,
      query,
      (type: string, obj: T & { code?: number; message?: string }) => {
        if (mine !== generation) return;
        lastSignal = Date.now();
        if (type === 'ERROR') {
          // 410 Gone: our resourceVersion is too old for the server; list again from scratch.
          if (obj.code === 410) {
            resourceVersion = '';
            generation++;
            current?.abort();
            void list();
          } else retry(obj.message ?? 'the server sent an error event');
          return;
        }
        if (obj.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
        if (type === 'BOOKMARK') return;
        attempt = 0;
        const key = keyOf(obj);
        if (type === 'DELETED') {
          store.delete(key);
          queue({ deletes: [key] });
        } else {
          const p = spec.project(obj);
          store.set(key, p);
          queue({ upserts: [p] });
        }
      },
      (err: unknown) => {
        if (stopped || mine !== generation) return;
        const status = (err as { statusCode?: number } | null)?.statusCode;
        if (status === 403) return stop(`you may not watch ${spec.what} (403)`);
        if (status === 401)
          return stop(`"${k.context}" rejected our credentials while watching ${spec.what} (401)`);
        if (status === 410) {
          resourceVersion = '';
          void list();
          return;
        }
        // A normal server-side close (timeoutSeconds) reconnects at once from where it was.
        if (!err) return void watchFrom();
        retry(streamFailure(err));
      },
    );
    if (mine !== generation) return void started.abort();
    current = started;
    if (!stopped) state({ state: 'watching' });
  }

  const health = setInterval(
    () => {
      const now = Date.now();
      // A wall-clock jump (laptop sleep) or a silent connection: restart rather than trust the stream.
      const slept = now - lastTick > 10_000;
      lastTick = now;
      if (!stopped && current && (slept || now - lastSignal > stallMs)) {
        const reason = slept
          ? 'the computer slept'
          : `no event or bookmark for ${Math.round((now - lastSignal) / 1000)} s`;
        const old = current;
        current = undefined;
        generation++;
        old.abort();
        state({ state: 'reconnecting', attempt: 0, inMs: 0, reason });
        void watchFrom();
      }
    },
    Math.min(1_000, stallMs / 2),
  );
  health.unref();

  void list();
  return { items: () => [...store.values()], stop: () => stop('stopped') };
}
