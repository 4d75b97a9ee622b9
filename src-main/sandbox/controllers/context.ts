import { randomBytes } from 'node:crypto';
import type { Clock } from '../../ports/clock.port.ts';
import { parseImage, type BehaviourProfile, type ProfileBook } from '../profiles.ts';
import type { KubeObject } from '../selectors.ts';
import { kubeTime, type ObjectStore } from '../store.ts';
import type { WorkTracker } from './work-tracker.ts';

/** What the kubelet simulation remembers about a pod between ticks (sandbox-clock ms). */
export interface PodSim {
  createdMs: number;
  runningSinceMs?: number;
  readySinceMs?: number;
  backoffUntilMs?: number;
  restarts: number;
  finishedMs?: number;
  /** resourceVersion and profile-book version at which the pod was last seen settled. */
  settled?: string;
  /** How the last run ended, when it was killed rather than crashing (`OOMKilled`). */
  lastExit?: 'Error' | 'OOMKilled';
  /** Where a failing image pull stands. */
  pull?: 'ErrImagePull' | 'ImagePullBackOff';
}

/** Shared state of the simulated control plane. */
export interface ControllerContext {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly profiles: ProfileBook;
  readonly pods: Map<string, PodSim>;
  /** Sandbox-clock ms of the last progress of each Deployment (by uid). */
  readonly progress: Map<string, number>;
  /** Last seen rollout counters of each Deployment, to notice progress. */
  readonly progressSig: Map<string, string>;
  /** Pod-template hash of each Deployment, by `uid/generation`. */
  readonly hashes: Map<string, string>;
  /** What changed since the last tick, and who asked to be looked at again. */
  readonly work: WorkTracker;
  /** True while a scenario is being laid down: pods start ready and no Events are recorded. */
  seeding: boolean;
  /** Tags that exist per image repository name (the scenario's registry); unlisted repositories pull anything. */
  readonly registry: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A short random suffix as the API server's generateName uses (5 chars). */
export function suffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

/** The controlling ownerReference pointing at `owner`. */
export function ownerRef(owner: KubeObject): NonNullable<KubeObject['metadata']['ownerReferences']>[number] {
  return {
    apiVersion: owner.apiVersion ?? 'v1',
    kind: owner.kind ?? '',
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The behaviour profile of a pod: by its `app` label (else image name) and its first container's tag. */
export function podProfile(ctx: ControllerContext, pod: KubeObject): BehaviourProfile {
  const { service, version } = podIdentity(pod);
  return ctx.profiles.resolve(pod.metadata.namespace ?? '', service, version);
}

/** The (service, version) a pod serves metrics as: `app` label (else image name) and image tag. */
export function podIdentity(pod: KubeObject): { service: string; version: string } {
  const image = parseImage(String(pod.spec?.containers?.[0]?.image ?? ''));
  return { service: pod.metadata.labels?.app ?? image.name, version: image.tag };
}

/** True when the pod is Ready. */
export function isReady(pod: KubeObject): boolean {
  return (
    pod.status?.conditions?.some(
      (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
    ) ?? false
  );
}

/** True when the pod has been Ready for at least `minReadySeconds` of sandbox time. */
export function isAvailable(
  ctx: ControllerContext,
  pod: KubeObject,
  minReadySeconds: number,
  now: number,
): boolean {
  if (!isReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const sim = ctx.pods.get(pod.metadata.uid ?? '');
  const since =
    sim?.readySinceMs ??
    Date.parse(pod.status.conditions.find((c: { type: string }) => c.type === 'Ready').lastTransitionTime);
  return now - since >= minReadySeconds * 1000;
}

/** True for a pod that is neither finished nor being deleted. */
export function isActive(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** Writes `status` (and optional annotations) when they differ from what is stored. */
export function writeStatus(
  ctx: ControllerContext,
  key: string,
  obj: KubeObject,
  status: unknown,
  annotations?: Record<string, string>,
): KubeObject {
  const sameStatus = JSON.stringify(obj.status) === JSON.stringify(status);
  const sameAnn =
    !annotations || Object.entries(annotations).every(([k, v]) => obj.metadata.annotations?.[k] === v);
  if (sameStatus && sameAnn) return obj;
  const current = ctx.store.get(key, obj.metadata.namespace, obj.metadata.name);
  if (!current) return obj;
  return ctx.store.replace(key, {
    ...current,
    metadata: annotations
      ? { ...current.metadata, annotations: { ...current.metadata.annotations, ...annotations } }
      : current.metadata,
    status,
  });
}

let eventCount = 0;
const eventCap = 2000;

/** Records a core/v1 Event about `obj` (skipped while seeding); keeps at most 2,000 events. */
export function recordEvent(
  ctx: ControllerContext,
  obj: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component: string,
): void {
  if (ctx.seeding || !obj.metadata.namespace) return;
  const now = kubeTime(ctx.clock.now());
  ctx.store.create('events', {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${obj.metadata.name}.${randomBytes(8).toString('hex')}`,
      namespace: obj.metadata.namespace,
    },
    involvedObject: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
    },
    reason,
    message,
    source: { component },
    reportingComponent: component,
    reportingInstance: '',
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    type,
  });
  if (++eventCount % 100 === 0) {
    const all = ctx.store.list('events');
    if (all.length > eventCap)
      for (const e of all.slice(0, all.length - eventCap))
        ctx.store.delete('events', e.metadata.namespace, e.metadata.name);
  }
}
