import { DomainError } from '../bridge/errors.ts';
import { formatIssues } from './plan.parse.ts';
import {
  ReleasePlanSchema,
  type AnalysisTemplate,
  type ReleasePlan,
  type ReleasePlanInput,
  type RouterKind,
  FLAG_RAMP_AFTER,
  type StrategyKind,
  type Target,
} from './plan.schema.ts';

/** What `defaultPlan` needs to know about the workload. */
export type DefaultPlanTarget = Pick<Target, 'namespace' | 'name' | 'image'> &
  Partial<Pick<Target, 'context' | 'kind' | 'container' | 'job'>>;

export interface DefaultPlanOptions {
  /** Router to use; default istio for canary, blue-green and ab-test, service-selector for rolling and flag-rollout. */
  router?: RouterKind;
  /** Adds expand/contract migration gates (manual confirmations) around the strategy. */
  migration?: boolean;
  /** Replica count, recorded for `replica-ratio` routers (canary weight precision is 1/replicas). */
  replicas?: number;
  /** A flag-rollout's flag system and flag (default: OpenFeature, flag `<name>-release`). */
  flag?: DefaultFlagOptions;
  /**
   * Flag with deploy: after the strategy deploys the code dark (flag off), ramp this flag as one release
   * (`flagRamp`). Only for strategies that deploy code: rolling, canary, blue-green.
   */
  flagRamp?: DefaultFlagOptions;
  /** Router objects found on the cluster, named instead of the `<workload>` defaults (blue-green keeps its own). */
  routerObjects?: RouterObjectNames;
}

/** Names of existing router objects a plan's router should use. */
export interface RouterObjectNames {
  virtualService?: string;
  /** The VirtualService's HTTP route that carries the weights. */
  route?: string;
  destinationRule?: string;
  httpRoute?: string;
  service?: string;
}

/** Where a flag-rollout plan's flag lives. */
export interface DefaultFlagOptions {
  provider: 'openfeature' | 'unleash';
  /** The flag key; default `<workload>-release`. */
  key?: string;
  /** OpenFeature: the FeatureFlag object's name; default `<workload>-flags`. */
  flagObject?: string;
  /** Unleash: the server's base URL (required for unleash). */
  providerUrl?: string;
  /** Unleash: the environment; default `production`. */
  environment?: string;
  /** Serve beta testers (email ending `@beta.example.com`) the new variant before the first percentage. */
  segmentsFirst?: boolean;
}

/** The runbook's flag ramp: segments first when asked, then 5 → 25 → 50 → 100 % of users, each judged per variant. */
function flagRamp(target: DefaultPlanTarget, flag: DefaultFlagOptions | undefined) {
  const f = flag ?? { provider: 'openfeature' };
  const provider =
    f.provider === 'unleash'
      ? {
          kind: 'unleash' as const,
          url: f.providerUrl ?? '',
          project: 'default',
          environment: f.environment ?? 'production',
          tokenEnv: 'UNLEASH_ADMIN_TOKEN',
        }
      : { kind: 'openfeature' as const, name: f.flagObject ?? `${target.name}-flags` };
  return {
    provider,
    flag: f.key ?? `${target.name}-release`,
    ...(f.segmentsFirst
      ? {
          segments: [
            {
              name: 'beta testers',
              attribute: 'email',
              operator: 'ends_with' as const,
              values: ['@beta.example.com'],
            },
          ],
        }
      : {}),
    steps: (
      [
        [5, 'initial-canary'],
        [25, 'initial-canary'],
        [50, 'extended-canary'],
        [100, 'full-rollout'],
      ] as const
    ).flatMap(([p, template]) => [{ setPercentage: p }, { analysis: { templates: [template] } }]),
  };
}

/** The runbook's three canary phases: weight %, minutes, error-rate ratio, p95 ms, saturation ratio. */
const CANARY_PHASES = [
  { name: 'initial-canary', weight: 10, minutes: 10, errorRate: 0.01, p95Ms: 500, saturation: 0.8 },
  { name: 'extended-canary', weight: 50, minutes: 20, errorRate: 0.005, p95Ms: 400, saturation: 0.75 },
  { name: 'full-rollout', weight: 100, minutes: 30, errorRate: 0.003, p95Ms: 300, saturation: 0.7 },
] as const;

