import { describe, expect, it } from 'vitest';
import type { WorkloadSummary } from '../../../src-shared/bridge/contract.ts';
import { keepUnchangedRows, sameWorkload } from '../../../src-shared/bridge/workload-rows.ts';

const row = (name: string, ready = 3, kind: WorkloadSummary['kind'] = 'Deployment'): WorkloadSummary => ({
  kind,
  name,
  namespace: 'shop',
  replicas: 3,
  readyReplicas: ready,
  updatedReplicas: 3,
  availableReplicas: ready,
  images: [`registry/${name}:v1`],
  version: 'v1',
});

describe('keeping unchanged workload rows', () => {
  it('returns the previous list itself when an event changed nothing the table shows', () => {
    const previous = [row('api'), row('web')];
    expect(keepUnchangedRows(previous, [row('api'), row('web')])).toBe(previous);
  });

  it('keeps the objects of unchanged rows and takes the changed row with its new counts', () => {
    const previous = [row('api'), row('cart'), row('web')];
    const next = keepUnchangedRows(previous, [row('api'), row('cart', 1), row('web')]);
    expect(next).not.toBe(previous);
    expect(next[0]).toBe(previous[0]);
    expect(next[2]).toBe(previous[2]);
    expect(next[1]).toMatchObject({ name: 'cart', readyReplicas: 1, availableReplicas: 1 });
  });

  it('sees added, removed and reordered rows, and a Rollout beside a Deployment of the same name', () => {
    const previous = [row('api'), row('web')];
    expect(keepUnchangedRows(previous, [row('api')]).map((w) => w.name)).toEqual(['api']);
    expect(keepUnchangedRows(previous, [row('web'), row('api')]).map((w) => w.name)).toEqual(['web', 'api']);
    const both = keepUnchangedRows(previous, [row('api'), row('api', 3, 'Rollout'), row('web')]);
    expect(both.map((w) => `${w.kind}/${w.name}`)).toEqual([
      'Deployment/api',
      'Rollout/api',
      'Deployment/web',
    ]);
    expect(both[0]).toBe(previous[0]);
  });

  it('compares every field shown, images included', () => {
    expect(sameWorkload(row('api'), { ...row('api'), images: ['registry/api:v1', 'sidecar:v2'] })).toBe(
      false,
    );
    expect(sameWorkload(row('api'), { ...row('api'), version: 'v2' })).toBe(false);
    expect(sameWorkload(row('api'), { ...row('api'), namespace: 'other' })).toBe(false);
    expect(sameWorkload(row('api'), row('api'))).toBe(true);
  });
});
