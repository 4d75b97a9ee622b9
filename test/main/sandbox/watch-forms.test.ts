import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';

/*
 * The watch and resourceVersion forms other clients send: Python's client sends `watch=True`, Ruby's kubeclient
 * uses the legacy `/watch/` paths, client-go's WatchList asks for initial events ending in a bookmark.
 */

const NS = 'platform-production';
let sb: SandboxHandle;

beforeAll(async () => {
  sb = await startSandbox({ speed: 60, bookmarkIntervalMs: 150 });
});
afterAll(async () => {
  await sb.close();
});

interface WatchEvent {
  type: string;
  object: {
    kind?: string;
    metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  };
}

function get(path: string): Promise<Response> {
  return fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${sb.token}` } });
}

/** Reads a watch stream until `done` holds for the events so far (or 10 s pass), then closes it. */
async function watchUntil(path: string, done: (events: WatchEvent[]) => boolean): Promise<WatchEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  const res = await fetch(`${sb.url}${path}`, {
    headers: { authorization: `Bearer ${sb.token}` },
    signal: controller.signal,
  });
  expect(res.status, await peekError(res)).toBe(200);
  const events: WatchEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  try {
    while (!done(events)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) events.push(JSON.parse(l) as WatchEvent);
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

async function peekError(res: Response): Promise<string> {
  return res.status === 200 ? '' : await res.clone().text();
}

async function currentRv(): Promise<number> {
  const list = (await (await get(`/apis/apps/v1/namespaces/${NS}/deployments`)).json()) as {
    metadata: { resourceVersion: string };
  };
  return Number(list.metadata.resourceVersion);
}

async function scale(name: string, replicas: number): Promise<void> {
  const res = await fetch(`${sb.url}/apis/apps/v1/namespaces/${NS}/deployments/${name}/scale`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ spec: { replicas } }),
  });
  expect(res.status, await res.text()).toBe(200);
}

describe('watch forms', () => {
  it.each(['true', 'True', '1', 't'])('watch=%s streams events, not a List', async (value) => {
    const events = await watchUntil(
      `/apis/apps/v1/namespaces/${NS}/deployments?watch=${value}`,
      (e) => e.length >= 3,
    );
    expect(events.slice(0, 3).map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED']);
    expect(events[0]!.object.kind).toBe('Deployment');
  });

  it('watch=false and watch=0 list; an unparsable watch value is a 400 naming it', async () => {
    for (const value of ['false', '0']) {
      const list = (await (
        await get(`/apis/apps/v1/namespaces/${NS}/deployments?watch=${value}`)
      ).json()) as {
        kind: string;
      };
      expect(list.kind).toBe('DeploymentList');
    }
    const bad = await get(`/apis/apps/v1/namespaces/${NS}/deployments?watch=maybe`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/invalid value for watch/);
  });

  it('the legacy /watch/ path of a collection streams its events', async () => {
    const events = await watchUntil(`/api/v1/watch/namespaces/${NS}/services`, (e) => e.length >= 1);
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { kind: 'Service' } });
  });

  it('the legacy /watch/ path of one object streams only that object, then its changes', async () => {
    const rv = await currentRv();
    const watching = watchUntil(
      `/apis/apps/v1/watch/namespaces/${NS}/deployments/agent-manager?resourceVersion=${rv}`,
      (e) => e.some((x) => x.type === 'MODIFIED'),
    );
    await scale('notification-service', 4);
    await scale('agent-manager', 4);
    const events = await watching;
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((e) => e.object.metadata.name))).toEqual(new Set(['agent-manager']));
  });

  it('a watch at a resourceVersion the server has not reached is a 504, as a real API server answers', async () => {
    const rv = await currentRv();
    const res = await get(
      `/apis/apps/v1/namespaces/${NS}/deployments?watch=true&resourceVersion=${rv + 1000}`,
    );
    expect(res.status).toBe(504);
    const body = (await res.json()) as {
      reason: string;
      message: string;
      details: { causes: { reason: string }[] };
    };
    expect(body.reason).toBe('Timeout');
    expect(body.message).toMatch(/^Too large resource version/);
    expect(body.details.causes[0]!.reason).toBe('ResourceVersionTooLarge');
  });

  it('sends bookmarks to a watch that allows them, and ends initial events with one', async () => {
    const rv = await currentRv();
    const idle = await watchUntil(
      `/api/v1/namespaces/${NS}/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`,
      (e) => e.some((x) => x.type === 'BOOKMARK'),
    );
    const bookmark = idle.find((e) => e.type === 'BOOKMARK')!;
    expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(rv);

    const streamed = await watchUntil(
      `/apis/apps/v1/namespaces/${NS}/deployments?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
      (e) => e.some((x) => x.type === 'BOOKMARK'),
    );
    const end = streamed.findIndex((e) => e.type === 'BOOKMARK');
    expect(end).toBeGreaterThan(0);
    expect(streamed.slice(0, end).every((e) => e.type === 'ADDED')).toBe(true);
    expect(streamed[end]!.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });

    const noBookmarks = await get(
      `/apis/apps/v1/namespaces/${NS}/deployments?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`,
    );
    expect(noBookmarks.status).toBe(400);
  });
});

describe('resourceVersion rules of a list', () => {
  it('serves Exact at the current version, 410 for an older one, 504 for a future one, 400 without a version', async () => {
    const rv = await currentRv();
    const path = `/apis/apps/v1/namespaces/${NS}/deployments`;
    expect((await get(`${path}?resourceVersion=${rv}&resourceVersionMatch=Exact`)).status).toBe(200);
    expect((await get(`${path}?resourceVersion=${rv - 1}&resourceVersionMatch=Exact`)).status).toBe(410);
    expect((await get(`${path}?resourceVersion=${rv + 1000}`)).status).toBe(504);
    const missing = await get(`${path}?resourceVersionMatch=Exact`);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { message: string }).message).toMatch(
      /resourceVersionMatch is forbidden unless resourceVersion is provided/,
    );
    expect((await get(`${path}?resourceVersion=abc`)).status).toBe(400);
  });
});
