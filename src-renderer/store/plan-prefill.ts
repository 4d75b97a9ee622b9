import type { WorkloadPlanFacts, WorkloadSummary } from '../../src-shared/bridge/contract.ts';
import { api } from '../bridge/api.ts';
import { useConnections } from './connections.store.ts';
import { usePlan, type GuidancePrefill, type PlanState } from './plan.store.ts';
import { useUi } from './ui.store.ts';

/**
 * "Plan a release of this": reads what the cluster says about the workload, fills the Plan screen's guidance with
 * it (each field with where it came from; the new image is left for the user) and opens the Plan screen.
 * A failure is shown as a notice naming the workload.
 */
export async function planReleaseOf(w: Pick<WorkloadSummary, 'kind' | 'name' | 'namespace'>): Promise<void> {
  const context = useConnections.getState().selectedContext;
  if (!context) return;
  const r = await api.invoke('cluster:workloadPlanFacts', {
    context,
    namespace: w.namespace,
    kind: w.kind,
    name: w.name,
  });
  if (!r.ok) {
    useUi.getState().toast({
      title: `${w.kind} ${w.name} could not be read for a plan`,
      body: r.error.message,
      tone: 'error',
    });
    return;
  }
  usePlan.getState().set(guidanceFrom(r.value, usePlan.getState().environment));
  useUi.getState().go('Plan');
}

/** The guidance fields a workload's facts fill in: target, replicas, the router suggestion and its objects. */
export function guidanceFrom(
  f: WorkloadPlanFacts,
  environment: PlanState['environment'],
): Pick<PlanState, 'target' | 'environment' | 'routerObjects' | 'prefill'> {
  const first = f.routers.find((r) => r.kind !== 'service-selector');
  const istio = f.routers.find((r) => r.kind === 'istio');
  const gateway = f.routers.find((r) => r.kind === 'gateway-api');
  const service = f.routers.find((r) => r.kind === 'service-selector');
  return {
    target: {
      context: f.context,
      namespace: f.namespace,
      kind: f.kind,
      name: f.name,
      image: '',
      ...(f.container ? { container: f.container } : {}),
      ...(f.job ? { job: f.job } : {}),
    },
    environment: {
      ...environment,
      mesh: first?.kind ?? 'none',
      replicas: f.replicas > 0 ? f.replicas : undefined,
      ...(f.kind === 'Rollout' ? { argoRollouts: true } : {}),
    },
    routerObjects: {
      ...(istio
        ? {
            virtualService: istio.virtualService,
            ...(istio.route ? { route: istio.route } : {}),
            ...(istio.destinationRule ? { destinationRule: istio.destinationRule } : {}),
          }
        : {}),
      ...(gateway ? { httpRoute: gateway.httpRoute } : {}),
      ...(service ? { service: service.service } : {}),
    },
    prefill: {
      from: `${f.kind} ${f.namespace}/${f.name} on ${f.context}`,
      currentImage: f.image,
      sources: {
        ...f.sources,
        mesh: f.sources.router ?? '',
        ...(f.kind === 'Rollout' ? { argoRollouts: `${f.kind} "${f.name}" is an Argo Rollout` } : {}),
        ...(istio
          ? {
              'router.virtualService': `VirtualService "${istio.virtualService}" routes to its Service`,
              'router.route': `the HTTP route of "${istio.virtualService}" that reaches the Service`,
              'router.destinationRule': `DestinationRule whose host is the Service`,
            }
          : {}),
        ...(gateway ? { 'router.httpRoute': `HTTPRoute "${gateway.httpRoute}" sends traffic to it` } : {}),
        ...(service ? { 'router.service': `Service "${service.service}" selects its pods` } : {}),
      },
    },
  };
}

/** The prefill without the source of a field the user changed (it no longer holds what was read there). */
export function withoutSource(prefill: GuidancePrefill | null, key: string): { prefill?: GuidancePrefill } {
  if (!prefill || !(key in prefill.sources)) return {};
  const sources = Object.fromEntries(Object.entries(prefill.sources).filter(([k]) => k !== key));
  return { prefill: { ...prefill, sources } };
}