/** The analysis templates of the runbook's canary phases; each measures once a minute for the phase's length. */
export function canaryPhaseTemplates(): AnalysisTemplate[] {
  return CANARY_PHASES.map((p) => ({
    name: p.name,
    metrics: [
      { name: 'error-rate', kind: 'error-rate', successCondition: { op: '<', threshold: p.errorRate } },
      { name: 'latency-p95', kind: 'latency-p95', successCondition: { op: '<', threshold: p.p95Ms } },
      { name: 'saturation', kind: 'saturation', successCondition: { op: '<', threshold: p.saturation } },
    ].map((m) => ({
      ...(m as Pick<AnalysisTemplate['metrics'][number], 'name' | 'kind' | 'successCondition'>),
      interval: '1m',
      count: p.minutes,
      failureLimit: 3,
      inconclusiveLimit: 2,
      consecutive: false,
      window: '2m',
    })),
  }));
}

/**
 * A drafted flag ramp to add to a plan that deploys code (the Plan screen's "Add a flag ramp"): the ramp as
 * `defaultPlan` drafts it, and the analysis templates its steps name, for the plan to hold the missing ones.
 */
export function draftFlagRamp(
  target: DefaultPlanTarget,
  flag: DefaultFlagOptions = { provider: 'openfeature' },
): { flagRamp: ReturnType<typeof flagRamp>; templates: AnalysisTemplate[] } {
  const ramp = flagRamp(target, flag);
  const named = new Set<string>(ramp.steps.flatMap((s) => s.analysis?.templates ?? []));
  return { flagRamp: ramp, templates: canaryPhaseTemplates().filter((t) => named.has(t.name)) };
}

/** The runbook's automated rollback triggers: error rate > 2 % for 2m, p95 > 1000 ms for 5m, ≥ 3 pod restarts in 5m. */
function runbookRollbackTriggers(): ReleasePlanInput['rollbackTriggers'] {
  return [
    { metric: 'error-rate', op: '>', threshold: 0.02, for: '2m' },
    { metric: 'latency-p95', op: '>', threshold: 1000, for: '5m' },
    { metric: 'pod-restarts', op: '>=', threshold: 3, for: '5m' },
  ];
}

function routerFor(
  kind: RouterKind,
  strategy: StrategyKind,
  name: string,
  replicas?: number,
  found: RouterObjectNames = {},
): ReleasePlanInput['router'] {
  const router = defaultRouter(kind, strategy, name, replicas);
  if (strategy === 'blue-green' && router.kind !== 'service-selector') return router;
  switch (router.kind) {
    case 'istio':
      return {
        ...router,
        ...(found.virtualService ? { virtualService: found.virtualService } : {}),
        ...(found.route ? { route: found.route } : {}),
        ...(found.destinationRule ? { destinationRule: found.destinationRule } : {}),
      };
    case 'gateway-api':
      return found.httpRoute ? { ...router, httpRoute: found.httpRoute } : router;
    case 'service-selector':
      return found.service ? { ...router, service: found.service } : router;
    default:
      return router;
  }
}

function defaultRouter(
  kind: RouterKind,
  strategy: StrategyKind,
  name: string,
  replicas?: number,
): ReleasePlanInput['router'] {
  switch (kind) {
    case 'istio':
      return strategy === 'blue-green'
        ? {
            kind,
            // The runbook's switch route sends production traffic to the blue or the green namespace; it lives
            // beside the canary VirtualService of the same service, so it carries its own name.
            virtualService: `${name}-blue-green`,
            destinationRule: name,
            route: 'production-traffic',
            stableSubset: 'blue',
            canarySubset: 'green',
          }
        : {
            kind,
            virtualService: name,
            destinationRule: name,
            route: 'primary',
            stableSubset: 'stable',
            canarySubset: 'canary',
          };
    case 'gateway-api':
      return strategy === 'blue-green'
        ? { kind, httpRoute: name, backendRefs: { stable: `${name}-blue`, canary: `${name}-green` } }
        : { kind, httpRoute: name, backendRefs: { stable: `${name}-stable`, canary: `${name}-canary` } };
    case 'service-selector':
      return { kind, service: name, versionLabel: 'version' };
    case 'replica-ratio':
      return replicas === undefined ? { kind } : { kind, replicas };
  }
}

function imageTag(image: string): string {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? image.slice(at + 1) : 'latest';
}

