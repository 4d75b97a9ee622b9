import type { V1Deployment } from '@kubernetes/client-node';
import type { Colour } from '../../ports/release.port.ts';
import type { TrafficRouter } from '../../ports/traffic-router.port.ts';
import {
  COLOUR_LABEL,
  STABLE_IMAGE_ANNOTATION,
  containerImage,
  imageTag,
  stableImageDrift,
  withImage,
} from './deployment-spec.ts';
import { ClusterError } from './kube-errors.ts';
import type { KubeObjects } from './kube-objects.ts';
import { RELEASE_ANNOTATION } from './managed.ts';

const otherColour = (colour: Colour): Colour => (colour === 'blue' ? 'green' : 'blue');

/**
 * The two colours of a blue-green release as workloads: `<name>-blue` and `<name>-green` beside the original
 * Deployment (which serves the colour that was active before the first switch), or the runbook's layout, the
 * same Deployment name in the namespaces `<ns>-blue` and `<ns>-green` when the router points there.
 */
export class ColourWorkloads {
  private layout: boolean | undefined;

  constructor(
    private readonly o: KubeObjects,
    private readonly router: TrafficRouter,
  ) {}

  /** The colour that takes production traffic now, as the router reads it. */
  async active(): Promise<Colour> {
    const split = await this.router.readSplit();
    return (split.weights.green ?? 0) > (split.weights.blue ?? 0) ? 'green' : 'blue';
  }

