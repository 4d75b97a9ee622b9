import type { ResourceType } from './resources.ts';
import type { KubeObject } from './selectors.ts';

interface CpuMetric {
  type?: string;
  resource?: {
    name?: string;
    target?: { averageUtilization?: number };
    current?: { averageUtilization?: number };
  };
}

/**
 * An object as served at a version other than its stored one. Only HorizontalPodAutoscalers differ in
 * shape (autoscaling/v1, which `kubectl autoscale` writes, keeps a CPU target where v2 keeps metrics);
 * every other kind differs only in `apiVersion`.
 */
export function toServedVersion(o: KubeObject, type: ResourceType, version: string): KubeObject {
  if (version === type.versions[0]) return o;
  const apiVersion = type.group === '' ? version : `${type.group}/${version}`;
  if (type.kind !== 'HorizontalPodAutoscaler' || version !== 'v1') return { ...o, apiVersion };
  const cpu = ((o.spec?.metrics as CpuMetric[] | undefined) ?? []).find((m) => m.resource?.name === 'cpu');
  const current = ((o.status?.currentMetrics as CpuMetric[] | undefined) ?? []).find(
    (m) => m.resource?.name === 'cpu',
  );
  const { metrics: _m, behavior: _b, ...spec } = (o.spec ?? {}) as Record<string, unknown>;
  const { currentMetrics: _c, conditions: _k, ...status } = (o.status ?? {}) as Record<string, unknown>;
  return {
    ...o,
    apiVersion,
    spec: {
      ...spec,
      ...(cpu?.resource?.target?.averageUtilization !== undefined
        ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization }
        : {}),
    },
    ...(o.status
      ? {
          status: {
            ...status,
            ...(current?.resource?.current?.averageUtilization !== undefined
              ? { currentCPUUtilizationPercentage: current.resource.current.averageUtilization }
              : {}),
          },
        }
      : {}),
  };
}

/** An object written at `version`, in the shape it is stored in (the reverse of `toServedVersion`). */
export function fromServedVersion(o: KubeObject, type: ResourceType, version: string): KubeObject {
  if (version === type.versions[0] || type.kind !== 'HorizontalPodAutoscaler' || version !== 'v1') return o;
  const { targetCPUUtilizationPercentage: target, ...spec } = (o.spec ?? {}) as Record<string, unknown>;
  return {
    ...o,
    spec: {
      ...spec,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target ?? 80 } },
        },
      ],
    },
  };
}
