import { describe, expect, it } from 'vitest';
import { chooseNamespace } from '../../../src-renderer/lib/namespace-choice.ts';

const namespaces = ['argo-rollouts', 'default', 'kube-system', 'platform-production', 'team-b'];

describe('the namespace Connections opens', () => {
  it.each([
    ['the one last opened in this context', { remembered: 'team-b', contextNamespace: 'default' }, 'team-b'],
    ["the kubeconfig context's own when none was opened yet", { contextNamespace: 'default' }, 'default'],
    [
      'the first non-system namespace with workloads, not an empty default',
      { withWorkloads: ['argo-rollouts', 'kube-system', 'platform-production', 'team-b'] },
      'platform-production',
    ],
    ['a system namespace when only it holds workloads', { withWorkloads: ['kube-system'] }, 'kube-system'],
    ['the first namespace when nothing is known', {}, 'argo-rollouts'],
    [
      'past a remembered namespace that no longer exists',
      { remembered: 'gone', withWorkloads: ['team-b'] },
      'team-b',
    ],
  ])('%s', (_, options, expected) => {
    expect(chooseNamespace(namespaces, options)).toBe(expected);
  });

  it('is undefined for a cluster without namespaces', () => {
    expect(chooseNamespace([], { withWorkloads: ['x'] })).toBeUndefined();
  });
});
