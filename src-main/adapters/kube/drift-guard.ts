import { ClusterError } from './kube-errors.ts';

/** The fields Switchyard manages on one object, as display strings (e.g. `{ "weight canary": "10" }`). */
export type ManagedFields = Record<string, string>;

interface Seen {
  resourceVersion: string | undefined;
  fields: ManagedFields;
}

/**
 * Remembers, per object, the managed fields as Switchyard last read or wrote them. When a later read
 * shows a newer resourceVersion whose managed fields differ, someone else changed the object: that is
 * drift, reported as `ClusterError` kind `conflict` naming the object and every differing field. The new
 * state becomes the baseline, so after the operator resumes the next call decides from what is there.
 */
export class DriftGuard {
  private readonly seen = new Map<string, Seen>();
  /** Writes whose answer was lost (unreachable, timeout): the server may have applied them. */
  private readonly unconfirmed = new Map<string, ManagedFields>();

  /** Checks a fresh read of `object` (e.g. `VirtualService shop/web`) against the baseline. Throws `ClusterError` `conflict` on drift. */
  observe(object: string, resourceVersion: string | undefined, fields: ManagedFields): void {
    const prev = this.seen.get(object);
    if (prev && isOlder(resourceVersion, prev.resourceVersion)) return;
    this.seen.set(object, { resourceVersion, fields });
    if (!prev || prev.resourceVersion === resourceVersion) return;
    const keys = [...new Set([...Object.keys(prev.fields), ...Object.keys(fields)])].filter(
      (k) => prev.fields[k] !== fields[k],
    );
    if (keys.length === 0) return;
    const mine = this.unconfirmed.get(object);
    this.unconfirmed.delete(object);
    // Our own write whose answer was lost is not someone else's change.
    if (mine && Object.entries(mine).every(([k, v]) => fields[k] === v)) return;
    const diffs = keys.map(
      (k) => `${k} is ${fields[k] ?? 'unset'} (Switchyard left it at ${prev.fields[k] ?? 'unset'})`,
    );
    throw new ClusterError(
      'conflict',
      `${object} was changed by someone else since Switchyard last read it: ${diffs.join('; ')}. The release pauses and nothing was overwritten.`,
    );
  }

  /** Records what Switchyard itself just wrote. */
  wrote(object: string, resourceVersion: string | undefined, fields: ManagedFields): void {
    this.seen.set(object, { resourceVersion, fields });
    this.unconfirmed.delete(object);
  }

  /** Records a write whose answer never came: the next read showing exactly these fields is our own change. */
  mayHaveWritten(object: string, fields: ManagedFields): void {
    this.unconfirmed.set(object, fields);
  }

  /** Forgets an object Switchyard deleted. */
  forget(object: string): void {
    this.seen.delete(object);
  }
}

/** True when both versions are integers (as etcd's are) and `a` is older than `b`: a stale read, not drift. */
function isOlder(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}
