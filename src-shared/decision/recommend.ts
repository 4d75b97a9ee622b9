import { z } from 'zod';
import { defaultPlan, type DefaultPlanTarget, type RouterObjectNames } from '../plan/plan.defaults.ts';
import {
  FLAG_RAMP_AFTER,
  ReleasePlanSchema,
  type ReleasePlan,
  type RouterKind,
} from '../plan/plan.schema.ts';
import { sampleSize } from '../stats/proportions.ts';
import {
  ANSWER_RULES,
  CHANGE_KINDS,
  RECOMMENDED_STRATEGIES,
  SCENARIOS,
  STRATEGY_PROFILES,
  type Candidate,
  type ChangeKind,
  type DecisionAnswers,
  type RecommendedStrategy,
  type StrategyProfile,
} from './decision.rules.ts';

/** What the cluster and the service offer. */
export interface DecisionEnvironment {
  /** Traffic router present: a mesh or the Gateway API, or none. */
  mesh: 'istio' | 'gateway-api' | 'none';
  /** Argo Rollouts is installed in the cluster. */
  argoRollouts: boolean;
  /** There is room for a second full copy of the service (blue-green). */
  spareCapacity: boolean;
  /** A server-side feature-flag service is available. */
  featureFlags?: boolean;
  /** Requests per second reaching the service (all of it, before any split). */
  rps?: number;
  /** Replicas of the service; gives the canary precision without a router (1/replicas). */
  replicas?: number;
  /** Longest A/B test the plan allows, in days; default 14 (the runbook's duration). */
  maxAbDays?: number;
  /** Baseline conversion rate (ratio) for the A/B duration estimate; default 0.1. */
  baselineRate?: number;
  /** Relative minimum detectable effect (ratio) for the A/B duration estimate; default 0.05 (the runbook's +5 %). */
  mde?: number;
}

/** The decision-tree answers, as read from an answers file. */
export const DecisionAnswersSchema = z.strictObject({
  critical: z.boolean(),
  realUserValidation: z.boolean(),
  testsUxOrAlgorithm: z.boolean(),
  touchesSchema: z.boolean().default(false),
  breaksApi: z.boolean().default(false),
});

/** Either a change kind from the scenario table or the decision-tree answers. */
export type DecisionInput = { change: ChangeKind } | { answers: DecisionAnswers };

/** `DecisionInput` as a zod schema (for the bridge contract). */
export const DecisionInputSchema = z.union([
  z.strictObject({ change: z.enum(CHANGE_KINDS) }),
  z.strictObject({ answers: DecisionAnswersSchema }),
]);

/** `DecisionEnvironment` as a zod schema (for the bridge contract); rates in requests per second, days in days. */
export const DecisionEnvironmentSchema = z.strictObject({
  mesh: z.enum(['istio', 'gateway-api', 'none']),
  argoRollouts: z.boolean(),
  spareCapacity: z.boolean(),
  featureFlags: z.boolean().optional(),
  rps: z.number().min(0).optional(),
  replicas: z.number().int().min(1).optional(),
  maxAbDays: z.number().positive().optional(),
  baselineRate: z.number().gt(0).lt(1).optional(),
  mde: z.number().positive().optional(),
});

/** `Recommendation` as a zod schema (for the bridge contract). */
export const RecommendationSchema = z.object({
  strategy: z.enum(['blue-green', 'canary', 'rolling', 'ab-test', 'flag-rollout']),
  companions: z.array(z.enum(RECOMMENDED_STRATEGIES)),
  rationale: z.string(),
  risk: z.enum(['very low', 'low', 'medium', 'high']),
  complexity: z.enum(['low', 'medium', 'high']),
  cost: z.string(),
  rollbackSpeed: z.string(),
  missing: z.array(z.string()),
  score: z.number(),
  plan: ReleasePlanSchema,
});

/** One ranked recommendation. */
export interface Recommendation extends Pick<
  StrategyProfile,
  'risk' | 'complexity' | 'cost' | 'rollbackSpeed'
