import { CoordinationV1Api, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import type { Target } from '../../../src-shared/plan/plan.schema.ts';
import {
  LEASE_DURATION_SECONDS,
  type AcquireOutcome,
  type LeaseClaim,
  type LeaseHolder,
  type RenewOutcome,
  type WorkloadLeasePort,
} from '../../ports/lease.port.ts';
import { createKubeClient, type KubeClientOptions } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RELEASE_ANNOTATION } from './managed.ts';

/** Annotations of a workload Lease: who holds it, from which computer, since when (ISO time). */
export const LEASE_USER_ANNOTATION = 'switchyard.dev/user';
export const LEASE_HOST_ANNOTATION = 'switchyard.dev/host';
export const LEASE_ACQUIRED_ANNOTATION = 'switchyard.dev/acquired';

/** The Lease of a workload: `switchyard-<kind>-<name>`, kind lower-case (`switchyard-deployment-workflow-engine`). */
export function workloadLeaseName(target: Pick<Target, 'kind' | 'name'>): string {
  return `switchyard-${target.kind.toLowerCase()}-${target.name}`;
}

export interface WorkloadLeaseOptions extends KubeClientOptions {
  /** Seconds the lease is valid after a renewal; default `LEASE_DURATION_SECONDS` (30). */
  readonly durationSeconds?: number;
  /** Real time, milliseconds since the Unix epoch; default `Date.now`. Leases measure whether a process lives, so never a scaled clock. */
  readonly now?: () => number;
}

/** Attempts at a read-modify-write of the Lease before a run of 409s is reported. */
const ATTEMPTS = 3;

/**
 * The Lease of one workload on one context, through `@kubernetes/client-node`. Created with create (409 =
 * someone else was first), changed with update carrying the resourceVersion read (409 = lost a race), deleted
 * with a resourceVersion precondition, so two consoles never both believe they hold it.
 */
