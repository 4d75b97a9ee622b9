import { DomainError } from '../../src-shared/bridge/errors.ts';
import type { ReleasePlan } from '../../src-shared/plan/plan.schema.ts';
import { flagRampOf } from '../../src-shared/plan/flag-with-deploy.ts';
import { createUnleashProvider } from '../adapters/flags/unleash-provider.ts';
import { resolveUnleashToken } from '../adapters/flags/unleash-token.ts';
import { createOpenFeatureProvider } from '../adapters/kube/flags/openfeature-provider.ts';
import type { KubeClientOptions } from '../adapters/kube/kube-client.ts';
import type { FlagProvider } from '../ports/exposure.port.ts';
import type { SecretStore } from '../ports/secret-store.port.ts';

/** Where a flag provider's credentials come from: the kubeconfig (OpenFeature), env or keychain (Unleash). */
export interface FlagProviderDeps {
  kubeconfigYaml: string;
  env?: Readonly<Record<string, string | undefined>>;
  secrets?: SecretStore;
  kube?: KubeClientOptions;
}

/**
 * The flag provider a flag-rollout plan (or a plan's `flagRamp`, flag with deploy) names, or undefined for a
 * plan that ramps no flag: an OpenFeature
 * FeatureFlag through the cluster's kubeconfig, or Unleash with its token from the keychain or the
 * environment (never from the plan). Rejects with DomainError `invalidPlan` when the plan names no
 * provider, `invalidConfig` when the Unleash token cannot be found.
 */
export async function flagProviderFor(
  plan: ReleasePlan,
  deps: FlagProviderDeps,
): Promise<FlagProvider | undefined> {
  const s = flagRampOf(plan);
  if (!s) return undefined;
  const p = s.provider;
  const field = plan.strategy.kind === 'flag-rollout' ? 'strategy' : 'flagRamp';
  if (!p)
    throw new DomainError(
      'invalidPlan',
      `The plan names no flag system for flag "${s.flag}": add ${field}.provider (openfeature or unleash).`,
    );
  if (p.kind === 'openfeature')
    return createOpenFeatureProvider(
      deps.kubeconfigYaml,
      {
        namespace: p.namespace ?? plan.target.namespace,
        name: p.name,
        flag: s.flag,
        newVariant: s.newVariant,
        offVariant: s.offVariant,
      },
      deps.kube ?? {},
    );
  const token = await resolveUnleashToken(p, {
    ...(deps.env ? { env: deps.env } : {}),
    ...(deps.secrets ? { secrets: deps.secrets } : {}),
  }).catch((error: unknown) => {
    throw new DomainError('invalidConfig', error instanceof Error ? error.message : String(error));
  });
  return createUnleashProvider({
    url: p.url,
    project: p.project,
    environment: p.environment,
    flag: s.flag,
    // A plain Unleash on/off flag reports `on`; other names are served as the ramp strategy's variants.
    ...(s.newVariant === 'on' ? {} : { newVariant: s.newVariant }),
    offVariant: s.offVariant,
    token,
  });
}