> {
  strategy: Exclude<RecommendedStrategy, 'expand-contract'>;
  /** Strategies used alongside (`flag-rollout`, `expand-contract`). */
  companions: RecommendedStrategy[];
  /** Why, in plain sentences, including what the environment changes. */
  rationale: string;
  /** What the strategy (or a companion) needs that the environment lacks. */
  missing: string[];
  /** Higher is better; the list is sorted by it. */
  score: number;
  /**
   * A plan with the runbook defaults for this strategy, its router chosen from the environment; with a
   * `flag-rollout` companion after a strategy that deploys code, the code goes out dark and `flagRamp` follows.
   */
  plan: ReleasePlan;
}

interface Finding {
  penalty: number;
  missing?: string;
  note?: string;
}

interface EnvRule {
  /** Applies when the recommendation's strategy or one of its companions is listed. */
  applies: RecommendedStrategy[];
  /** Only to the main strategy (not companions). */
  mainOnly?: boolean;
  check: (env: DecisionEnvironment) => Finding | null;
}

const hasRouter = (env: DecisionEnvironment) => env.mesh !== 'none';

function abDuration(env: DecisionEnvironment): Finding {
  const maxDays = env.maxAbDays ?? 14;
  if (env.rps === undefined)
    return { penalty: 0, note: 'Give the request rate (--rps) to check how many days an A/B test needs.' };
  const baseline = env.baselineRate ?? 0.1;
  const mde = env.mde ?? 0.05;
  if (!(env.rps > 0)) return { penalty: 70, note: 'With no traffic an A/B test can never reach a result.' };
  const { perVariant, days } = sampleSize(baseline, mde, { trafficPerVariantPerSecond: env.rps / 2 });
  const need = `${perVariant.toLocaleString('en-US')} per variant (baseline ${baseline * 100} %, effect ${mde * 100} %, power 0.8)`;
  if ((days ?? 0) > maxDays)
    return {
      penalty: 70,
      note: `An A/B test needs ${need}: ${days} days at ${env.rps} req/s, longer than the ${maxDays} days allowed, so something else is ranked first.`,
    };
  return {
    penalty: 0,
    note: `An A/B test needs ${need}: about ${days} day${days === 1 ? '' : 's'} at ${env.rps} req/s.`,
  };
}

function canaryPrecision(env: DecisionEnvironment): Finding | null {
  if (hasRouter(env)) return null;
  const missing = 'a traffic router (Istio or Gateway API) for exact weights';
  if (env.replicas === undefined)
    return {
      penalty: 15,
      missing,
      note: 'Without a router the canary runs by replica ratio: weights round to multiples of 1/replicas.',
    };
  const step = 100 / env.replicas;
  const precise = step <= 10;
  return {
    penalty: precise ? 15 : 40,
    missing,
    note: `Without a router the canary runs by replica ratio: with ${env.replicas} replicas the smallest step is 1/${env.replicas} = ${Number(step.toFixed(2))} %${precise ? '' : ', too coarse for a 10 % first step'}.`,
  };
}

/** Environment rules: what each strategy needs, and how much its absence costs in the ranking. */
const ENV_RULES: EnvRule[] = [
  {
    applies: ['blue-green'],
    mainOnly: true,
    check: (env) =>
      env.spareCapacity
        ? null
        : { penalty: 60, missing: 'spare capacity for a second full environment (2× resources)' },
  },
  { applies: ['canary'], mainOnly: true, check: canaryPrecision },
  {
    applies: ['ab-test'],
    mainOnly: true,
    check: (env) =>
      hasRouter(env) ? null : { penalty: 60, missing: 'header-based routing (Istio or Gateway API)' },
  },
  { applies: ['ab-test'], mainOnly: true, check: abDuration },
  {
    applies: ['flag-rollout'],
    check: (env) =>
      env.featureFlags
        ? null
        : { penalty: 10, missing: 'a feature-flag service (server-side evaluation that fails closed)' },
  },
  {
    applies: ['canary', 'blue-green'],
    mainOnly: true,
    check: (env) =>
      env.argoRollouts
        ? {
            penalty: 0,
            note: 'Argo Rollouts is installed: this plan can also be exported to a Rollout (plan export --to argo).',
          }
        : null,
  },
];

