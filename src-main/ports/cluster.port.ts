import type { WorkloadSummary } from '../../src-shared/bridge/contract.ts';

/**
 * Why a cluster call failed. Adapters throw `ClusterError` carrying one of these kinds,
 * never a library exception.
 */
export type ClusterErrorKind =
  'unauthorized' | 'forbidden' | 'notFound' | 'conflict' | 'unreachable' | 'timeout' | 'invalidConfig';

/** One connected kubeconfig context. */
export interface ClusterPort {
  /** The context's name. */
  readonly context: string;
  /** Namespace names, sorted. Errors: unreachable, timeout, unauthorized, forbidden. */
  listNamespaces(): Promise<string[]>;
  /** Deployments of a namespace as summaries, sorted by name. Errors as `listNamespaces`. */
  listWorkloads(namespace: string): Promise<WorkloadSummary[]>;
}
