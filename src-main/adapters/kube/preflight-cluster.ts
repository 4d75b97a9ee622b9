import type { V1Deployment } from '@kubernetes/client-node';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type {
  AccessAnswer,
  AccessNeed,
  BudgetFacts,
  PreflightCluster,
  RouterObjectFact,
  WorkloadFacts,
} from '../../ports/preflight-cluster.port.ts';
import { accessReview } from './access-review.ts';
import { createKubeClient, type KubeClientOptions } from './kube-client.ts';
import { ClusterError } from './kube-errors.ts';
import { imageVersion } from '../../../src-shared/release/image-version.ts';
import { RELEASE_ANNOTATION } from './managed.ts';
import { canaryDeployment, containerImage, isManaged, notOurCanary } from './deployment-spec.ts';
import { KubeObjects } from './kube-objects.ts';
import { createRouter } from './routers/registry.ts';

type DryRunAnswer = Awaited<ReturnType<PreflightCluster['dryRunFirstChange']>>;

function sameSelector(a: V1Deployment, b: V1Deployment): boolean {
  return (
    JSON.stringify(Object.entries(a.spec?.selector?.matchLabels ?? {}).sort()) ===
    JSON.stringify(Object.entries(b.spec?.selector?.matchLabels ?? {}).sort())
  );
}

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
  const router = createRouter(new KubeObjects(k, plan, options));
  const ns = plan.target.namespace;
  const name = plan.target.name;
  const readDeployment = async (dep: string): Promise<V1Deployment | undefined> => {
    try {
      return await k.read(`reading Deployment ${ns}/${dep}`, () =>
        k.apps.readNamespacedDeployment({ name: dep, namespace: ns }),
      );
    } catch (error) {
      if (error instanceof ClusterError && error.clusterKind === 'notFound') return undefined;
      throw error;
    }
  };
  const readTarget = () => readDeployment(name);
  const target = (d: V1Deployment) => {
    const cs = d.spec?.template?.spec?.containers ?? [];
    return cs.find((c) => c.name === plan.target.container) ?? cs[0];
  };

  // What ensureCanary will do: adopt a canary an earlier release left (replace it, or delete and recreate it
  // when its version selector differs), create one when there is none, refuse one Switchyard did not create.
  const dryRunCanary = async (stable: V1Deployment): Promise<DryRunAnswer> => {
    const canaryName = `${name}-canary`;
    const total = router.replicaTotal?.(stable.spec?.replicas ?? 1);
    const body = canaryDeployment(stable, plan, imageVersion(plan.target.image), 'preflight', total);
    const existing = await readDeployment(canaryName);
    if (!existing) {
      await k.write(`trying to create Deployment ${ns}/${canaryName}`, () =>
        k.apps.createNamespacedDeployment({ namespace: ns, body, dryRun: 'All' }),
      );
      return {
        ok: true,
        description: `The API server accepted creating Deployment ${ns}/${canaryName} with ${plan.target.image} (dry run).`,
      };
    }
    if (!isManaged(existing))
      return {
        ok: false,
        title: `Deployment ${ns}/${canaryName} exists and is not Switchyard's`,
        description: notOurCanary(ns, canaryName, k.context).message,
      };
    const left = existing.metadata?.annotations?.[RELEASE_ANNOTATION];
    const by = left ? ` left by release ${left}` : '';
    const was = containerImage(existing, plan.target.container);
    if (!sameSelector(existing, body)) {
      await k.write(`trying to delete Deployment ${ns}/${canaryName}`, () =>
        k.apps.deleteNamespacedDeployment({ name: canaryName, namespace: ns, dryRun: 'All' }),
      );
      return {
        ok: true,
        description: `The API server accepted deleting the canary Deployment ${ns}/${canaryName}${by} (${was}) to recreate it with ${plan.target.image} (dry run).`,
      };
    }
    await k.write(`trying to update Deployment ${ns}/${canaryName}`, () =>
      k.apps.replaceNamespacedDeployment({
        name: canaryName,
        namespace: ns,
        body: {
          ...body,
          metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion },
        },
        dryRun: 'All',
      }),
    );
    return {
      ok: true,
      description: `The API server accepted adopting the canary Deployment ${ns}/${canaryName}${by} with ${plan.target.image} (dry run); was ${was}.`,
    };
  };

  return {
    async canI(needs: readonly AccessNeed[]): Promise<AccessAnswer[]> {
      return Promise.all(needs.map((n) => accessReview(k, n)));
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
        if (plan.strategy.kind === 'canary') return await dryRunCanary(d);
        // A rolling release changes the target's pods in place: when the router does not send them traffic
        // (after a blue-green a Service may select a colour Deployment), the new version would get none to judge.
        const unrouted =
          plan.strategy.kind === 'rolling'
            ? await router.podsWithoutTraffic?.(d.spec?.template?.metadata?.labels ?? {})
            : undefined;
        if (unrouted) return { ok: false, ...unrouted };
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

    routerObjects(): Promise<RouterObjectFact[]> {
      return router.checkObjects();
    },

    router,
  };
}
