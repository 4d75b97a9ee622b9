import type { V1Deployment } from '@kubernetes/client-node';
import type { WorkloadState } from '../../ports/release.port.ts';
import type { TrafficRouter } from '../../ports/traffic-router.port.ts';
import {
  ROLLOUT_BEFORE_ANNOTATION,
  STABLE_IMAGE_ANNOTATION,
  stableImageDrift,
  VERSION_LABEL,
  canaryDeployment,
  clampPercent,
  containerImage,
  isManaged,
  notOurCanary,
  restoredRollout,
  revisionOf,
  sameMap,
  sameTemplate,
  templateImage,
  withImage,
  withRollout,
  type RolloutSettings,
} from './deployment-spec.ts';
import { sleep } from '../abortable-sleep.ts';
import { ClusterError } from './kube-errors.ts';
import type { KubeObjects } from './kube-objects.ts';
import { RELEASE_ANNOTATION } from './managed.ts';

/**
 * The workload side of a release, whatever the router: the canary Deployment (`<name>-canary`: created, adopted,
 * scaled for a weight, its image promoted to stable), a rolling release's image and settings on the target
 * (set, restored, undone) and a Deployment's counts. Every write goes through `KubeObjects` (read, decide,
 * write what differs; drift is a `conflict`).
 */
export class WorkloadOps {
  constructor(
    private readonly o: KubeObjects,
    private readonly router: TrafficRouter,
  ) {}

  private get container(): string | undefined {
    return this.o.plan.target.container;
  }

  /** Creates or adopts the canary Deployment with `image`, selecting pods labelled `version`. */
  async ensureCanary(image: string, version: string): Promise<void> {
    const { o } = this;
    const stable = await o.getDeployment(o.name);
    if (!stable) throw o.missing('Deployment', o.name);
    const canaryName = o.canaryName();
    const matchLabels = { ...(stable.spec?.selector?.matchLabels ?? {}), [VERSION_LABEL]: version };
    const existing = await o.getDeployment(canaryName);
    if (existing && !isManaged(existing)) throw notOurCanary(o.ns, canaryName, o.k.context);
    if (existing && !sameMap(existing.spec?.selector?.matchLabels, matchLabels)) {
      // The selector of a Deployment cannot change: a canary of another version is replaced.
      await o.k.write(`deleting Deployment ${o.ns}/${canaryName}`, () =>
        o.k.apps.deleteNamespacedDeployment({
          name: canaryName,
          namespace: o.ns,
          propagationPolicy: 'Foreground',
        }),
      );
      o.forget(`Deployment ${o.ns}/${canaryName}`);
      await o.waitGone(canaryName);
    }
    const releaseId = o.releaseId();
    const total = this.router.replicaTotal?.(stable.spec?.replicas ?? 1);
    const fresh = () => canaryDeployment(stable, o.plan, version, releaseId, total);
    await o.upsertDeployment(canaryName, (current) => {
      if (!current) return fresh();
      if (!isManaged(current)) throw notOurCanary(o.ns, canaryName, o.k.context);
      // A canary an earlier release left (scaled to 0) is adopted: rebuilt from the stable workload for this release.
      if (current.metadata?.annotations?.[RELEASE_ANNOTATION] !== releaseId) return fresh();
      if (containerImage(current, this.container) === image) return undefined;
      return withImage(current, this.container, image);
    });
  }

  /** Scales the canary up (never down) to what `percent` needs (see `ReleaseOps.scaleForWeight`). */
  async scaleForWeight(percent: number): Promise<{ replicas: number }> {
    const { o } = this;
    const p = clampPercent(percent);
    if (p === 0) return { replicas: 0 };
    const wanted = await this.router.canaryReplicasFor(p);
    const canary = await o.getDeployment(o.canaryName());
    if (!canary) throw o.missing('Deployment', o.canaryName());
    // Only ever up: a router that moves traffic by replicas shrinks the stable side once these pods are ready.
    if ((canary.spec?.replicas ?? 0) < wanted) await o.scale(o.canaryName(), wanted);
    return { replicas: wanted };
  }

