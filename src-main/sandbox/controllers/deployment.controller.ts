import { kubeTime } from '../store.ts';
import type { KubeObject } from '../selectors.ts';
import { ownerRef, recordEvent, writeStatus, type ControllerContext } from './context.ts';

const revisionKey = 'deployment.kubernetes.io/revision';

/** fnv-1a 32-bit hash of the pod template, encoded the way the real controller names ReplicaSets. */
export function templateHash(template: KubeObject | undefined): string {
  const t = structuredClone(template ?? {}) as { metadata?: { labels?: Record<string, string> } };
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  const text = canonical(t);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  let n = h;
  do {
    out += alphabet[n % alphabet.length];
    n = Math.floor(n / alphabet.length);
  } while (n > 0);
  return out.slice(0, 10);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter(
        (k) => (v as Record<string, unknown>)[k] !== undefined && (v as Record<string, unknown>)[k] !== null,
      )
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Resolves an int-or-percent of `total`; percentages round up for surge and down for unavailable, as Kubernetes does. */
export function intOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v ?? ''));
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** Deployment annotations the real controller never copies onto its ReplicaSets (`annotationsToSkip`). */
const annotationsToSkip = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionKey,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/**
 * The Deployment's own annotations a ReplicaSet carries (so `kubectl rollout history` shows each revision's
 * CHANGE-CAUSE, and `rollout undo`, which copies them back, keeps them).
 */
function copiedAnnotations(deploy: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(deploy.metadata.annotations ?? {}))
    if (!annotationsToSkip.has(k)) out[k] = v;
  return out;
}

function revision(rs: KubeObject): number {
  return Number(rs.metadata.annotations?.[revisionKey] ?? 0);
}