  /**
   * Rolls `image` out on `colour` at the size of the other colour, then points the router's backend at it.
   * The first deploy of a release notes on `colour` the release and the image the other colour (the one
   * serving) runs, for `checkStable`; a repeated deploy (a resume) keeps that note.
   */
  async deploy(colour: Colour, image: string): Promise<void> {
    const { o } = this;
    const container = o.plan.target.container;
    const other = otherColour(colour);
    if (await this.inNamespaces()) {
      const active = await this.deployment(other).catch(() => undefined);
      const noted = this.notes(active);
      const ns = `${o.ns}-${colour}`;
      await o.upsertDeployment(
        o.name,
        (current) => {
          if (!current)
            throw new ClusterError(
              'notFound',
              `Deployment ${ns}/${o.name} does not exist on context "${o.k.context}".`,
              404,
            );
          const replicas = active?.spec?.replicas ?? current.spec?.replicas ?? 1;
          if (
            containerImage(current, container) === image &&
            current.spec?.replicas === replicas &&
            noted(current) === current
          )
            return undefined;
          const next = noted(withImage(current, container, image));
          next.spec = { ...next.spec!, replicas };
          return next;
        },
        ns,
      );
      return;
    }
    const own = `${o.name}-${colour}`;
    const base = (await o.getDeployment(`${o.name}-${other}`)) ?? (await o.getDeployment(o.name));
    if (!base) throw o.missing('Deployment', o.name);
    const noted = this.notes(base);
    const replicas = base.spec?.replicas ?? 1;
    const versionLabel = this.router.versionLabel;
    const tag = imageTag(image);
    // The router must not reach the new colour's pods before the switch (a Service selecting only `app` would).
    const serving = base.spec?.template?.metadata?.labels ?? {};
    await this.router.keepOffIdle?.(serving, {
      ...serving,
      ...base.spec?.selector?.matchLabels,
      [COLOUR_LABEL]: colour,
      [versionLabel]: tag,
    });
    await o.upsertDeployment(own, (current) => {
      if (current) {
        const inSelector = current.spec?.selector?.matchLabels?.[versionLabel] !== undefined;
        const labelOk = inSelector || current.spec?.template?.metadata?.labels?.[versionLabel] === tag;
        if (
          containerImage(current, container) === image &&
          current.spec?.replicas === replicas &&
          labelOk &&
          noted(current) === current
        )
          return undefined;
        const next = noted(withImage(current, container, image));
        next.spec = { ...next.spec!, replicas };
        if (!inSelector)
          next.spec.template.metadata = {
            ...next.spec.template.metadata,
            labels: { ...next.spec.template.metadata?.labels, [versionLabel]: tag },
          };
        return next;
      }
      const matchLabels: Record<string, string> = {
        ...(base.spec?.selector?.matchLabels ?? {}),
        [COLOUR_LABEL]: colour,
      };
      if (matchLabels[versionLabel] !== undefined) matchLabels[versionLabel] = tag;
      const template = structuredClone(base.spec?.template ?? {});
      template.metadata = {
        ...template.metadata,
        labels: { ...(template.metadata?.labels ?? {}), ...matchLabels, [versionLabel]: tag },
      };
      return noted(
        withImage(
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: {
              name: own,
              namespace: o.ns,
              labels: { ...(base.metadata?.labels ?? {}), [COLOUR_LABEL]: colour },
            },
            spec: { ...base.spec, replicas, selector: { matchLabels }, template },
          },
          container,
          image,
        ),
      );
    });
    await this.router.prepareColour(colour, { [COLOUR_LABEL]: colour });
  }

  /**
   * Throws drift (`ClusterError` `conflict`) when the colour serving now no longer runs the image it ran when
   * this release deployed `colour` (as noted on `colour`) nor the release's own: someone released another
   * version meanwhile (e.g. while this release sat paused or its process was killed), and switching would take
   * it out of service unseen. A colour this release did not deploy (switching back) is not checked.
   */
  async checkStable(colour: Colour): Promise<void> {
    const { o } = this;
    // A colour that does not exist is not this check's to report: the switch itself says what is wrong.
    const own = await this.deployment(colour).catch(() => undefined);
    const notes = own?.metadata?.annotations ?? {};
    const expected = notes[RELEASE_ANNOTATION] === o.releaseId() ? notes[STABLE_IMAGE_ANNOTATION] : undefined;
    if (expected === undefined) return;
    const serving = await this.deployment(otherColour(colour)).catch(() => undefined);
    if (!serving) return;
    const now = containerImage(serving, o.plan.target.container);
    if (now !== expected && now !== o.plan.target.image)
      throw stableImageDrift(
        serving.metadata?.namespace ?? o.ns,
        serving.metadata?.name ?? o.name,
        now,
        expected,
      );
  }

  /** Whether `d` carries this release's note of the serving colour's image. */
  private isNoted(d: V1Deployment): boolean {
    const notes = d.metadata?.annotations ?? {};
    return notes[RELEASE_ANNOTATION] === this.o.releaseId() && notes[STABLE_IMAGE_ANNOTATION] !== undefined;
  }

  /**
   * The change that notes this release and `serving`'s image on a colour Deployment; one already noted by this
   * release keeps its note (a resume must not take a colleague's image since as the one it began with).
   */
  private notes(serving: V1Deployment | undefined): (d: V1Deployment) => V1Deployment {
    const image = serving ? containerImage(serving, this.o.plan.target.container) : '';
    return (d) => {
      if (this.isNoted(d) || image === '') return d;
      const annotations = {
        ...d.metadata?.annotations,
        [RELEASE_ANNOTATION]: this.o.releaseId(),
        [STABLE_IMAGE_ANNOTATION]: image,
      };
      return { ...d, metadata: { ...d.metadata, annotations } };
    };
  }

  /** Scales `colour`'s workload to `replicas`; scaling up waits until every replica is ready. */
  async scale(colour: Colour, replicas: number): Promise<void> {
    const { o } = this;
    const dep = await this.deployment(colour);
    const name = dep.metadata?.name ?? o.name;
    const ns = dep.metadata?.namespace ?? o.ns;
    await o.upsertDeployment(
      name,
      (cur) => {
        if (!cur) throw o.missing('Deployment', name);
        if ((cur.spec?.replicas ?? 1) === replicas) return undefined;
        return { ...cur, spec: { ...cur.spec!, replicas } };
      },
      ns,
    );
    if (replicas > 0) await o.waitReady(name, ns);
  }

  /** The labels of `colour`'s pod template. */
  async podLabels(colour: Colour): Promise<Record<string, string>> {
    return (await this.deployment(colour)).spec?.template?.metadata?.labels ?? {};
  }

  /** The Deployment that runs `colour`. Throws `ClusterError` `notFound` when there is none. */
  async deployment(colour: Colour): Promise<V1Deployment> {
    const { o } = this;
    if (await this.inNamespaces()) {
      const d = await o.getDeployment(o.name, false, `${o.ns}-${colour}`);
      if (!d) throw o.missing('Deployment', o.name, `${o.ns}-${colour}`);
      return d;
    }
    const own = await o.getDeployment(`${o.name}-${colour}`, false);
    if (own) return own;
    // The original Deployment serves the colour that was active before the first switch: after it, the
    // colour without a Deployment of its own (the other one has one).
    const base = await o.getDeployment(o.name, false);
    const other: Colour = colour === 'blue' ? 'green' : 'blue';
    if (
      base &&
      ((await o.getDeployment(`${o.name}-${other}`, false)) ||
        (await (this.router.selectedColour?.() ?? this.active())) === colour)
    )
      return base;
    throw o.missing('Deployment', `${o.name}-${colour}`);
  }

  /** True when the colours live in the runbook's namespaces `<ns>-blue` / `<ns>-green` (same workload name). */
  private async inNamespaces(): Promise<boolean> {
    if (this.layout === undefined) {
      // Only when the router itself points at hosts in those namespaces (the runbook's VirtualService).
      const { o } = this;
      const found = (await this.router.routesToColourNamespaces())
        ? await Promise.all(
            (['blue', 'green'] as const).map((c) => o.getDeployment(o.name, false, `${o.ns}-${c}`)),
          )
        : [];
      this.layout = found.some(Boolean);
    }
    return this.layout;
  }
}