function routerFor(strategy: Candidate['strategy'], env: DecisionEnvironment): RouterKind {
  if (env.mesh !== 'none') return env.mesh;
  if (strategy === 'canary') return 'replica-ratio';
  return strategy === 'ab-test' ? 'istio' : 'service-selector';
}

const PLACEHOLDER_TARGET: DefaultPlanTarget = {
  namespace: 'default',
  name: 'my-service',
  image: 'registry.example.com/my-service:next',
};

function segmentsFirst(input: DecisionInput): boolean {
  return 'answers' in input && input.answers.realUserValidation;
}

function candidatesFromAnswers(answers: DecisionAnswers): Candidate[] {
  const scores = new Map<Candidate['strategy'], { points: number; because: string[] }>();
  const companions = new Set<RecommendedStrategy>();
  for (const rule of ANSWER_RULES) {
    if (!rule.when(answers)) continue;
    rule.companions?.forEach((c) => companions.add(c));
    for (const s of rule.favour) {
      const entry = scores.get(s) ?? { points: 0, because: [] };
      entry.points += rule.points;
      if (rule.because) entry.because.push(rule.because);
      scores.set(s, entry);
    }
  }
  return [...scores.entries()]
    .sort((a, b) => b[1].points - a[1].points)
    .map(([strategy, { because }]) => ({
      strategy,
      companions: [...companions].filter((c) => c !== strategy),
      rationale: because.length
        ? `Chosen because ${because.join('; ')}.`
        : STRATEGY_PROFILES[strategy].useCase,
    }));
}

/**
 * Whether a recommendation's plan is a flag with deploy: its companions include a flag ramp and its strategy
 * deploys code (an A/B test keeps the flag for a plan of its own).
 */
export function draftsFlagRamp(strategy: Candidate['strategy'], companions: readonly RecommendedStrategy[]) {
  return companions.includes('flag-rollout') && FLAG_RAMP_AFTER.includes(strategy);
}

/**
 * Ranks strategies for a change (scenario table) or for decision-tree answers, then adjusts the ranking
 * to the environment: blue-green needs spare capacity, a canary without a router runs by replica ratio,
 * an A/B test needs header routing and enough traffic to finish within `maxAbDays`. Best first; each
 * carries the selection-table profile, what is missing, and a plan for `target` (a placeholder when absent).
 */
export function recommend(
  input: DecisionInput,
  env: DecisionEnvironment,
  target: DefaultPlanTarget = PLACEHOLDER_TARGET,
  routerObjects?: RouterObjectNames,
): Recommendation[] {
  const candidates =
    'change' in input ? SCENARIOS[input.change].candidates : candidatesFromAnswers(input.answers);
  const ranked = candidates.map((c, index) => {
    const findings = ENV_RULES.filter(
      (r) =>
        r.applies.includes(c.strategy) || (!r.mainOnly && c.companions.some((x) => r.applies.includes(x))),
    )
      .map((r) => r.check(env))
      .filter((f): f is Finding => f !== null);
    const profile = STRATEGY_PROFILES[c.strategy];
    const notes = findings.flatMap((f) => (f.note ? [f.note] : []));
    const rec: Recommendation = {
      strategy: c.strategy,
      companions: [...c.companions],
      rationale: [c.rationale, ...notes].join(' '),
      risk: profile.risk,
      complexity: profile.complexity,
      cost: profile.cost,
      rollbackSpeed: profile.rollbackSpeed,
      missing: [...new Set(findings.flatMap((f) => (f.missing ? [f.missing] : [])))],
      score: 100 - 20 * index - findings.reduce((s, f) => s + f.penalty, 0),
      plan: defaultPlan(c.strategy, target, {
        router: routerFor(c.strategy, env),
        migration: c.companions.includes('expand-contract'),
        ...(draftsFlagRamp(c.strategy, c.companions)
          ? // Real-user validation answered yes: beta testers get the flag before any percentage.
            { flagRamp: { provider: 'openfeature', segmentsFirst: segmentsFirst(input) } }
          : {}),
        ...(env.replicas === undefined ? {} : { replicas: env.replicas }),
        ...(routerObjects ? { routerObjects } : {}),
      }),
    };
    return rec;
  });
  // Stable sort keeps the table's order between equal scores.
  return ranked.sort((a, b) => b.score - a.score);
}
