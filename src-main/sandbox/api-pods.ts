import type { IncomingMessage, ServerResponse } from 'node:http';
import { budgetState, coveredPods, evictionAllowed } from './disruption.ts';
import { LogBook, containerRun, formatLines } from './pod-logs.ts';
import { defaultProfile } from './profiles.ts';
import { matchesLabelSelector } from './selectors.ts';
import { ApiError, badRequest, notFound } from './status.ts';
import type { ApiContext } from './api-context.ts';
import type { createReads } from './api-reads.ts';
import type { createWrites } from './api-writes.ts';
import type { Route } from './api-routes.ts';
import { parseJson, queryBool, readBody, send } from './api-http.ts';

/** The pod and Service subresources a release and a runbook reach: proxies, logs and eviction. */
export function createPodRoutes(
  ctx: ApiContext,
  use: Pick<ReturnType<typeof createReads>, 'getOrThrow'> &
    Pick<ReturnType<typeof createWrites>, 'deleteCascade'>,
) {
  const { deps, store, clock, watches } = ctx;
  const { deleteCascade, getOrThrow } = use;
  const logBook = new LogBook();
  /**
   * The API server's pod proxy (`GET …/pods/NAME[:PORT]/proxy/PATH`), as warm-up and smoke checks use it:
   * a ready pod answers 200 on any path, a pod that is not ready 503, as its readiness probe would.
   */
  function podProxy(req: IncomingMessage, res: ServerResponse, namespace: string, target: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new ApiError(405, 'MethodNotAllowed', `${req.method} is not allowed on the pod proxy`);
    const name = decodeURIComponent(target).split(':')[0]!;
    const pod = store.get('pods', namespace, name);
    if (!pod) throw notFound('', 'pods', name);
    const conditions =
      (pod as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
    const ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
    res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(ready ? 'ok\n' : 'not ready\n');
  }

  /**
   * The Service proxy (`…/services/NAME[:PORT]/proxy/PATH`), as the runbook's smoke and warm-up `curl`s use
   * it: one ready pod behind the Service answers (round robin), as the pod proxy does; 503 with the API
   * server's words when no pod is ready.
   */
  let proxyTurn = 0;
  function serviceProxy(req: IncomingMessage, res: ServerResponse, namespace: string, name: string): void {
    const svc = store.get('services', namespace, name);
    if (!svc) throw notFound('', 'services', name);
    const selector = svc.spec?.selector as Record<string, string> | undefined;
    const ready = selector
      ? store
          .list('pods', namespace)
          .filter(
            (p) =>
              matchesLabelSelector({ matchLabels: selector }, p.metadata.labels) &&
              !p.metadata.deletionTimestamp &&
              (p.status?.conditions ?? []).some(
                (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
              ),
          )
      : [];
    if (ready.length === 0)
      throw new ApiError(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`);
    podProxy(req, res, namespace, ready[proxyTurn++ % ready.length]!.metadata.name);
  }

  /** `pods/log`: the simulated container's output, with kubectl's `--tail`, `--since`, `--timestamps`, `--previous` and `-f`. */
  function podLog(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams): void {
    const pod = getOrThrow(route);
    const container = q.get('container');
    const names = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
    if (container && !names.includes(container))
      throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
    if (!container && names.length > 1)
      throw badRequest(
        `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`,
      );
    const previous = queryBool(q, 'previous');
    const run = containerRun(pod, previous);
    const profile = deps.podProfile?.(pod);
    const timestamps = queryBool(q, 'timestamps');
    const now = clock.now();
    const since = Number(q.get('sinceSeconds') ?? 0);
    const sinceTime = q.get('sinceTime');
    const from = since > 0 ? now - since * 1000 : sinceTime ? Date.parse(sinceTime) - 1 : -Infinity;
    let lines = logBook.read(pod, run, profile ?? defaultProfile, from, now);
    const tail = q.get('tailLines');
    if (tail !== null && Number(tail) >= 0) lines = lines.slice(Math.max(0, lines.length - Number(tail)));
    let text = formatLines(lines, timestamps);
    const limit = Number(q.get('limitBytes') ?? 0);
    if (limit > 0) text = Buffer.from(text).subarray(0, limit).toString('utf8');
    const follow = queryBool(q, 'follow') && !previous && run.endedMs === undefined;
    if (!follow) {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private' });
      res.end(text);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    res.write(text);
    let last = now;
    const timer = setInterval(() => {
      const current = store.get('pods', pod.metadata.namespace, pod.metadata.name);
      const later = clock.now();
      // As the kubelet's stream, following ends with the container: the pod went, or the run ended.
      if (!current || current.metadata.uid !== pod.metadata.uid) return res.end();
      const still = current.status?.containerStatuses?.[0]?.state?.running?.startedAt;
      if (!still || Date.parse(still) !== run.startedMs) return res.end();
      const more = logBook.read(current, run, deps.podProfile?.(current) ?? defaultProfile, last, later);
      last = later;
      if (more.length > 0) res.write(formatLines(more, timestamps));
    }, 500);
    watches.add(res);
    res.on('close', () => {
      clearInterval(timer);
      watches.delete(res);
    });
  }

  /**
   * `pods/eviction`: deletes the pod unless a PodDisruptionBudget over it would be broken (429 with the
   * API server's words, so `kubectl drain` waits and retries).
   */
  async function evict(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const raw = await readBody(req);
    if (raw.length > 0) {
      const body = parseJson(raw) as { kind?: string; metadata?: { name?: string } };
      if (body.metadata?.name && body.metadata.name !== route.name)
        throw badRequest(`name in URL does not match name in Eviction object`);
    }
    const pod = getOrThrow(route);
    const ns = pod.metadata.namespace;
    const budgets = store
      .list('poddisruptionbudgets.policy', ns)
      .filter((b) => b.spec?.selector && matchesLabelSelector(b.spec.selector, pod.metadata.labels));
    if (budgets.length > 1)
      throw new ApiError(
        500,
        'InternalError',
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    const budget = budgets[0];
    if (budget && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
      const state = budgetState(budget, coveredPods(budget, store.list('pods', ns)));
      if (!evictionAllowed(budget, pod, state))
        throw new ApiError(
          429,
          'TooManyRequests',
          "Cannot evict pod as it would violate the pod's disruption budget.",
          {
            causes: [
              {
                reason: 'DisruptionBudget',
                message: `The disruption budget ${budget.metadata.name} needs ${state.desired} healthy pods and has ${state.healthy} currently`,
              },
            ],
          },
        );
    }
    deleteCascade(route.type, pod, new URLSearchParams());
    send(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  return { podProxy, serviceProxy, podLog, evict };
}
