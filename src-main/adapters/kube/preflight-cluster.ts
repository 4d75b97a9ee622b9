import type { V1Deployment } from '@kubernetes/client-node';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type {
  AccessAnswer,
  AccessNeed,
  BudgetFacts,
  PreflightCluster,
  RouterObjectFact,
  WorkloadFacts,
} from '../../engine/preflight/preflight-cluster.port.ts';
import { createKubeClient, type KubeClientOptions } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import { VERSION_LABEL, containerImage } from './release-ops.ts';
import { ROUTER_RESOURCES } from './router-objects.ts';

/**
 * The preflight questions over `@kubernetes/client-node`: SelfSubjectAccessReviews, a `dryRun: All` write
 * of the plan's first change, and the workload and PodDisruptionBudget facts for the zero-downtime audit.
 * Throws `ClusterError` `invalidConfig` when the kubeconfig is unusable.
 */
export function createKubePreflightCluster(
  kubeconfigYaml: string,
  plan: ReleasePlan,
  options: KubeClientOptions = {},
): PreflightCluster {
  const k = createKubeClient(kubeconfigYaml, options);
  const ns = plan.target.namespace;
  const name = plan.target.name;
  const readTarget = async (): Promise<V1Deployment | undefined> => {
    try {
      return await k.read(`reading Deployment ${ns}/${name}`, () =>
        k.apps.readNamespacedDeployment({ name, namespace: ns }),
      );
    } catch (error) {
      if (error instanceof ClusterError && error.clusterKind === 'notFound') return undefined;
      throw error;
    }
  };
  const target = (d: V1Deployment) => {
    const cs = d.spec?.template?.spec?.containers ?? [];
    return cs.find((c) => c.name === plan.target.container) ?? cs[0];
  };

  return {
    async canI(needs: readonly AccessNeed[]): Promise<AccessAnswer[]> {
      return Promise.all(
        needs.map(async (n) => {
          const review = await k.write(`asking whether we may ${n.verb} ${n.resource}`, () =>
            k.authz.createSelfSubjectAccessReview({
              body: {
                apiVersion: 'authorization.k8s.io/v1',
                kind: 'SelfSubjectAccessReview',
                spec: {
                  resourceAttributes: {
                    verb: n.verb,
                    group: n.group,
                    resource: n.resource,
                    namespace: n.namespace,
                    ...(n.subresource ? { subresource: n.subresource } : {}),
                  },
                },
              },
            }),
          );
          return {
            allowed: review.status?.allowed === true,
            ...(review.status?.reason ? { reason: review.status.reason } : {}),
          };
        }),
      );
    },

    async dryRunFirstChange() {
      const d = await readTarget();
      if (!d)
        return {
          ok: false,
          description: `Deployment ${ns}/${name} does not exist, so no change can be tried.`,
        };
      const withImage = (dep: V1Deployment): V1Deployment => {
        const next = structuredClone(dep);
        const c = target(next);
        if (c) c.image = plan.target.image;
        return next;
      };
      try {
        if (plan.strategy.kind === 'canary') {
          const tag = plan.target.image.slice(plan.target.image.lastIndexOf(':') + 1);
          const matchLabels = { ...(d.spec?.selector?.matchLabels ?? {}), [VERSION_LABEL]: tag };
          const body = withImage({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: `${name}-canary`, namespace: ns, labels: d.metadata?.labels ?? {} },
            spec: {
              ...d.spec!,
              replicas: 1,
              selector: { matchLabels },
              template: {
                ...d.spec?.template,
                metadata: {
                  ...d.spec?.template?.metadata,
                  labels: { ...(d.spec?.template?.metadata?.labels ?? {}), ...matchLabels },
                },
              },
            },
          });
          await k.write(`trying to create Deployment ${ns}/${name}-canary`, () =>
            k.apps.createNamespacedDeployment({ namespace: ns, body, dryRun: 'All' }),
          );
          return {
            ok: true,
            description: `The API server accepted creating Deployment ${ns}/${name}-canary with ${plan.target.image} (dry run).`,
          };
        }
        await k.write(`trying to update Deployment ${ns}/${name}`, () =>
          k.apps.replaceNamespacedDeployment({ name, namespace: ns, body: withImage(d), dryRun: 'All' }),
        );
        return {
          ok: true,
          description: `The API server accepted setting ${plan.target.image} on Deployment ${ns}/${name} (dry run); was ${containerImage(d, plan.target.container)}.`,
        };
      } catch (error) {
        if (
          error instanceof ClusterError &&
          error.clusterKind !== 'unreachable' &&
          error.clusterKind !== 'timeout'
        )
          return { ok: false, description: error.message };
        throw error;
      }
    },

    async workload(): Promise<WorkloadFacts | undefined> {
      const d = await readTarget();
      if (!d) return undefined;
      const c = target(d);
      const requests = c?.resources?.requests ?? {};
      const maxUnavailable = d.spec?.strategy?.rollingUpdate?.maxUnavailable;
      return {
        ref: `${ns}/${name}`,
        replicas: d.spec?.replicas ?? 1,
        podLabels: d.spec?.template?.metadata?.labels ?? {},
        ...(maxUnavailable !== undefined ? { maxUnavailable } : {}),
        ...(d.spec?.template?.spec?.terminationGracePeriodSeconds !== undefined
          ? { terminationGracePeriodSeconds: d.spec.template.spec.terminationGracePeriodSeconds }
          : {}),
        container: {
          name: c?.name ?? '',
          startupProbe: Boolean(c?.startupProbe),
          livenessProbe: Boolean(c?.livenessProbe),
          readinessProbe: Boolean(c?.readinessProbe),
          preStop: Boolean(c?.lifecycle?.preStop),
          requests: requests.cpu !== undefined && requests.memory !== undefined,
        },
      };
    },

    async budgets(): Promise<BudgetFacts[]> {
      const list = await k.read(`listing PodDisruptionBudgets in ${ns}`, () =>
        k.policy.listNamespacedPodDisruptionBudget({ namespace: ns }),
      );
      return list.items.map((p) => ({
        name: p.metadata?.name ?? '',
        matchLabels: p.spec?.selector?.matchLabels ?? {},
        ...(p.spec?.minAvailable !== undefined ? { minAvailable: p.spec.minAvailable } : {}),
        ...(p.spec?.maxUnavailable !== undefined ? { maxUnavailable: p.spec.maxUnavailable } : {}),
      }));
    },

    async routerObjects(): Promise<RouterObjectFact[]> {
      const r = plan.router;
      const custom = async (which: keyof typeof ROUTER_RESOURCES, objName: string) => {
        const res = ROUTER_RESOURCES[which];
        try {
          return (await k.read(`reading ${res.kind} ${ns}/${objName}`, () =>
            k.custom.getNamespacedCustomObject({
              group: res.group,
              version: res.version,
              namespace: ns,
              plural: res.plural,
              name: objName,
            }),
          )) as { spec?: Record<string, unknown> };
        } catch (error) {
          if (error instanceof ClusterError && error.clusterKind === 'notFound') return undefined;
          throw error;
        }
      };
      const service = async (svcName: string): Promise<RouterObjectFact> => {
        try {
          await k.read(`reading Service ${ns}/${svcName}`, () =>
            k.core.readNamespacedService({ name: svcName, namespace: ns }),
          );
          return { object: `Service ${ns}/${svcName}`, problem: null };
        } catch (error) {
          if (error instanceof ClusterError && error.clusterKind === 'notFound')
            return { object: `Service ${ns}/${svcName}`, problem: 'does not exist' };
          throw error;
        }
      };
      if (r.kind === 'service-selector') return [await service(r.service)];
      if (r.kind === 'istio') {
        const vs = await custom('virtualService', r.virtualService);
        const dr = await custom('destinationRule', r.destinationRule);
        const routes = (vs?.spec?.http ?? []) as { name?: string }[];
        const subsets = ((dr?.spec?.subsets ?? []) as { name?: string }[]).map((x) => x.name);
        // The canary subset is created by the release itself; the stable one must be there.
        const named = routes.some((h) => h.name === r.route) || (routes.length === 1 && !routes[0]?.name);
        return [
          {
            object: `VirtualService ${ns}/${r.virtualService}`,
            problem: !vs ? 'does not exist' : named ? null : `has no http route named "${r.route}"`,
          },
          {
            object: `DestinationRule ${ns}/${r.destinationRule}`,
            problem: !dr
              ? 'does not exist'
              : subsets.includes(r.stableSubset)
                ? null
                : `has no subset "${r.stableSubset}" (it has ${subsets.length ? subsets.map((x) => `"${x}"`).join(', ') : 'none'})`,
          },
        ];
      }
      if (r.kind === 'gateway-api') {
        const hr = await custom('httpRoute', r.httpRoute);
        const refs = ((hr?.spec?.rules ?? []) as { backendRefs?: { name?: string }[] }[]).flatMap((rule) =>
          (rule.backendRefs ?? []).map((b) => b.name),
        );
        return [
          {
            object: `HTTPRoute ${ns}/${r.httpRoute}`,
            problem: !hr
              ? 'does not exist'
              : refs.includes(r.backendRefs.stable)
                ? null
                : `has no backendRef to the stable Service "${r.backendRefs.stable}"`,
          },
          await service(r.backendRefs.stable),
        ];
      }
      return [];
    },
  };
}
