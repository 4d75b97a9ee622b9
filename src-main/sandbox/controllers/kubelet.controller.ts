import { parseImage } from '../profiles.ts';
import { kubeTime } from '../store.ts';
import type { KubeObject } from '../selectors.ts';
import {
  isActive,
  podProfile,
  recordEvent,
  writeStatus,
  type ControllerContext,
  type PodSim,
} from './context.ts';

const nodes = ['sandbox-node-1', 'sandbox-node-2', 'sandbox-node-3'];
let nextPodIp = 1;

function condition(
  type: string,
  ok: boolean,
  sinceMs: number,
): { type: string; status: string; lastProbeTime: null; lastTransitionTime: string } {
  return { type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: kubeTime(sinceMs) };
}

/**
 * The part of a pod's status that does not depend on its container: phase, conditions (Ready and
 * ContainersReady as `ready`, changed at `readySinceMs`), addresses (a new pod IP on first sight) and start time.
 */
function podStatusHead(
  pod: KubeObject,
  sim: PodSim,
  phase: string,
  hostIP: string,
  ready: boolean,
  readySinceMs: number,
): Record<string, unknown> {
  const podIP = pod.status?.podIP ?? (nextPodIp++, `10.244.${(nextPodIp >> 8) & 255}.${nextPodIp & 255}`);
  return {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', true, sim.createdMs),
      condition('Initialized', true, sim.createdMs),
      condition('Ready', ready, readySinceMs),
      condition('ContainersReady', ready, readySinceMs),
      condition('PodScheduled', true, sim.createdMs),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: kubeTime(sim.createdMs),
  };
}

function backoffSeconds(restarts: number): number {
  return Math.min(300, 10 * 2 ** Math.max(0, restarts - 1));
}

/**
 * Simulates the kubelet for every pod: schedules it onto a node, starts its container after the
 * profile's startup delay, makes it ready after the readiness delay, crash-loops it (restartCount
 * grows with back-off) or keeps it unready when its profile says so, and finishes Job pods.
 */
export function runKubelet(ctx: ControllerContext): void {
  const now = ctx.clock.now();
  for (const uid of ctx.work.deletedPods.splice(0)) ctx.pods.delete(uid);
  if (ctx.profiles.version !== profileVersions.get(ctx)) {
    profileVersions.set(ctx, ctx.profiles.version);
    ctx.work.touchAllPods();
  }
  for (const pod of ctx.work.take('pods')) {
    const uid = pod.metadata.uid ?? '';
    if (!isActive(pod) && ctx.pods.has(uid)) continue;
    let sim = ctx.pods.get(uid);
    if (!sim) {
      sim = {
        createdMs: Date.parse(pod.metadata.creationTimestamp ?? '') || now,
        restarts: pod.status?.containerStatuses?.[0]?.restartCount ?? 0,
      };
      ctx.pods.set(uid, sim);
    }
    if (!step(ctx, pod, sim, now)) ctx.work.wait('pods', uid);
  }
}

const profileVersions = new WeakMap<ControllerContext, number>();