export function createKubeWorkloadLease(
  kubeconfigYaml: string,
  target: Pick<Target, 'namespace' | 'kind' | 'name'>,
  options: WorkloadLeaseOptions = {},
): WorkloadLeasePort {
  const client = createKubeClient(kubeconfigYaml, options);
  const api = client.kc.makeApiClient(CoordinationV1Api);
  const namespace = target.namespace;
  const name = workloadLeaseName(target);
  const ref = `${namespace}/${name}`;
  const duration = options.durationSeconds ?? LEASE_DURATION_SECONDS;
  const now = options.now ?? Date.now;

  const get = async (): Promise<V1Lease | null> => {
    try {
      return await client.read(`reading Lease ${ref}`, () => api.readNamespacedLease({ name, namespace }));
    } catch (error) {
      if (error instanceof ClusterError && error.clusterKind === 'notFound') return null;
      throw error;
    }
  };
  const holderOf = (lease: V1Lease | null): LeaseHolder | null => {
    const id = lease?.spec?.holderIdentity;
    if (!lease || !id) return null;
    const a = lease.metadata?.annotations ?? {};
    const time = (v: unknown) => {
      const ms =
        v === undefined || v === null ? NaN : Date.parse(v instanceof Date ? v.toISOString() : String(v));
      return Number.isFinite(ms) ? ms : null;
    };
    const seconds = lease.spec?.leaseDurationSeconds ?? duration;
    const acquiredAtMs = time(a[LEASE_ACQUIRED_ANNOTATION] ?? lease.spec?.acquireTime);
    const renewedAtMs = time(lease.spec?.renewTime) ?? acquiredAtMs;
    return {
      releaseId: id,
      user: a[LEASE_USER_ANNOTATION] ?? '',
      host: a[LEASE_HOST_ANNOTATION] ?? '',
      acquiredAtMs,
      renewedAtMs,
      durationSeconds: seconds,
      stale: renewedAtMs === null || renewedAtMs + seconds * 1000 < now(),
    };
  };
  /** The Lease as `claim` holds it; `since` keeps the original acquisition time on a renewal. */
  const body = (claim: LeaseClaim, base: V1Lease | null, since: number | null): V1Lease => {
    const at = now();
    const taking = since === null;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...(base?.metadata ?? {}),
        name,
        namespace,
        labels: { ...(base?.metadata?.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
        annotations: {
          ...(base?.metadata?.annotations ?? {}),
          [RELEASE_ANNOTATION]: claim.releaseId,
          [LEASE_USER_ANNOTATION]: claim.user,
          [LEASE_HOST_ANNOTATION]: claim.host,
          [LEASE_ACQUIRED_ANNOTATION]: new Date(since ?? at).toISOString(),
        },
      },
      spec: {
        holderIdentity: claim.releaseId,
        leaseDurationSeconds: duration,
        acquireTime: new V1MicroTime(since ?? at),
        renewTime: new V1MicroTime(at),
        leaseTransitions: (base?.spec?.leaseTransitions ?? 0) + (taking && base ? 1 : 0),
      },
    };
  };
  const isConflict = (error: unknown) => error instanceof ClusterError && error.clusterKind === 'conflict';
  const replace = (lease: V1Lease) =>
    client.write(`updating Lease ${ref}`, () => api.replaceNamespacedLease({ name, namespace, body: lease }));
  const unknownHolder = (): LeaseHolder => ({
    releaseId: 'another release',
    user: '',
    host: '',
    acquiredAtMs: null,
    renewedAtMs: null,
    durationSeconds: duration,
    stale: false,
  });

  const acquire = async (claim: LeaseClaim, opts: { takeOver?: boolean } = {}): Promise<AcquireOutcome> => {
    for (let attempt = 1; ; attempt++) {
      const lease = await get();
      const holder = holderOf(lease);
      try {
        if (!lease) {
          await client.write(`creating Lease ${ref}`, () =>
            api.createNamespacedLease({ namespace, body: body(claim, null, null) }),
          );
          return { kind: 'acquired' };
        }
        if (holder && holder.releaseId === claim.releaseId) {
          await replace(body(claim, lease, holder.acquiredAtMs ?? now()));
          return { kind: 'acquired' };
        }
        if (holder && !(holder.stale && opts.takeOver)) return { kind: 'held', holder };
        await replace(body(claim, lease, null));
        return holder ? { kind: 'acquired', from: holder } : { kind: 'acquired' };
      } catch (error) {
        // 409: another console created or changed the Lease between our read and our write.
        if (!isConflict(error)) throw error;
        if (attempt >= ATTEMPTS) {
          const winner = holderOf(await get());
          return { kind: 'held', holder: winner ?? unknownHolder() };
        }
        const winner = holderOf(await get());
        if (winner && winner.releaseId !== claim.releaseId && !(winner.stale && opts.takeOver))
          return { kind: 'held', holder: winner };
      }
    }
  };

  return {
    ref,
    acquire,
    async renew(releaseId) {
      for (let attempt = 1; ; attempt++) {
        const lease = await get();
        const holder = holderOf(lease);
        if (!lease || !holder || holder.releaseId !== releaseId)
          return { kind: 'lost', holder } satisfies RenewOutcome;
        const at = now();
        const next: V1Lease = {
          ...lease,
          spec: { ...lease.spec, renewTime: new V1MicroTime(at), leaseDurationSeconds: duration },
        };
        try {
          await replace(next);
          return { kind: 'renewed' };
        } catch (error) {
          if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
        }
      }
    },
    async release(releaseId) {
      const lease = await get();
      if (holderOf(lease)?.releaseId !== releaseId) return;
      try {
        await client.write(`deleting Lease ${ref}`, () =>
          api.deleteNamespacedLease({
            name,
            namespace,
            body: { preconditions: { resourceVersion: lease?.metadata?.resourceVersion ?? '' } },
          }),
        );
      } catch (error) {
        // Gone already, or changed meanwhile (taken over): either way it is no longer ours to delete.
        if (
          error instanceof ClusterError &&
          (error.clusterKind === 'notFound' || error.clusterKind === 'conflict')
        )
          return;
        throw error;
      }
    },
    read: async () => holderOf(await get()),
  };
}
