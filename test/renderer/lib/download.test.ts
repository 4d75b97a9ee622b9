import { describe, expect, it } from 'vitest';
import { exportFilename } from '../../../src-renderer/lib/download.ts';

describe('exportFilename', () => {
  it.each([
    ['name: checkout-canary\ntarget: {}\n', 'argo', 'checkout-canary.argo-rollouts.yaml'],
    ["name: 'checkout canary'\n", 'flagger', 'checkout-canary.flagger.yaml'],
    ['name: "../../etc/passwd"\n', 'argo', 'etc-passwd.argo-rollouts.yaml'],
    ['target:\n  name: nested-only\n', 'flagger', 'plan.flagger.yaml'],
  ] as const)('%j as %s → %s', (text, to, want) => {
    expect(exportFilename(text, to)).toBe(want);
  });
});