/** Advances one pod; returns true when it is settled (nothing will change without a new write or fault). */
function step(ctx: ControllerContext, pod: KubeObject, sim: PodSim, now: number): boolean {
  if (sim.settled === `${pod.metadata.resourceVersion}|${ctx.profiles.version}`) return true;
  const profile = podProfile(ctx, pod);
  const isJob = pod.metadata.ownerReferences?.some((r) => r.kind === 'Job') ?? false;
  const prevState = pod.status?.containerStatuses?.[0]?.state;
  if (sim.runningSinceMs === undefined && sim.finishedMs === undefined && pullFails(ctx, pod, profile))
    return failPull(ctx, pod, sim, now);
  sim.pull = undefined;
  const startAt = sim.createdMs + profile.startupSeconds * 1000;
  if (
    sim.runningSinceMs === undefined &&
    sim.finishedMs === undefined &&
    now >= startAt &&
    sim.backoffUntilMs === undefined
  ) {
    sim.runningSinceMs = ctx.seeding ? sim.createdMs : startAt;
  }
  if (
    isJob &&
    sim.runningSinceMs !== undefined &&
    sim.finishedMs === undefined &&
    now - sim.runningSinceMs >= profile.jobSeconds * 1000
  ) {
    sim.finishedMs = sim.runningSinceMs + profile.jobSeconds * 1000;
  }
  const oomAfterMs = (profile.readinessSeconds + profile.crashAfterSeconds) * 1000;
  if (
    !isJob &&
    (profile.crashLoop || profile.oomKill) &&
    sim.runningSinceMs !== undefined &&
    now - sim.runningSinceMs >= (profile.crashLoop ? profile.crashAfterSeconds * 1000 : oomAfterMs)
  ) {
    sim.lastExit = profile.crashLoop ? 'Error' : 'OOMKilled';
    sim.restarts++;
    sim.finishedMs = now;
    sim.runningSinceMs = undefined;
    sim.readySinceMs = undefined;
    sim.backoffUntilMs = now + backoffSeconds(sim.restarts) * 1000;
    recordEvent(
      ctx,
      pod,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${pod.spec.containers[0].name} in pod ${pod.metadata.name}`,
      'kubelet',
    );
  }
  if (sim.backoffUntilMs !== undefined && now >= sim.backoffUntilMs) {
    sim.backoffUntilMs = undefined;
    sim.runningSinceMs = now;
  }
  const running = sim.runningSinceMs !== undefined && (!isJob || sim.finishedMs === undefined);
  const readyAt = running ? sim.runningSinceMs! + profile.readinessSeconds * 1000 : Infinity;
  if (running && !profile.neverReady && !profile.crashLoop && now >= readyAt)
    sim.readySinceMs ??= ctx.seeding ? sim.runningSinceMs! : readyAt;
  if (!running || profile.neverReady) sim.readySinceMs = undefined;
  const ready = sim.readySinceMs !== undefined;

  const container = pod.spec.containers[0];
  const startedAt = sim.runningSinceMs !== undefined ? kubeTime(sim.runningSinceMs) : undefined;
  let phase: string;
  let state: unknown;
  let lastState: unknown = pod.status?.containerStatuses?.[0]?.lastState ?? {};
  if (isJob && sim.finishedMs !== undefined) {
    const code = profile.jobFails ? 1 : 0;
    phase = code === 0 ? 'Succeeded' : 'Failed';
    state = {
      terminated: {
        exitCode: code,
        reason: code === 0 ? 'Completed' : 'Error',
        startedAt,
        finishedAt: kubeTime(sim.finishedMs),
        containerID: `containerd://${pod.metadata.uid}`,
      },
    };
  } else if (sim.backoffUntilMs !== undefined) {
    phase = 'Running';
    state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${backoffSeconds(sim.restarts)}s restarting failed container=${container.name} pod=${pod.metadata.name}`,
      },
    };
    lastState = {
      terminated: {
        exitCode: sim.lastExit === 'OOMKilled' ? 137 : 1,
        reason: sim.lastExit ?? 'Error',
        finishedAt: kubeTime(sim.finishedMs ?? now),
        containerID: `containerd://${pod.metadata.uid}-${sim.restarts}`,
      },
    };
  } else if (running) {
    phase = 'Running';
    state = { running: { startedAt } };
  } else {
    phase = 'Pending';
    state = { waiting: { reason: 'ContainerCreating' } };
  }
  // The scheduler leaves out cordoned nodes (`kubectl drain`/`cordon` set spec.unschedulable).
  const open = pod.spec.nodeName
    ? nodes
    : nodes.filter((n) => !ctx.store.get('nodes', undefined, n)?.spec?.unschedulable);
  const candidates = open.length > 0 ? open : nodes;
  const nodeName: string =
    pod.spec.nodeName ?? candidates[Math.abs(hashCode(pod.metadata.name)) % candidates.length]!;
  const hostIP = pod.status?.hostIP ?? `172.18.0.${2 + nodes.indexOf(nodeName)}`;
  const status = {
    ...podStatusHead(pod, sim, phase, hostIP, ready, sim.readySinceMs ?? sim.createdMs),
    containerStatuses: [
      {
        name: container.name,
        state,
        lastState,
        ready,
        restartCount: sim.restarts,
        image: container.image,
        imageID: `${String(container.image).split(':')[0]}@sha256:${Buffer.from(String(container.image)).toString('hex').padEnd(64, '0').slice(0, 64)}`,
        containerID: `containerd://${pod.metadata.uid}`,
        started: running,
      },
    ],
    qosClass: 'BestEffort',
  };
  const wasRunning = prevState?.running !== undefined;
  let written: KubeObject;
  if (!pod.spec.nodeName) {
    written = ctx.store.replace('pods', { ...pod, spec: { ...pod.spec, nodeName }, status });
    const where = `${pod.metadata.namespace}/${pod.metadata.name}`;
    recordEvent(
      ctx,
      written,
      'Normal',
      'Scheduled',
      `Successfully assigned ${where} to ${nodeName}`,
      'default-scheduler',
    );
  } else written = writeStatus(ctx, 'pods', pod, status);
  if (running && !wasRunning && !isJob) {
    recordEvent(ctx, written, 'Normal', 'Started', `Started container ${container.name}`, 'kubelet');
  }
  if (
    isJob
      ? sim.finishedMs !== undefined
      : ready && !profile.crashLoop && !profile.neverReady && !profile.oomKill
  ) {
    sim.settled = `${written.metadata.resourceVersion}|${ctx.profiles.version}`;
    return true;
  }
  return profile.neverReady && running && !isJob;
}

