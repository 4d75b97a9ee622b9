import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, requests } from '../../../src-shared/bridge/contract.ts';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import { createDispatcher, type Handlers } from '../../../src-main/bridge/dispatch.ts';

const unused = Object.fromEntries(
  Object.keys(requests).map((c) => [
    c,
    async () => Promise.reject(new Error(`${c} is not used by this test`)),
  ]),
) as unknown as Handlers;

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    ...unused,
    'app:info': async () => ({ version: '1.2.3', shell: 'web' }),
    'cluster:listContexts': async () => ({ contexts: [], selected: null, problems: [] }),
    'cluster:listNamespaces': async ({ context }) => ({ namespaces: [`ns-of-${context}`] }),
    'cluster:listWorkloads': async () => ({ workloads: [] }),
    'cluster:watchWorkloads': async () => ({ watching: true }),
    'cluster:unwatchWorkloads': async () => ({ watching: false }),
    ...overrides,
  };
}

describe('bridge dispatcher', () => {
  const dispatcher = createDispatcher(handlers());

  it.each([
    ['an unknown channel', 'cluster:deleteEverything', {}, 'unknownChannel'],
    ['a non-string channel', 42, {}, 'unknownChannel'],
    ['a prototype key as channel', '__proto__', {}, 'unknownChannel'],
    ['a number where a string belongs', 'cluster:listNamespaces', { context: 7 }, 'badRequest'],
    ['a missing field', 'cluster:listWorkloads', { context: 'a' }, 'badRequest'],
    ['an extra field', 'app:info', { admin: true }, 'badRequest'],
    ['an array as input', 'cluster:listNamespaces', ['a'], 'badRequest'],
    [
      'an invalid namespace name',
      'cluster:listWorkloads',
      { context: 'a', namespace: 'Bad Name!' },
      'badRequest',
    ],
  ])('answers %s with a typed %s error', async (_label, channel, input, kind) => {
    const r = await dispatcher.dispatch(channel, input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe(kind);
      expect(r.error.message).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('names the field and the rule of a malformed request', async () => {
    const r = await dispatcher.dispatch('cluster:listWorkloads', { context: 'prod', namespace: 12 });
    expect(r).toMatchObject({ ok: false, error: { kind: 'badRequest' } });
    if (!r.ok) expect(r.error.details?.join('\n')).toMatch(/^namespace: /m);
  });

  it('refuses an oversized payload before parsing it', async () => {
    const huge = { context: 'x'.repeat(MAX_MESSAGE_BYTES + 10) };
    const r = await dispatcher.dispatch('cluster:listNamespaces', huge);
    expect(r).toMatchObject({ ok: false, error: { kind: 'tooLarge' } });
  });

  it('keeps serving after bad messages', async () => {
    await dispatcher.dispatch('nope', null);
    await dispatcher.dispatch('cluster:listNamespaces', { context: null });
    expect(await dispatcher.dispatch('cluster:listNamespaces', { context: 'dev' })).toEqual({
      ok: true,
      value: { namespaces: ['ns-of-dev'] },
    });
  });

  it('passes a domain error through with its kind and turns a crash into an internal error', async () => {
    const d = createDispatcher(
      handlers({
        'cluster:listNamespaces': async () => {
          throw new DomainError('forbidden', 'You may not list namespaces.');
        },
        'cluster:listWorkloads': async () => {
          throw new TypeError('boom');
        },
      }),
      { onInternalError: () => {} },
    );
    expect(await d.dispatch('cluster:listNamespaces', { context: 'a' })).toEqual({
      ok: false,
      error: { kind: 'forbidden', message: 'You may not list namespaces.' },
    });
    expect(await d.dispatch('cluster:listWorkloads', { context: 'a', namespace: 'b' })).toMatchObject({
      ok: false,
      error: { kind: 'internal' },
    });
  });

  it('refuses to send an answer that breaks the contract', async () => {
    const seen: string[] = [];
    const d = createDispatcher(handlers({ 'app:info': async () => ({ version: 1 }) as never }), {
      onInternalError: (channel) => seen.push(channel),
    });
    expect(await d.dispatch('app:info', {})).toMatchObject({ ok: false, error: { kind: 'internal' } });
    expect(seen).toEqual(['app:info']);
  });
});
