import type { V1Deployment, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { ManagedFields } from './drift-guard.ts';
import { ClusterError } from './kube-errors.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RELEASE_ANNOTATION } from './managed.ts';

/** Label that carries the version on canary pods and Istio subsets. */
export const VERSION_LABEL = 'version';
/** Label that carries the colour on blue-green pods, subsets and Service selectors. */
export const COLOUR_LABEL = 'colour';
/** Annotation on the canary Deployment keeping the total replica count of a replica-ratio router. */
export const TOTAL_REPLICAS_ANNOTATION = 'switchyard.dev/total-replicas';
/**
 * Annotation keeping the stable workload's image when a release began: on the canary Deployment, on the
 * Deployment a rolling release updates and on the colour a blue-green release deploys (beside
 * `switchyard.dev/release`).
 */
export const STABLE_IMAGE_ANNOTATION = 'switchyard.dev/stable-image';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Annotation on a rolling release's Deployment keeping its rollout settings from before the release (JSON). */
export const ROLLOUT_BEFORE_ANNOTATION = 'switchyard.dev/rollout-before';

/**
 * The drift of a stable Deployment `ns/name` that runs `now` where the release expected `expected`: someone
 * released another version since this release began (`ClusterError` `conflict`).
 */
export function stableImageDrift(ns: string, name: string, now: string, expected: string): ClusterError {
  return new ClusterError(
    'conflict',
    `Deployment ${ns}/${name} was changed by someone else since this release began: image is ${now} (the release expected ${expected}). The release pauses and nothing was overwritten; abort it, then release again from what runs now.`,
  );
}

/** The image of `container` (or the first container) of a Deployment; '' when it has none. */
export function containerImage(d: V1Deployment, container?: string): string {
  return templateImage(d.spec?.template, container);
}

export function templateImage(t: V1PodTemplateSpec | undefined, container?: string): string {
  const cs = t?.spec?.containers ?? [];
  return (cs.find((c) => c.name === container) ?? cs[0])?.image ?? '';
}

export function withImage(d: V1Deployment, container: string | undefined, image: string): V1Deployment {
  const next = structuredClone(d);
  const cs = next.spec?.template?.spec?.containers ?? [];
  const target = cs.find((c) => c.name === container) ?? cs[0];
  if (!target)
    throw new ClusterError(
      'invalidConfig',
      `Deployment ${d.metadata?.namespace}/${d.metadata?.name} has no container${container ? ` named ${container}` : ''}.`,
    );
  target.image = image;
  return next;
}

/** A Deployment's rollout settings, as `setImage` applies them and `restoreRollout` puts them back. */
export interface RolloutSettings {
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
}

export function rolloutOf(d: V1Deployment): RolloutSettings {
  const ru = d.spec?.strategy?.rollingUpdate;
  return {
    ...(ru?.maxSurge !== undefined ? { maxSurge: ru.maxSurge } : {}),
    ...(ru?.maxUnavailable !== undefined ? { maxUnavailable: ru.maxUnavailable } : {}),
    ...(d.spec?.minReadySeconds !== undefined ? { minReadySeconds: d.spec.minReadySeconds } : {}),
    ...(d.spec?.progressDeadlineSeconds !== undefined
      ? { progressDeadlineSeconds: d.spec.progressDeadlineSeconds }
      : {}),
  };
}

export function withSettings(d: V1Deployment, s: RolloutSettings): V1Deployment {
  const next = structuredClone(d);
  const spec = next.spec!;
  const { rollingUpdate: _old, ...strategy } = spec.strategy ?? {};
  const rollingUpdate = {
    ...(s.maxSurge !== undefined ? { maxSurge: s.maxSurge } : {}),
    ...(s.maxUnavailable !== undefined ? { maxUnavailable: s.maxUnavailable } : {}),
  };
  spec.strategy = {
    ...strategy,
    type: 'RollingUpdate',
    ...(Object.keys(rollingUpdate).length ? { rollingUpdate } : {}),
  };
  if (s.minReadySeconds !== undefined) spec.minReadySeconds = s.minReadySeconds;
  else delete spec.minReadySeconds;
  if (s.progressDeadlineSeconds !== undefined) spec.progressDeadlineSeconds = s.progressDeadlineSeconds;
  else delete spec.progressDeadlineSeconds;
  return next;
}

/**
 * `d` with the plan's rollout settings, the previous ones noted in an annotation (only the first time, so a
 * resumed release still knows the values from before it); undefined when `d` already has them.
 */
export function withRollout(d: V1Deployment, planned: RolloutSettings): V1Deployment | undefined {
  const current = rolloutOf(d);
  const noted = d.metadata?.annotations?.[ROLLOUT_BEFORE_ANNOTATION];
  if (JSON.stringify(current) === JSON.stringify(planned) && noted !== undefined) return undefined;
  const next = withSettings(d, planned);
  next.metadata = {
    ...next.metadata,
    annotations: {
      ...next.metadata?.annotations,
      [ROLLOUT_BEFORE_ANNOTATION]: noted ?? JSON.stringify(current),
    },
  };
  return next;
}

/** `d` with the settings noted in its annotation put back and the annotation removed. */
export function restoredRollout(d: V1Deployment, noted: string): V1Deployment {
  let before: RolloutSettings = {};
  try {
    before = JSON.parse(noted) as RolloutSettings;
  } catch {
    // An unreadable note restores nothing but is still removed, so it cannot linger.
  }
  const next = withSettings(d, before);
  const annotations = { ...next.metadata?.annotations };
  delete annotations[ROLLOUT_BEFORE_ANNOTATION];
  next.metadata = { ...next.metadata, annotations };
  return next;
}

/**
 * The canary Deployment a release of `plan` creates (or rebuilds when it adopts one an earlier release left):
 * the stable workload's spec with the plan's image, selecting pods labelled `version: <version>`, labelled as
 * Switchyard's and annotated with the release id and the stable workload's image at that moment. With `total`
 * (a router that moves traffic by replicas, see `TrafficRouter.replicaTotal`) it starts at 0 replicas and notes
 * that total; otherwise it starts at 1.
 */
export function canaryDeployment(
  stable: V1Deployment,
  plan: ReleasePlan,
  version: string,
  releaseId: string,
  total?: number,
): V1Deployment {
  const matchLabels = { ...(stable.spec?.selector?.matchLabels ?? {}), [VERSION_LABEL]: version };
  const template = structuredClone(stable.spec?.template ?? {});
  template.metadata = {
    ...template.metadata,
    labels: { ...(template.metadata?.labels ?? {}), ...matchLabels },
  };
  const body: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `${plan.target.name}-canary`,
      namespace: plan.target.namespace,
      labels: {
        ...(stable.metadata?.labels ?? {}),
        [VERSION_LABEL]: version,
        [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
      },
      annotations: {
        [RELEASE_ANNOTATION]: releaseId,
        // What the stable workload ran when this release began: a resume that finds another image there
        // (someone released meanwhile) pauses as drift instead of writing an older image over it.
        [STABLE_IMAGE_ANNOTATION]: containerImage(stable, plan.target.container),
        ...(total === undefined ? {} : { [TOTAL_REPLICAS_ANNOTATION]: String(total) }),
      },
    },
    spec: {
      ...stable.spec,
      replicas: total === undefined ? 1 : 0,
      selector: { matchLabels },
      template,
    },
  };
  return withImage(body, plan.target.container, plan.target.image);
}