/** True when the pod's image cannot be pulled: a fault says so, or the scenario's registry lacks its tag. */
function pullFails(ctx: ControllerContext, pod: KubeObject, profile: { imagePullFails: boolean }): boolean {
  if (profile.imagePullFails) return true;
  const image = parseImage(String(pod.spec.containers[0]?.image ?? ''));
  const tags = ctx.registry.get(image.name);
  return tags !== undefined && !tags.has(image.tag);
}

/**
 * A pod whose image cannot be pulled: `ErrImagePull` on the first attempt, `ImagePullBackOff` from ten
 * seconds on, with the kubelet's events; the container never starts. Returns true once backed off (settled).
 */
function failPull(ctx: ControllerContext, pod: KubeObject, sim: PodSim, now: number): boolean {
  const container = pod.spec.containers[0];
  const image = String(container.image);
  const reason = now - sim.createdMs < 10_000 ? 'ErrImagePull' : 'ImagePullBackOff';
  if (sim.pull !== reason) {
    if (reason === 'ErrImagePull') {
      recordEvent(ctx, pod, 'Normal', 'Pulling', `Pulling image "${image}"`, 'kubelet');
      recordEvent(
        ctx,
        pod,
        'Warning',
        'Failed',
        `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`,
        'kubelet',
      );
    } else recordEvent(ctx, pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, 'kubelet');
    recordEvent(ctx, pod, 'Warning', 'Failed', `Error: ${reason}`, 'kubelet');
  }
  sim.pull = reason;
  const nodeName: string = pod.spec.nodeName ?? nodes[Math.abs(hashCode(pod.metadata.name)) % nodes.length]!;
  const hostIP = `172.18.0.${2 + nodes.indexOf(nodeName)}`;
  const status = {
    ...podStatusHead(pod, sim, 'Pending', hostIP, false, sim.createdMs),
    containerStatuses: [
      {
        name: container.name,
        state: {
          waiting: {
            reason,
            message:
              reason === 'ErrImagePull'
                ? `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`
                : `Back-off pulling image "${image}"`,
          },
        },
        lastState: {},
        ready: false,
        restartCount: 0,
        image,
        imageID: '',
        started: false,
      },
    ],
    qosClass: 'BestEffort',
  };
  if (!pod.spec.nodeName) ctx.store.replace('pods', { ...pod, spec: { ...pod.spec, nodeName }, status });
  else writeStatus(ctx, 'pods', pod, status);
  return reason === 'ImagePullBackOff';
}

function hashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}