function strategyFor(
  kind: StrategyKind,
  target: DefaultPlanTarget,
  flag?: DefaultFlagOptions,
): ReleasePlanInput['strategy'] {
  switch (kind) {
    case 'blue-green':
      return { kind, warmup: {}, smoke: { checks: [{ path: '/health/ready', expectStatus: 200 }] } };
    case 'canary':
      return {
        kind,
        steps: CANARY_PHASES.flatMap((p) => [{ setWeight: p.weight }, { analysis: { templates: [p.name] } }]),
      };
    case 'rolling':
      return { kind };
    case 'ab-test':
      return {
        kind,
        variants: [
          { name: 'control', version: 'stable', weight: 50 },
          { name: 'treatment', version: imageTag(target.image), weight: 50, image: target.image },
        ],
        cohort: { header: 'x-user-segment', regex: 'free|basic' },
        pins: [{ match: { header: 'x-user-segment', exact: 'premium' }, variant: 'treatment' }],
        defaultVariant: 'control',
        stickyHeader: 'x-user-id',
        primaryMetrics: [
          { name: 'conversion_rate', goal: 'maximize', minEffect: 0.05 },
          { name: 'task_completion_time', goal: 'minimize', minEffect: 0.1 },
        ],
        guardrails: [{ metric: 'error-rate', op: '>', threshold: 0.02, severity: 'fail' }],
        duration: '14d',
        confidenceLevel: 0.95,
      };
    case 'flag-rollout':
      return { kind, ...flagRamp(target, flag) };
  }
}

/**
 * A complete plan for `strategy` on `target` with the runbook's defaults (canary phases 10/50/100 %,
 * rollback triggers, blue-green warm-up and validation, rolling surge 5 / unavailable 2, A/B 50/50 for 14 days);
 * with `options.flagRamp`, the strategy deploys the code dark and a flag ramp follows (one release).
 * Throws DomainError `badRequest` when a flag ramp is asked after a strategy that deploys no code (flag-rollout,
 * ab-test), `invalidPlan` listing every problem when the target is not valid (e.g. an empty name).
 */
export function defaultPlan(
  strategy: StrategyKind,
  target: DefaultPlanTarget,
  options: DefaultPlanOptions = {},
): ReleasePlan {
  if (options.flagRamp && !FLAG_RAMP_AFTER.includes(strategy))
    throw new DomainError(
      'badRequest',
      `A flag ramp follows a strategy that deploys code (${FLAG_RAMP_AFTER.join(', ')}), not ${strategy}${strategy === 'flag-rollout' ? ': a flag-rollout plan is a flag ramp already' : ''}.`,
    );
  const routerKind =
    options.router ?? (strategy === 'rolling' || strategy === 'flag-rollout' ? 'service-selector' : 'istio');
  const needsTemplates =
    strategy === 'canary' || strategy === 'flag-rollout' || options.flagRamp !== undefined;
  const input: ReleasePlanInput = {
    name: `${target.name}-${strategy}${options.flagRamp ? '-flag-ramp' : ''}`,
    target: { ...target },
    router: routerFor(routerKind, strategy, target.name, options.replicas, options.routerObjects),
    strategy: strategyFor(strategy, target, options.flag),
    analysis: { templates: needsTemplates ? canaryPhaseTemplates() : [] },
    rollbackTriggers: strategy === 'rolling' && !options.flagRamp ? [] : runbookRollbackTriggers(),
    ...(options.flagRamp ? { flagRamp: flagRamp(target, options.flagRamp) } : {}),
    onFailure: 'abort',
    onInconclusive: 'pause',
  };
  if (options.migration) {
    input.migration = {
      expand: {
        action: {
          kind: 'manual',
          instructions:
            'Apply the expand migration (nullable columns, indexes, backfill) and confirm it finished.',
        },
      },
      contract: {
        action: {
          kind: 'manual',
          instructions:
            'Apply the contract migration (drop old columns, add constraints) once no old version runs.',
        },
      },
    };
  }
  const parsed = ReleasePlanSchema.safeParse(input);
  if (!parsed.success) {
    const details = formatIssues(parsed.error.issues, input);
    throw new DomainError('invalidPlan', `The ${strategy} plan is not valid: ${details.join('; ')}`, details);
  }
  return parsed.data;
}