/** True when Switchyard created `d` (label `app.kubernetes.io/managed-by: switchyard`). */
export function isManaged(d: V1Deployment): boolean {
  return d.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/** The refusal to touch a `-canary` Deployment Switchyard did not create. */
export function notOurCanary(ns: string, name: string, context: string): ClusterError {
  return new ClusterError(
    'conflict',
    `Deployment ${ns}/${name} exists on context "${context}" but Switchyard did not create it (no label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}); Switchyard neither adopts nor deletes it. Rename or remove it, or label it ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} to hand it over.`,
  );
}

export function revisionOf(o: { metadata?: { annotations?: Record<string, string> } }): number {
  return Number(o.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;
}

export function sameMap(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a?.[k] === b?.[k]);
}

export function sameTemplate(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  const norm = (t: V1PodTemplateSpec | undefined) => ({
    labels: Object.fromEntries(
      Object.entries(t?.metadata?.labels ?? {})
        .filter(([k]) => k !== 'pod-template-hash')
        .sort(),
    ),
    images: (t?.spec?.containers ?? []).map((c) => `${c.name}=${c.image}`),
    args: (t?.spec?.containers ?? []).map((c) =>
      JSON.stringify([c.command ?? [], c.args ?? [], c.env ?? []]),
    ),
  });
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

export function mapFields(prefix: string, m: Record<string, string> | undefined): ManagedFields {
  return Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [`${prefix} ${k}`, v]));
}

/** A label selector string (`a=b,c=d`) from matchLabels. */
export function labelSelector(m: Record<string, string> | undefined): string {
  return Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function clampPercent(p: number): number {
  if (!Number.isFinite(p)) throw new RangeError(`weight ${p} is not a number between 0 and 100`);
  return Math.min(100, Math.max(0, p));
}

export function imageTag(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0)
    return image
      .slice(at + 1)
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 63);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}
