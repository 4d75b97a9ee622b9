import type { IncomingMessage, ServerResponse } from 'node:http';
import { toTable, wantsTable } from './tables.ts';
import { apiVersionOf, storageKey } from './resources.ts';
import { parseFieldSelector, parseLabelSelector, type KubeObject } from './selectors.ts';
import { ApiError, badRequest, notFound } from './status.ts';
import type { StoreEvent } from './store.ts';
import type { ApiContext } from './api-context.ts';
import { type Route, withVersion } from './api-routes.ts';
import { drained, keyOf, queryBool, selectorString, send, ser, serialized } from './api-http.ts';

/** How often an idle watch that allows bookmarks gets one (the API server sends them about once a minute). */
const BOOKMARK_INTERVAL_MS = 60_000;

/** Reads: get, list (paged, as Tables) and watch, with the resourceVersion rules of each. */
export function createReads(ctx: ApiContext) {
  const { deps, store, clock, watches } = ctx;
  function getOrThrow(route: Route): KubeObject {
    const obj = store.get(storageKey(route.type), route.namespace, route.name!);
    if (!obj) throw notFound(route.type.group, route.type.plural, route.name!);
    return obj;
  }

  function selected(route: Route, q: URLSearchParams): KubeObject[] {
    const byLabel = parseLabelSelector(q.get('labelSelector'));
    const byField = parseFieldSelector(q.get('fieldSelector'), route.type.kind);
    return store.list(storageKey(route.type), route.namespace).filter((o) => byLabel(o) && byField(o));
  }

  /** The resourceVersion rules of a list: NotOlderThan (the default) and Exact, as far as a store without past states can. */
  function checkListVersion(q: URLSearchParams): void {
    const rvParam = q.get('resourceVersion');
    const match = q.get('resourceVersionMatch');
    if (match && !rvParam)
      throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (match && match !== 'Exact' && match !== 'NotOlderThan')
      throw badRequest(
        `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
      );
    if (!rvParam || rvParam === '0') return;
    if (!/^\d+$/.test(rvParam)) throw invalidResourceVersion(rvParam);
    const want = Number(rvParam);
    if (want > store.currentRv()) throw tooLargeResourceVersion(want);
    // The sandbox keeps no past states of a list, so an exact older version is gone, as after a compaction.
    if (match === 'Exact' && want !== store.currentRv())
      throw new ApiError(410, 'Expired', `The resourceVersion for the provided list is too old.`);
  }

  async function list(res: ServerResponse, route: Route, q: URLSearchParams, table = false): Promise<void> {
    if (!q.get('continue')) checkListVersion(q);
    const items = selected(route, q)
      .map((o) => [keyOf(o), o] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([, o]) => o);
    let start = 0;
    let rv = String(store.currentRv());
    const cont = q.get('continue');
    if (cont) {
      try {
        const c = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as { rv: string; after: string };
        rv = c.rv;
        start = items.findIndex((o) => keyOf(o) > c.after);
        if (start < 0) start = items.length;
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
    }
    const limit = Number(q.get('limit') ?? 0);
    const end = limit > 0 ? Math.min(items.length, start + limit) : items.length;
    const page = items.slice(start, end);
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    if (end < items.length) {
      metadata.continue = Buffer.from(JSON.stringify({ rv, after: keyOf(page[page.length - 1]!) })).toString(
        'base64',
      );
      metadata.remainingItemCount = items.length - end;
    }
    const apiVersion = apiVersionOf(route.type.group, route.version);
    if (table) {
      return send(
        res,
        200,
        toTable(
          route.type.kind,
          page,
          clock.now(),
          rv,
          q.get('includeObject'),
          metadata.continue as string | undefined,
        ),
      );
    }
    const head = `{"kind":"${route.type.kind}List","apiVersion":"${apiVersion}","metadata":${JSON.stringify(metadata)},"items":[`;
    if (page.length < 500) {
      send(res, 200, `${head}${page.map((o) => ser(withVersion(o, route.type, route.version))).join(',')}]}`);
      return;
    }
    // Large lists go out in chunks, so the whole text never sits in memory twice.
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    res.write(head);
    for (let i = 0; i < page.length && !res.destroyed; i += 500) {
      const chunk = page.slice(i, i + 500).map((o) => ser(withVersion(o, route.type, route.version)));
      if (!res.write(`${i === 0 ? '' : ','}${chunk.join(',')}`)) await drained(res);
    }
    res.end(']}');
  }

  function invalidResourceVersion(rv: string): ApiError {
    return badRequest(`invalid resource version: ${rv}`);
  }

  /** What the API server answers (after a short wait) when asked for a resourceVersion it has not reached. */
  function tooLargeResourceVersion(rv: number): ApiError {
    return new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${store.currentRv()}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    });
  }

  function watch(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams): void {
    const key = storageKey(route.type);
    const byLabel = parseLabelSelector(q.get('labelSelector'));
    const byField = parseFieldSelector(q.get('fieldSelector'), route.type.kind);
    const selects = (o: KubeObject) =>
      (route.namespace === undefined || o.metadata.namespace === route.namespace) &&
      (route.name === undefined || o.metadata.name === route.name) &&
      byLabel(o) &&
      byField(o);
    const bookmarks = queryBool(q, 'allowWatchBookmarks');
    const initialEvents = queryBool(q, 'sendInitialEvents');
    const match = q.get('resourceVersionMatch');
    if (initialEvents && match !== 'NotOlderThan')
      throw badRequest(
        'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      );
    if (initialEvents && !bookmarks)
      throw badRequest(
        'allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true',
      );
    if (match && !initialEvents)
      throw badRequest(
        'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      );
    const rvParam = q.get('resourceVersion');
    const from = rvParam ? Number(rvParam) : 0;
    if (rvParam && !/^\d+$/.test(rvParam)) throw invalidResourceVersion(rvParam);
    if (from > store.currentRv()) throw tooLargeResourceVersion(from);
    // As the API server's watch cache does: a change that moves an object into the selection is
    // ADDED, one that moves it out is DELETED.
    const eventType = (e: StoreEvent): StoreEvent['type'] | undefined => {
      if (e.key !== key) return undefined;
      const now = selects(e.object);
      if (e.type !== 'MODIFIED' || !e.previous) return now ? e.type : undefined;
      const before = selects(e.previous);
      if (now) return before ? 'MODIFIED' : 'ADDED';
      return before ? 'DELETED' : undefined;
    };
    // Watch lines are not cached: most events are seen once, and caching would pin every past version's text.
    const table = wantsTable(req.headers.accept);
    const line = (type: string, o: KubeObject) =>
      table
        ? `{"type":"${type}","object":${JSON.stringify(toTable(route.type.kind, [o], clock.now(), o.metadata.resourceVersion ?? '', q.get('includeObject')))}}\n`
        : `{"type":"${type}","object":${serialized.get(o) ?? JSON.stringify(withVersion(o, route.type, route.version))}}\n`;
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-cache, private',
      'transfer-encoding': 'chunked',
    });
    res.flushHeaders();
    const queue: [StoreEvent['type'] | 'BOOKMARK', KubeObject][] = [];
    const selectedNow = () =>
      selected(route, q).filter((o) => route.name === undefined || o.metadata.name === route.name);
    if (rvParam && rvParam !== '0' && !initialEvents) {
      if (from < store.oldestResumableRv()) {
        const e = new ApiError(
          410,
          'Expired',
          `too old resource version: ${rvParam} (${store.oldestResumableRv() + 1})`,
        );
        res.end(`{"type":"ERROR","object":${JSON.stringify(e.toStatus())}}\n`);
        return;
      }
      for (const e of store.eventsAfter(from)) {
        const type = eventType(e);
        if (type) queue.push([type, e.object]);
      }
    } else {
      for (const o of selectedNow()) queue.push(['ADDED', o]);
    }
    const bookmark = (initialEventsEnd: boolean): KubeObject => ({
      apiVersion: apiVersionOf(route.type.group, route.version),
      kind: route.type.kind,
      metadata: {
        name: '',
        resourceVersion: String(store.currentRv()),
        ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
      },
    });
    // A streaming list (sendInitialEvents) ends its initial events with a bookmark, as client-go's WatchList expects.
    if (initialEvents) queue.push(['BOOKMARK', bookmark(true)]);
    let pumping = false;
    // Writes queued events in batches and waits for the socket to drain, so a long replay stays small in memory.
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      while (queue.length > 0 && !res.writableEnded && !res.destroyed) {
        const batch = queue.splice(0, 500);
        if (!res.write(batch.map(([type, o]) => line(type, o)).join(''))) await drained(res);
      }
      pumping = false;
    };
    const unsubscribe = store.subscribe((e) => {
      const type = eventType(e);
      if (!type) return;
      queue.push([type, e.object]);
      if (queue.length === 1) setImmediate(() => void pump());
    });
    void pump();
    watches.add(res);
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? 0);
    const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
    const ticker = bookmarks
      ? setInterval(() => {
          queue.push(['BOOKMARK', bookmark(false)]);
          if (queue.length === 1) void pump();
        }, deps.bookmarkIntervalMs ?? BOOKMARK_INTERVAL_MS)
      : undefined;
    const done = () => {
      unsubscribe();
      watches.delete(res);
      if (timer) clearTimeout(timer);
      if (ticker) clearInterval(ticker);
    };
    req.on('close', done);
    res.on('close', done);
  }

  function scaleOf(obj: KubeObject): unknown {
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: obj.spec?.replicas ?? 0 },
      status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj.spec?.selector) },
    };
  }

  return {
    getOrThrow,
    selected,
    checkListVersion,
    list,
    invalidResourceVersion,
    tooLargeResourceVersion,
    watch,
    scaleOf,
  };
}
