import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  kubeconfigForContext,
  kubeconfigPaths,
  loadKubeconfig,
} from '../../../../src-main/adapters/kube/kubeconfig.ts';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'sy-kubeconfig-'));
}

function kubeconfig(opts: {
  current?: string;
  contexts: [name: string, cluster: string, user: string][];
  server?: string;
}): string {
  const clusters = [...new Set(opts.contexts.map((c) => c[1]))];
  const users = [...new Set(opts.contexts.map((c) => c[2]))];
  return [
    'apiVersion: v1',
    'kind: Config',
    ...(opts.current ? [`current-context: ${opts.current}`] : []),
    'clusters:',
    ...clusters.map(
      (c) =>
        `- name: ${c}\n  cluster:\n    server: ${opts.server ?? `https://${c}.example:6443`}\n    certificate-authority: certs/${c}.crt`,
    ),
    'users:',
    ...users.map((u) => `- name: ${u}\n  user:\n    token: secret-of-${u}`),
    'contexts:',
    ...opts.contexts.map(([n, c, u]) => `- name: ${n}\n  context:\n    cluster: ${c}\n    user: ${u}`),
  ].join('\n');
}

describe('kubeconfig paths', () => {
  it('splits KUBECONFIG on the platform delimiter, dropping empties and repeats', () => {
    expect(kubeconfigPaths({ KUBECONFIG: ['/a', '', '/b', '/a'].join(delimiter) }, '/home/u')).toEqual([
      '/a',
      '/b',
    ]);
  });
  it('falls back to ~/.kube/config', () => {
    expect(kubeconfigPaths({}, '/home/u')).toEqual([join('/home/u', '.kube', 'config')]);
  });
});

describe('kubeconfig merge, as kubectl does it', () => {
  it('lets the first file win for a context, cluster or user of the same name', () => {
    const d = dir();
    const a = join(d, 'a');
    const b = join(d, 'b');
    writeFileSync(a, kubeconfig({ contexts: [['shared', 'cluster-a', 'user-a']] }));
    writeFileSync(
      b,
      kubeconfig({
        current: 'only-b',
        contexts: [
          ['shared', 'cluster-b', 'user-b'],
          ['only-b', 'cluster-b', 'user-b'],
        ],
      }),
    );
    const m = loadKubeconfig([a, b]);
    expect(m.contexts.map((c) => [c.name, c.value.cluster])).toEqual([
      ['shared', 'cluster-a'],
      ['only-b', 'cluster-b'],
    ]);
    expect(m.problems).toEqual([]);
  });

  it('takes current-context from the first file that sets it', () => {
    const d = dir();
    const a = join(d, 'a');
    const b = join(d, 'b');
    const c = join(d, 'c');
    writeFileSync(a, kubeconfig({ contexts: [['x', 'k', 'u']] }));
    writeFileSync(b, kubeconfig({ current: 'from-b', contexts: [['from-b', 'k', 'u']] }));
    writeFileSync(c, kubeconfig({ current: 'from-c', contexts: [['from-c', 'k', 'u']] }));
    expect(loadKubeconfig([a, b, c]).currentContext).toBe('from-b');
  });

  it('resolves relative certificate paths against the file that names them', () => {
    const d = dir();
    const a = join(d, 'a');
    writeFileSync(a, kubeconfig({ contexts: [['x', 'k', 'u']] }));
    expect(loadKubeconfig([a]).clusters[0]?.value['certificate-authority']).toBe(join(d, 'certs', 'k.crt'));
  });

  it.each([
    ['a missing file', null, /does not exist/],
    ['broken YAML', 'clusters: [\n  - name: x\n    cluster: {server: "unterminated', /not valid YAML/],
    ['a list at the top level', '- a\n- b\n', /top level must be a mapping/],
    ['contexts that are not a list', 'contexts: {a: 1}\n', /"contexts" must be a list/],
    ['a context without a name', 'contexts:\n- context: {cluster: a}\n', /contexts\[0\] has no name/],
  ])('reports %s as a problem and keeps the other files', (_label, text, message) => {
    const d = dir();
    const good = join(d, 'good');
    const bad = join(d, 'bad');
    writeFileSync(good, kubeconfig({ current: 'ok', contexts: [['ok', 'k', 'u']] }));
    if (text !== null) writeFileSync(bad, text);
    const m = loadKubeconfig([bad, good]);
    expect(m.contexts.map((c) => c.name)).toEqual(['ok']);
    expect(m.problems).toHaveLength(1);
    expect(m.problems[0]?.file).toBe(bad);
    expect(m.problems[0]?.message).toMatch(message);
  });

  it('is silent about a missing default file', () => {
    expect(loadKubeconfig([join(dir(), 'config')], { implicitDefault: true }).problems).toEqual([]);
  });

  it('builds a one-context kubeconfig for the client', () => {
    const d = dir();
    const a = join(d, 'a');
    writeFileSync(
      a,
      kubeconfig({
        contexts: [
          ['x', 'k', 'u'],
          ['y', 'k2', 'u2'],
        ],
      }),
    );
    const yaml = kubeconfigForContext(loadKubeconfig([a]), 'y') ?? '';
    expect(yaml).toMatch(/current-context: y/);
    expect(yaml).toMatch(/secret-of-u2/);
    expect(yaml).not.toMatch(/secret-of-u\b/);
    expect(kubeconfigForContext(loadKubeconfig([a]), 'zzz')).toBeNull();
  });
});