function setReplicas(
  ctx: ControllerContext,
  deploy: KubeObject,
  rs: KubeObject,
  replicas: number,
): KubeObject {
  if (rs.spec.replicas === replicas) return rs;
  const current = ctx.store.get('replicasets.apps', rs.metadata.namespace, rs.metadata.name)!;
  const from = current.spec.replicas ?? 0;
  const updated = ctx.store.replace('replicasets.apps', {
    ...current,
    metadata: {
      ...current.metadata,
      annotations: {
        ...current.metadata.annotations,
        'deployment.kubernetes.io/desired-replicas': String(deploy.spec.replicas),
        'deployment.kubernetes.io/max-replicas': String(deploy.spec.replicas + maxSurgeOf(deploy)),
      },
    },
    spec: { ...current.spec, replicas },
  });
  ctx.progress.set(deploy.metadata.uid ?? '', ctx.clock.now());
  recordEvent(
    ctx,
    deploy,
    'Normal',
    'ScalingReplicaSet',
    `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
    'deployment-controller',
  );
  return updated;
}

function maxSurgeOf(d: KubeObject): number {
  if (d.spec.strategy?.type !== 'RollingUpdate') return 0;
  return intOrPercent(d.spec.strategy.rollingUpdate?.maxSurge ?? '25%', d.spec.replicas, true);
}

function maxUnavailableOf(d: KubeObject): number {
  if (d.spec.strategy?.type !== 'RollingUpdate') return 0;
  const surge = maxSurgeOf(d);
  const unavailable = Math.min(
    d.spec.replicas,
    intOrPercent(d.spec.strategy.rollingUpdate?.maxUnavailable ?? '25%', d.spec.replicas, false),
  );
  return surge === 0 && unavailable === 0 ? 1 : unavailable;
}

const available = (rs: KubeObject): number => rs.status?.availableReplicas ?? 0;
const specReplicas = (rs: KubeObject): number => rs.spec?.replicas ?? 0;

/**
 * The Deployment controller: one ReplicaSet per pod-template hash with revision annotations,
 * rolling updates bounded by maxSurge/maxUnavailable (or Recreate), rollback by template match,
 * revision history cleanup and status with Available/Progressing conditions, including
 * `ProgressDeadlineExceeded` after `progressDeadlineSeconds` without progress.
 */
export function runDeployments(ctx: ControllerContext): void {
  const now = ctx.clock.now();
  for (const deploy of ctx.work.take('deployments')) {
    if (deploy.metadata.deletionTimestamp) continue;
    const uid = deploy.metadata.uid ?? '';
    let sets = ctx.work.childrenOf(uid);
    const hashKey = `${uid}/${deploy.metadata.generation}`;
    let hash = ctx.hashes.get(hashKey);
    if (hash === undefined) {
      hash = templateHash(deploy.spec.template);
      ctx.hashes.set(hashKey, hash);
    }
    let newRs = sets.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const maxOld = Math.max(0, ...sets.filter((rs) => rs !== newRs).map(revision));
    const desired = deploy.spec.replicas ?? 1;
    if (!deploy.spec.paused) {
      if (!newRs) {
        newRs = ctx.store.create('replicasets.apps', {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${deploy.metadata.name}-${hash}`,
            namespace: deploy.metadata.namespace,
            labels: { ...deploy.spec.template.metadata?.labels, 'pod-template-hash': hash },
            annotations: {
              ...copiedAnnotations(deploy),
              [revisionKey]: String(maxOld + 1),
              'deployment.kubernetes.io/desired-replicas': String(desired),
              'deployment.kubernetes.io/max-replicas': String(desired + maxSurgeOf(deploy)),
            },
            ownerReferences: [ownerRef(deploy)],
          },
          spec: {
            replicas: 0,
            minReadySeconds: deploy.spec.minReadySeconds ?? 0,
            selector: {
              ...deploy.spec.selector,
              matchLabels: { ...deploy.spec.selector.matchLabels, 'pod-template-hash': hash },
            },
            template: {
              ...deploy.spec.template,
              metadata: {
                ...deploy.spec.template.metadata,
                labels: { ...deploy.spec.template.metadata?.labels, 'pod-template-hash': hash },
              },
            },
          },
          status: { replicas: 0 },
        });
        sets.push(newRs);
        ctx.progress.set(uid, now);
      } else if (revision(newRs) <= maxOld) {
        newRs = ctx.store.replace('replicasets.apps', {
          ...newRs,
          metadata: {
            ...newRs.metadata,
            annotations: { ...newRs.metadata.annotations, [revisionKey]: String(maxOld + 1) },
          },
        });
        sets = sets.map((rs) => (rs.metadata.uid === newRs!.metadata.uid ? newRs! : rs));
        ctx.progress.set(uid, now);
      }
      const copied = copiedAnnotations(deploy);
      if (Object.entries(copied).some(([k, v]) => newRs!.metadata.annotations?.[k] !== v)) {
        newRs = ctx.store.replace('replicasets.apps', {
          ...newRs,
          metadata: { ...newRs.metadata, annotations: { ...newRs.metadata.annotations, ...copied } },
        });
        sets = sets.map((rs) => (rs.metadata.uid === newRs!.metadata.uid ? newRs! : rs));
      }
      if ((newRs.spec.minReadySeconds ?? 0) !== (deploy.spec.minReadySeconds ?? 0)) {
        newRs = ctx.store.replace('replicasets.apps', {
          ...newRs,
          spec: { ...newRs.spec, minReadySeconds: deploy.spec.minReadySeconds ?? 0 },
        });
      }
      const old = () =>
        sets
          .filter((rs) => rs.metadata.uid !== newRs!.metadata.uid)
          .sort((a, b) => revision(a) - revision(b));
      const replace = (rs: KubeObject) => {
        sets = sets.map((s) => (s.metadata.uid === rs.metadata.uid ? rs : s));
        if (rs.metadata.uid === newRs!.metadata.uid) newRs = rs;
      };
      if (ctx.seeding) {
        replace(setReplicas(ctx, deploy, newRs, desired));
        for (const rs of old()) replace(setReplicas(ctx, deploy, rs, 0));
      } else if (deploy.spec.strategy?.type === 'Recreate') {
        const oldRunning = old().some((rs) => specReplicas(rs) > 0 || (rs.status?.replicas ?? 0) > 0);
        for (const rs of old()) replace(setReplicas(ctx, deploy, rs, 0));
        if (!oldRunning) replace(setReplicas(ctx, deploy, newRs, desired));
      } else {
        rollingStep(ctx, deploy, () => newRs!, old, replace, desired);
      }
      cleanupHistory(ctx, deploy, old());
    }
    reportStatus(ctx, deploy, newRs, sets, desired, now);
  }
}

function rollingStep(
  ctx: ControllerContext,
  deploy: KubeObject,
  newRs: () => KubeObject,
  old: () => KubeObject[],
  replace: (rs: KubeObject) => void,
  desired: number,
): void {
  const surge = maxSurgeOf(deploy);
  const unavailable = maxUnavailableOf(deploy);
  const all = () => [newRs(), ...old()];
  const total = () => all().reduce((n, rs) => n + specReplicas(rs), 0);
  const nrs = newRs();
  if (specReplicas(nrs) > desired) replace(setReplicas(ctx, deploy, nrs, desired));
  else if (specReplicas(nrs) < desired) {
    const room = desired + surge - total();
    if (room > 0)
      replace(setReplicas(ctx, deploy, nrs, specReplicas(nrs) + Math.min(room, desired - specReplicas(nrs))));
  }
  const minAvailable = desired - unavailable;
  const newUnavailable = specReplicas(newRs()) - available(newRs());
  const maxScaledDown = total() - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return;
  let cleaned = 0;
  for (const rs of old()) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = specReplicas(rs) - available(rs);
    if (unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    replace(setReplicas(ctx, deploy, rs, specReplicas(rs) - n));
    cleaned += n;
  }
  const availableNow = all().reduce((n, rs) => n + Math.min(available(rs), specReplicas(rs)), 0);
  let budget = availableNow - minAvailable;
  for (const rs of old()) {
    if (budget <= 0) break;
    const n = Math.min(specReplicas(rs), budget);
    if (n <= 0) continue;
    replace(setReplicas(ctx, deploy, rs, specReplicas(rs) - n));
    budget -= n;
  }
}

