import type { V1Deployment, V1Pod, V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import { containerImage, labelSelector, mapFields } from './deployment-spec.ts';
import { DriftGuard, type ManagedFields } from './drift-guard.ts';
import { sleep } from '../abortable-sleep.ts';
import type { KubeClient, KubeClientOptions } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import { ROUTER_RESOURCES } from './router-objects.ts';

/** Options of `createKubeReleaseOps`. */
export interface KubeReleaseOpsOptions extends KubeClientOptions {
  /** Time between two reads while waiting for a workload or a Job, milliseconds. Default 500. */
  readonly pollMs?: number;
  /** How long `promoteCanary` waits for the stable workload to become ready, milliseconds. Default 600 000. */
  readonly readyTimeoutMs?: number;
  /** How long `runJob` waits for the Job, milliseconds. Default 1 800 000. */
  readonly jobTimeoutMs?: number;
  /** `fieldManager` sent with every write. Default `switchyard`. */
  readonly fieldManager?: string;
  /** Release id; makes Job names unique per release. Default the plan's name. */
  readonly releaseId?: string;
}

/** One of the router custom resources (`virtualService`, `destinationRule`, `httpRoute`). */
export type RouterResource = keyof typeof ROUTER_RESOURCES;

type Versioned = { kind?: string; metadata?: { resourceVersion?: string; name?: string } };

/** A router object as its router reads and writes it (see `KubeObjects.routerObject`). */
export interface RouterObjectHandle<T> {
  /** The object now; undefined when it does not exist. Throws `conflict` on drift. */
  read(): Promise<T | undefined>;
  /** Read, `decide`, write what differs (the object must exist); returns what was written or read. */
  write(decide: (current: T) => T | undefined): Promise<T | undefined>;
}

/**
 * The objects of one release's namespace as the release operations read and write them: every read is
 * checked by the drift guard, every mutation reads first and writes only what differs, with the
 * resourceVersion it read (a 409 is re-read and re-decided). Shared by the workload operations and the routers.
 */
export class KubeObjects {
  readonly ns: string;
  readonly name: string;
  readonly pollMs: number;
  readonly blueGreen: boolean;
  private readonly drift = new DriftGuard();
  readonly fieldManager: string;

  constructor(
    readonly k: KubeClient,
    readonly plan: ReleasePlan,
    readonly options: KubeReleaseOpsOptions,
  ) {
    this.ns = plan.target.namespace;
    this.name = plan.target.name;
    this.pollMs = options.pollMs ?? 500;
    this.fieldManager = options.fieldManager ?? 'switchyard';
    this.blueGreen = plan.strategy.kind === 'blue-green';
  }

  /** The canary Deployment's name, `<name>-canary`. */
  canaryName(): string {
    return `${this.name}-canary`;
  }

  /** The release's id (the plan's name when none was given). */
  releaseId(): string {
    return this.options.releaseId ?? this.plan.name;
  }

  missing(kind: string, name: string, ns = this.ns): ClusterError {
    return new ClusterError(
      'notFound',
      `${kind} ${ns}/${name} does not exist on context "${this.k.context}".`,
      404,
    );
  }

  async getOrUndefined<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.k.read(what, fn);
    } catch (error) {
      if (error instanceof ClusterError && error.clusterKind === 'notFound') return undefined;
      throw error;
    }
  }

  async getDeployment(name: string, observe = true, ns = this.ns): Promise<V1Deployment | undefined> {
    const d = await this.getOrUndefined(`reading Deployment ${ns}/${name}`, () =>
      this.k.apps.readNamespacedDeployment({ name, namespace: ns }),
    );
    if (d && observe)
      this.drift.observe(`Deployment ${ns}/${name}`, d.metadata?.resourceVersion, this.deploymentFields(d));
    return d;
  }

  async getService(name: string): Promise<V1Service | undefined> {
    const s = await this.getOrUndefined(`reading Service ${this.ns}/${name}`, () =>
      this.k.core.readNamespacedService({ name, namespace: this.ns }),
    );
    if (s)
      this.drift.observe(
        `Service ${this.ns}/${name}`,
        s.metadata?.resourceVersion,
        mapFields('selector', s.spec?.selector),
      );
    return s;
  }

  /** Reads a router custom object; `fields` names what the router manages on it (for drift). */
  async getCustom<T extends Versioned>(
    which: RouterResource,
    name: string,
    fields: (obj: T) => ManagedFields,
  ): Promise<T | undefined> {
    const res = ROUTER_RESOURCES[which];
    const obj = (await this.getOrUndefined(`reading ${res.kind} ${this.ns}/${name}`, () =>
      this.k.custom.getNamespacedCustomObject({
        group: res.group,
        version: res.version,
        namespace: this.ns,
        plural: res.plural,
        name,
      }),
    )) as T | undefined;
    if (obj) this.drift.observe(`${res.kind} ${this.ns}/${name}`, obj.metadata?.resourceVersion, fields(obj));
    return obj;
  }

  /** Forgets an object Switchyard deleted, so its re-creation is not drift. */
  forget(object: string): void {
    this.drift.forget(object);
  }

  private deploymentFields(d: V1Deployment): ManagedFields {
    return { image: containerImage(d, this.plan.target.container), replicas: String(d.spec?.replicas ?? 1) };
  }

  /** Read, decide, write with the read resourceVersion; on 409 read again and decide again. */
  private async upsert<T extends Versioned>(
    label: string,
    get: () => Promise<T | undefined>,
    fields: (obj: T) => ManagedFields,
    decide: (current: T | undefined) => T | undefined,
    create: (body: T) => Promise<T>,
    replace: (body: T) => Promise<T>,
  ): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = await get();
      const desired = decide(current);
      if (!desired) return current;
      try {
        const written = await this.k.write(`${current ? 'updating' : 'creating'} ${label}`, () =>
          current
            ? replace({
                ...desired,
                metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion },
              })
            : create(desired),
        );
        this.drift.wrote(label, written.metadata?.resourceVersion, fields(written));
        return written;
      } catch (error) {
        if (
          error instanceof ClusterError &&
          (error.clusterKind === 'unreachable' || error.clusterKind === 'timeout')
        ) {
          this.drift.mayHaveWritten(label, fields(desired));
        }
        if (!(error instanceof ClusterError && error.clusterKind === 'conflict') || attempt >= 5) throw error;
      }
    }
  }

  upsertDeployment(
    name: string,
    decide: (current: V1Deployment | undefined) => V1Deployment | undefined,
    ns = this.ns,
  ): Promise<V1Deployment | undefined> {
    return this.upsert<V1Deployment>(
      `Deployment ${ns}/${name}`,
      () => this.getDeployment(name, true, ns),
      (d) => this.deploymentFields(d),
      decide,
      (body) =>
        this.k.apps.createNamespacedDeployment({ namespace: ns, body, fieldManager: this.fieldManager }),
      (body) =>
        this.k.apps.replaceNamespacedDeployment({
          name,
          namespace: ns,
          body,
          fieldManager: this.fieldManager,
        }),
    );
  }

  upsertService(
    name: string,
    decide: (current: V1Service) => V1Service | undefined,
    create?: () => V1Service,
  ): Promise<V1Service | undefined> {
    return this.upsert<V1Service>(
      `Service ${this.ns}/${name}`,
      () => this.getService(name),
      (s) => mapFields('selector', s.spec?.selector),
      (cur) =>
        cur
          ? decide(cur)
          : create
            ? create()
            : (() => {
                throw this.missing('Service', name);
              })(),
      (body) =>
        this.k.core.createNamespacedService({ namespace: this.ns, body, fieldManager: this.fieldManager }),
      (body) =>
        this.k.core.replaceNamespacedService({
          name,
          namespace: this.ns,
          body,
          fieldManager: this.fieldManager,
        }),
    );
  }

  /** Updates a router custom object that must exist; `fields` as in `getCustom`. */
  upsertCustom<T extends Versioned>(
    which: RouterResource,
    name: string,
    fields: (obj: T) => ManagedFields,
    decide: (current: T) => T | undefined,
  ): Promise<T | undefined> {
    const res = ROUTER_RESOURCES[which];
    const base = { group: res.group, version: res.version, namespace: this.ns, plural: res.plural };
    return this.upsert<T>(
      `${res.kind} ${this.ns}/${name}`,
      () => this.getCustom<T>(which, name, fields),
      fields,
      (cur) => {
        if (!cur) throw this.missing(res.kind, name);
        return decide(cur);
      },
      (body) =>
        this.k.custom.createNamespacedCustomObject({
          ...base,
          body,
          fieldManager: this.fieldManager,
        }) as Promise<T>,
      (body) =>
        this.k.custom.replaceNamespacedCustomObject({
          ...base,
          name,
          body,
          fieldManager: this.fieldManager,
        }) as Promise<T>,
    );
  }

  /**
   * One router custom object, read and written with `fields`, what the router manages on it (for drift); `fields`
   * always sees the object's `kind`, filled in when an answer lacks it.
   */
  routerObject<T extends Versioned>(
    which: RouterResource,
    name: string,
    managed: (obj: T) => ManagedFields,
  ): RouterObjectHandle<T> {
    const kind = ROUTER_RESOURCES[which].kind;
    const fields = (obj: T) => managed(obj.kind === undefined ? { ...obj, kind } : obj);
    return {
      read: () => this.getCustom<T>(which, name, fields),
      write: (decide) => this.upsertCustom<T>(which, name, fields, decide),
    };
  }

  async scale(name: string, replicas: number): Promise<void> {
    await this.upsertDeployment(name, (cur) => {
      if (!cur) throw this.missing('Deployment', name);
      if ((cur.spec?.replicas ?? 1) === replicas) return undefined;
      return { ...cur, spec: { ...cur.spec!, replicas } };
    });
  }

  async waitGone(name: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (await this.getDeployment(name, false)) {
      if (Date.now() > deadline)
        throw new ClusterError('timeout', `Deployment ${this.ns}/${name} was not deleted within 60 s.`);
      await sleep(this.pollMs);
    }
  }

  async waitReady(name: string, ns = this.ns): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 600_000);
    for (;;) {
      const d = await this.getDeployment(name, false, ns);
      if (!d) throw this.missing('Deployment', name);
      const want = d.spec?.replicas ?? 1;
      const s = d.status ?? {};
      if (
        (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        (s.updatedReplicas ?? 0) >= want &&
        (s.readyReplicas ?? 0) >= want &&
        (s.availableReplicas ?? 0) >= want &&
        (s.replicas ?? 0) <= want
      )
        return;
      const progressing = s.conditions?.find((c) => c.type === 'Progressing');
      if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded')
        throw new ClusterError(
          'timeout',
          `Deployment ${this.ns}/${name} exceeded its progress deadline: ${progressing.message ?? 'no progress'}.`,
        );
      if (Date.now() > deadline)
        throw new ClusterError(
          'timeout',
          `Deployment ${this.ns}/${name} did not become ready in time (${s.readyReplicas ?? 0} of ${want} ready).`,
        );
      await sleep(this.pollMs);
    }
  }

  async ownedReplicaSets(dep: V1Deployment): Promise<V1ReplicaSet[]> {
    const selector = labelSelector(dep.spec?.selector?.matchLabels);
    const ns = dep.metadata?.namespace ?? this.ns;
    const list = await this.k.read(`listing ReplicaSets of ${ns}/${dep.metadata?.name}`, () =>
      this.k.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: selector }),
    );
    return list.items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === dep.metadata?.uid));
  }

  async ownedPods(dep: V1Deployment): Promise<V1Pod[]> {
    const sets = new Set((await this.ownedReplicaSets(dep)).map((rs) => rs.metadata?.uid));
    const ns = dep.metadata?.namespace ?? this.ns;
    const list = await this.k.read(`listing pods of ${ns}/${dep.metadata?.name}`, () =>
      this.k.core.listNamespacedPod({
        namespace: ns,
        labelSelector: labelSelector(dep.spec?.selector?.matchLabels),
      }),
    );
    return list.items.filter((p) => p.metadata?.ownerReferences?.some((o) => sets.has(o.uid)));
  }

  async readyPods(dep: V1Deployment): Promise<V1Pod[]> {
    return (await this.ownedPods(dep)).filter((p) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  }
}