  /** Gives the stable workload `image`, unless someone released another version since the release began. */
  async promoteImage(image: string): Promise<void> {
    const { o } = this;
    const expected = await this.stableImageAtStart();
    await o.upsertDeployment(o.name, (current) => {
      if (!current) throw o.missing('Deployment', o.name);
      const now = containerImage(current, this.container);
      if (now === image) return undefined;
      if (expected !== undefined && now !== expected) throw this.stableDrift(now, expected);
      return withImage(current, this.container, image);
    });
  }

  /**
   * Throws drift (`ClusterError` `conflict`) when the stable workload no longer runs the image it ran when the
   * release began nor the release's own: someone released another version meanwhile (e.g. while this release
   * sat paused or its process was killed), and moving on would put an older image back over theirs.
   */
  async checkStableImage(): Promise<void> {
    const { o } = this;
    const expected = await this.stableImageAtStart();
    if (expected === undefined) return;
    const stable = await o.getDeployment(o.name);
    if (!stable) throw o.missing('Deployment', o.name);
    const now = containerImage(stable, this.container);
    if (now !== expected && now !== o.plan.target.image) throw this.stableDrift(now, expected);
  }

  /** See `ReleaseOps.setImage`. */
  async setImage(image: string): Promise<{ revision: number }> {
    const { o } = this;
    const before = await o.getDeployment(o.name);
    if (!before) throw o.missing('Deployment', o.name);
    // The plan's rollout settings come with the release's own image (not with a roll back to the one before).
    const settings = image === o.plan.target.image ? this.plannedRollout() : undefined;
    if (containerImage(before, this.container) === image && settings === undefined)
      return { revision: revisionOf(before) };
    // Only a release with its own id notes itself on the Deployment (a plan name is no release's identity).
    const releaseId = o.options.releaseId;
    const written = await o.upsertDeployment(o.name, (current) => {
      if (!current) throw o.missing('Deployment', o.name);
      const now = containerImage(current, this.container);
      const planned = settings ? withRollout(current, settings) : undefined;
      if (now === image) return planned;
      // This release set its image before (then its process stopped): someone released another one since.
      if (
        releaseId !== undefined &&
        current.metadata?.annotations?.[RELEASE_ANNOTATION] === releaseId &&
        now !== o.plan.target.image
      )
        throw this.stableDrift(now, o.plan.target.image);
      const next = withImage(planned ?? current, this.container, image);
      if (releaseId === undefined) return next;
      next.metadata = {
        ...next.metadata,
        annotations: {
          ...next.metadata?.annotations,
          [RELEASE_ANNOTATION]: releaseId,
          [STABLE_IMAGE_ANNOTATION]: now,
        },
      };
      return next;
    });
    if (containerImage(before, this.container) === image) return { revision: revisionOf(before) };
    const generation = written?.metadata?.generation ?? 0;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const d = await o.getDeployment(o.name);
      if (d && (d.status?.observedGeneration ?? 0) >= generation && revisionOf(d) > revisionOf(before))
        return { revision: revisionOf(d) };
      if (Date.now() > deadline) return { revision: revisionOf(before) + 1 };
      await sleep(Math.min(o.pollMs, 100));
    }
  }

  /** See `ReleaseOps.restoreRollout`. */
  async restoreRollout(): Promise<void> {
    const { o } = this;
    await o.upsertDeployment(o.name, (cur) => {
      if (!cur) throw o.missing('Deployment', o.name);
      const noted = cur.metadata?.annotations?.[ROLLOUT_BEFORE_ANNOTATION];
      if (noted === undefined) return undefined;
      return restoredRollout(cur, noted);
    });
  }

  /** See `ReleaseOps.undo`. */
  async undo(revision?: number): Promise<void> {
    const { o } = this;
    const dep = await o.getDeployment(o.name);
    if (!dep) throw o.missing('Deployment', o.name);
    const sets = (await o.ownedReplicaSets(dep)).sort((a, b) => revisionOf(b) - revisionOf(a));
    // Default: the newest revision that does not run the release's image. Unlike a bare `kubectl rollout undo`,
    // calling it again after a crash finds the same revision (now current) and changes nothing.
    const releaseImage = o.plan.target.image;
    const target =
      revision === undefined
        ? sets.find((rs) => templateImage(rs.spec?.template, this.container) !== releaseImage)
        : sets.find((rs) => revisionOf(rs) === revision);
    if (!target)
      throw new ClusterError(
        'notFound',
        revision === undefined
          ? `Deployment ${o.ns}/${o.name} has no previous revision to roll back to.`
          : `Deployment ${o.ns}/${o.name} has no revision ${revision} to roll back to.`,
      );
    const template = structuredClone(target.spec?.template ?? {});
    const labels = { ...(template.metadata?.labels ?? {}) };
    delete labels['pod-template-hash'];
    template.metadata = { ...template.metadata, labels };
    const releaseId = o.options.releaseId;
    await o.upsertDeployment(o.name, (cur) => {
      if (!cur) throw o.missing('Deployment', o.name);
      if (sameTemplate(cur.spec?.template, template)) return undefined;
      // Another release replaced this one's image meanwhile: this release's version no longer runs, and
      // undoing would put an older image over theirs, so nothing is written.
      const now = containerImage(cur, this.container);
      if (
        releaseId !== undefined &&
        cur.metadata?.annotations?.[RELEASE_ANNOTATION] === releaseId &&
        now !== releaseImage
      )
        return undefined;
      return { ...cur, spec: { ...cur.spec!, template } };
    });
  }

  /** The counts of Deployment `dep` and its pods. */
  async state(dep: V1Deployment): Promise<WorkloadState> {
    const pods = await this.o.ownedPods(dep);
    let restarts = 0;
    let failingPods = 0;
    for (const p of pods) {
      const statuses = p.status?.containerStatuses ?? [];
      restarts += statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
      if (
        p.status?.phase === 'Failed' ||
        statuses.some((s) => s.state?.waiting?.reason === 'CrashLoopBackOff')
      )
        failingPods++;
    }
    const progressing = dep.status?.conditions?.find((c) => c.type === 'Progressing');
    return {
      desired: dep.spec?.replicas ?? 1,
      current: dep.status?.replicas ?? 0,
      observed: (dep.status?.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 0),
      ready: dep.status?.readyReplicas ?? 0,
      updated: dep.status?.updatedReplicas ?? 0,
      available: dep.status?.availableReplicas ?? 0,
      image: containerImage(dep, this.container),
      revision: revisionOf(dep),
      restarts,
      failingPods,
      progressDeadlineExceeded:
        progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded',
    };
  }

  /** The plan's rolling settings, for a rolling release; undefined for any other strategy. */
  private plannedRollout(): RolloutSettings | undefined {
    const s = this.o.plan.strategy;
    if (s.kind !== 'rolling') return undefined;
    return {
      maxSurge: s.maxSurge,
      maxUnavailable: s.maxUnavailable,
      minReadySeconds: s.minReadySeconds,
      progressDeadlineSeconds: s.progressDeadlineSeconds,
    };
  }

  /**
   * The stable workload's image when this release began, as noted on its canary; undefined when not noted or
   * when the canary is not this release's (another release's, or not yet adopted).
   */
  private async stableImageAtStart(): Promise<string | undefined> {
    const { o } = this;
    const canary = await o.getDeployment(o.canaryName(), false);
    const notes = canary?.metadata?.annotations ?? {};
    const ours =
      canary !== undefined &&
      notes[RELEASE_ANNOTATION] === o.releaseId() &&
      containerImage(canary, this.container) === o.plan.target.image;
    return ours ? notes[STABLE_IMAGE_ANNOTATION] : undefined;
  }

  private stableDrift(now: string, expected: string): ClusterError {
    return stableImageDrift(this.o.ns, this.o.name, now, expected);
  }
}