function cleanupHistory(ctx: ControllerContext, deploy: KubeObject, old: KubeObject[]): void {
  const limit = deploy.spec.revisionHistoryLimit ?? 10;
  const idle = old.filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0);
  for (const rs of idle.slice(0, Math.max(0, idle.length - limit)))
    ctx.store.delete('replicasets.apps', rs.metadata.namespace, rs.metadata.name);
}

function reportStatus(
  ctx: ControllerContext,
  deploy: KubeObject,
  newRs: KubeObject | undefined,
  sets: KubeObject[],
  desired: number,
  now: number,
): void {
  const uid = deploy.metadata.uid ?? '';
  const sum = (f: (rs: KubeObject) => number) => sets.reduce((n, rs) => n + f(rs), 0);
  const replicas = sum((rs) => rs.status?.replicas ?? 0);
  const updated = newRs?.status?.replicas ?? 0;
  const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
  const avail = sum(available);
  const prevConds: {
    type: string;
    status: string;
    reason: string;
    lastUpdateTime: string;
    lastTransitionTime: string;
    message: string;
  }[] = deploy.status?.conditions ?? [];
  const cond = (type: string, status: boolean, reason: string, message: string, touch: boolean) => {
    const prev = prevConds.find((c) => c.type === type);
    const s = status ? 'True' : 'False';
    const same = prev && prev.status === s && prev.reason === reason;
    return {
      type,
      status: s,
      lastUpdateTime: same && !touch ? prev.lastUpdateTime : kubeTime(now),
      lastTransitionTime: prev && prev.status === s ? prev.lastTransitionTime : kubeTime(now),
      reason,
      message,
    };
  };
  const minAvailable = desired - maxUnavailableOf(deploy);
  const complete =
    newRs !== undefined &&
    updated === desired &&
    replicas === desired &&
    avail >= desired &&
    specReplicas(newRs) === desired;
  const sig = `${deploy.metadata.generation}/${updated}/${avail}/${ready}`;
  if (ctx.progressSig.get(uid) !== sig) {
    ctx.progressSig.set(uid, sig);
    if (ctx.progressSig.size > 0 && deploy.status?.observedGeneration !== undefined)
      ctx.progress.set(uid, now);
  }
  const lastProgress = ctx.progress.get(uid) ?? (Date.parse(deploy.metadata.creationTimestamp ?? '') || now);
  const rsName = newRs?.metadata.name ?? deploy.metadata.name;
  const prevProgressing = prevConds.find((c) => c.type === 'Progressing');
  let progressing;
  if (deploy.spec.paused)
    progressing = cond('Progressing', false, 'DeploymentPaused', 'Deployment is paused', false);
  else if (complete)
    progressing = cond(
      'Progressing',
      true,
      'NewReplicaSetAvailable',
      `ReplicaSet "${rsName}" has successfully progressed.`,
      prevProgressing?.reason !== 'NewReplicaSetAvailable',
    );
  else if (
    deploy.spec.progressDeadlineSeconds !== undefined &&
    now - lastProgress > deploy.spec.progressDeadlineSeconds * 1000
  ) {
    progressing = cond(
      'Progressing',
      false,
      'ProgressDeadlineExceeded',
      `ReplicaSet "${rsName}" has timed out progressing.`,
      false,
    );
  } else {
    const touched =
      prevProgressing === undefined ||
      Date.parse(prevProgressing.lastUpdateTime) < Math.floor(lastProgress / 1000) * 1000;
    progressing = cond(
      'Progressing',
      true,
      'ReplicaSetUpdated',
      `ReplicaSet "${rsName}" is progressing.`,
      touched,
    );
  }
  const availableCond =
    avail >= minAvailable
      ? cond('Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.', false)
      : cond(
          'Available',
          false,
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
          false,
        );
  const status = {
    observedGeneration: deploy.metadata.generation,
    ...(replicas > 0 ? { replicas } : {}),
    ...(updated > 0 ? { updatedReplicas: updated } : {}),
    ...(ready > 0 ? { readyReplicas: ready } : {}),
    ...(avail > 0 ? { availableReplicas: avail } : {}),
    ...(sum(specReplicas) - avail > 0 ? { unavailableReplicas: sum(specReplicas) - avail } : {}),
    conditions: [availableCond, progressing],
  };
  // An unfinished rollout is looked at every tick, so its progress deadline can pass.
  if (!complete && !deploy.spec.paused) ctx.work.wait('deployments', uid);
  writeStatus(
    ctx,
    'deployments.apps',
    deploy,
    status,
    newRs ? { [revisionKey]: newRs.metadata.annotations?.[revisionKey] ?? '1' } : undefined,
  );
}
