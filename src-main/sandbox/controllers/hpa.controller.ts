import { matchesLabelSelector, type KubeObject } from '../selectors.ts';
import { kubeTime } from '../store.ts';
import {
  isActive,
  isReady,
  podProfile,
  recordEvent,
  writeStatus,
  type ControllerContext,
} from './context.ts';

/** Sandbox seconds between two looks at an autoscaler (the real controller's sync period). */
const syncSeconds = 15;
/** Sandbox seconds a lower recommendation must wait after a scale (the default scale-down stabilization). */
const downscaleSeconds = 300;
/** Ratios within 10 % of the target change nothing (the controller's tolerance). */
const tolerance = 0.1;

const targetKeys: Record<string, string> = {
  Deployment: 'deployments.apps',
  StatefulSet: 'statefulsets.apps',
  ReplicaSet: 'replicasets.apps',
};

const lastLook = new WeakMap<ControllerContext, Map<string, number>>();

interface CpuMetric {
  resource?: { name?: string; target?: { averageUtilization?: number } };
}

/**
 * The HorizontalPodAutoscaler controller (autoscaling/v2, CPU utilization only): every 15 s of sandbox
 * time it reads the target's ready pods' CPU, which in the sandbox is their saturation (0.4 = 40 %),
 * and sets the target's replicas to ceil(replicas × utilization / target) within min and max; scaling
 * down waits out 5 minutes after the last scale.
 */
export function runHorizontalPodAutoscalers(ctx: ControllerContext): void {
  const hpas = ctx.store.list('horizontalpodautoscalers.autoscaling');
  if (hpas.length === 0) return;
  const now = ctx.clock.now();
  let looks = lastLook.get(ctx);
  if (!looks) lastLook.set(ctx, (looks = new Map()));
  for (const hpa of hpas) {
    const uid = hpa.metadata.uid ?? '';
    if (now - (looks.get(uid) ?? -Infinity) < syncSeconds * 1000) continue;
    looks.set(uid, now);
    const ref = hpa.spec?.scaleTargetRef as { kind?: string; name?: string } | undefined;
    const key = targetKeys[ref?.kind ?? ''];
    const target = key ? ctx.store.get(key, hpa.metadata.namespace, ref?.name ?? '') : undefined;
    const conditions = (able: boolean, reason: string, message: string) => [
      {
        type: 'AbleToScale',
        status: able ? 'True' : 'False',
        lastTransitionTime: kubeTime(now),
        reason,
        message,
      },
    ];
    if (!target || !key) {
      writeStatus(ctx, 'horizontalpodautoscalers.autoscaling', hpa, {
        ...hpa.status,
        conditions: conditions(
          false,
          'FailedGetScale',
          `the HPA controller was unable to get the target's current scale: ${String(ref?.kind).toLowerCase()}s "${ref?.name}" not found`,
        ),
      });
      continue;
    }
    const targetUtil =
      ((hpa.spec?.metrics as CpuMetric[] | undefined) ?? []).find((m) => m.resource?.name === 'cpu')?.resource
        ?.target?.averageUtilization ?? 80;
    const pods = ctx.store
      .list('pods', hpa.metadata.namespace)
      .filter(
        (p: KubeObject) =>
          isActive(p) && isReady(p) && matchesLabelSelector(target.spec.selector, p.metadata.labels),
      );
    const current: number = target.spec.replicas ?? 1;
    const min: number = hpa.spec?.minReplicas ?? 1;
    const max: number = hpa.spec?.maxReplicas ?? current;
    const util =
      pods.length === 0
        ? undefined
        : Math.round((pods.reduce((n, p) => n + podProfile(ctx, p).saturation, 0) / pods.length) * 100);
    let desired = current;
    if (util !== undefined && Math.abs(util / targetUtil - 1) > tolerance)
      desired = Math.ceil((pods.length * util) / targetUtil);
    desired = Math.min(max, Math.max(min, desired));
    const lastScale = Date.parse(hpa.status?.lastScaleTime ?? '') || -Infinity;
    if (desired < current && now - lastScale < downscaleSeconds * 1000) desired = current;
    let lastScaleTime = hpa.status?.lastScaleTime;
    if (desired !== current) {
      ctx.store.replace(key, { ...target, spec: { ...target.spec, replicas: desired } });
      lastScaleTime = kubeTime(now);
      recordEvent(
        ctx,
        hpa,
        'Normal',
        'SuccessfulRescale',
        `New size: ${desired}; reason: cpu resource utilization (percentage of request) ${desired > current ? 'above' : 'below'} target`,
        'horizontal-pod-autoscaler',
      );
    }
    writeStatus(ctx, 'horizontalpodautoscalers.autoscaling', hpa, {
      ...(lastScaleTime ? { lastScaleTime } : {}),
      currentReplicas: current,
      desiredReplicas: desired,
      ...(util !== undefined
        ? {
            currentMetrics: [
              {
                type: 'Resource',
                resource: {
                  name: 'cpu',
                  current: { averageUtilization: util, averageValue: `${util * 10}m` },
                },
              },
            ],
          }
        : {}),
      conditions: conditions(true, 'ReadyForNewScale', 'recommended size matches current size'),
    });
  }
}
