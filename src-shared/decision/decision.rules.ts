/** A change as the runbook's scenario table names it. */
export const CHANGE_KINDS = [
  'hotfix',
  'new-service',
  'api-breaking',
  'ui-redesign',
  'performance',
  'schema-change',
  'algorithm',
  'security-patch',
  'infrastructure',
  'minor-fix',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Strategies the guidance can recommend; `expand-contract` is a database-migration companion. */
export const RECOMMENDED_STRATEGIES = [
  'blue-green',
  'canary',
  'rolling',
  'ab-test',
  'flag-rollout',
  'expand-contract',
] as const;
export type RecommendedStrategy = (typeof RECOMMENDED_STRATEGIES)[number];

/** A strategy's standing in the runbook's selection-criteria table (its words, lower case). */
export interface StrategyProfile {
  useCase: string;
  risk: 'very low' | 'low' | 'medium' | 'high';
  complexity: 'low' | 'medium' | 'high';
  cost: string;
  rollbackSpeed: string;
}

/** The selection-criteria table; expand-contract is not in the runbook's table and carries our own assessment. */
export const STRATEGY_PROFILES: Record<RecommendedStrategy, StrategyProfile> = {
  'blue-green': {
    useCase: 'major releases, infrastructure changes',
    risk: 'low',
    complexity: 'medium',
    cost: 'high (2× resources)',
    rollbackSpeed: 'instant',
  },
  canary: {
    useCase: 'feature releases, service updates',
    risk: 'low',
    complexity: 'high',
    cost: 'medium',
    rollbackSpeed: 'fast (1–5 min)',
  },
  rolling: {
    useCase: 'minor updates, patches',
    risk: 'medium',
    complexity: 'low',
    cost: 'low',
    rollbackSpeed: 'medium (5–15 min)',
  },
  'ab-test': {
    useCase: 'UX changes, algorithm variants',
    risk: 'low',
    complexity: 'high',
    cost: 'medium',
    rollbackSpeed: 'instant',
  },
  'flag-rollout': {
    useCase: 'experimental features, gradual rollout',
    risk: 'very low',
    complexity: 'medium',
    cost: 'low',
    rollbackSpeed: 'instant',
  },
  'expand-contract': {
    useCase: 'database schema changes',
    risk: 'low',
    complexity: 'high',
    cost: 'low',
    rollbackSpeed: 'instant until contract, then forward-only',
  },
};

/** One candidate of a scenario: a strategy, the companions it is paired with, and why. */
export interface Candidate {
  strategy: Exclude<RecommendedStrategy, 'expand-contract'>;
  companions: RecommendedStrategy[];
  rationale: string;
}

/**
 * The scenario table: per change kind, candidates best first. The first entry (the first two for
 * security-patch) is the runbook's recommendation; the rest are our fallbacks when the environment
 * cannot carry it.
 */
export const SCENARIOS: Record<ChangeKind, { label: string; candidates: Candidate[] }> = {
  hotfix: {
    label: 'hotfix for a production bug',
    candidates: [
      {
        strategy: 'blue-green',
        companions: [],
        rationale:
          'The fix goes live in one switch and the old colour stays up, so undoing it is a single switch back.',
      },
      {
        strategy: 'canary',
        companions: [],
        rationale:
          'Exposes the fix to a slice of traffic first when a second full environment is not available.',
      },
      {
        strategy: 'rolling',
        companions: [],
        rationale: 'The simplest way to ship a small fix, at the price of a slower rollback.',
      },
    ],
  },
  'new-service': {
    label: 'new microservice',
    candidates: [
      {
        strategy: 'rolling',
        companions: [],
        rationale:
          'Nobody depends on the service yet, so a plain rolling update is enough and costs nothing extra.',
      },
      {
        strategy: 'canary',
        companions: [],
        rationale: 'Worth it only if callers switch to the service during the release.',
      },
    ],
  },
  'api-breaking': {
    label: 'API breaking change',
    candidates: [
      {
        strategy: 'blue-green',
        companions: ['flag-rollout'],
        rationale:
          'Both API versions run side by side; a flag decides which clients see the new contract, and a switch undoes it.',
      },
      {
        strategy: 'canary',
        companions: ['flag-rollout'],
        rationale: 'Without spare capacity, a canary plus a flag still limits who meets the new contract.',
      },
    ],
  },
  'ui-redesign': {
    label: 'UI redesign',
    candidates: [
      {
        strategy: 'ab-test',
        companions: [],
        rationale: 'Users judge a redesign: split them, measure conversion, and keep the version that wins.',
      },
      {
        strategy: 'flag-rollout',
        companions: [],
        rationale: 'Raises the redesign through user percentages when an experiment is not feasible.',
      },
      {
        strategy: 'canary',
        companions: [],
        rationale: 'Checks the redesign does not break anything, without measuring whether users prefer it.',
      },
    ],
  },
  performance: {
    label: 'performance optimisation',
    candidates: [
      {
        strategy: 'canary',
        companions: [],
        rationale:
          'Latency and saturation of the canary are compared with the stable version step by step, and bad numbers roll back automatically.',
      },
      {
        strategy: 'blue-green',
        companions: [],
        rationale: 'Validates the whole new version under production load with an instant way back.',
      },
      {
        strategy: 'rolling',
        companions: [],
        rationale: 'Cheapest, but every pod changes before the numbers can be trusted.',
      },
    ],
  },
  'schema-change': {
    label: 'database schema change',
    candidates: [
      {
        strategy: 'rolling',
        companions: ['expand-contract'],
        rationale:
          'Expand the schema first so old and new code both work, roll the code, then contract once nothing uses the old shape.',
      },
      {
        strategy: 'blue-green',
        companions: ['expand-contract'],
        rationale:
          'Same expand/contract phases, with an instant switch back while the schema still serves both versions.',
      },
    ],
  },
  algorithm: {
    label: 'algorithm change',
    candidates: [
      {
        strategy: 'ab-test',
        companions: ['flag-rollout'],
        rationale:
          'Compares the outcomes of both algorithms on real users; a flag targets who gets the new one.',
      },
      {
        strategy: 'canary',
        companions: ['flag-rollout'],
        rationale: 'Checks the new algorithm is safe without proving it is better.',
      },
    ],
  },
  'security-patch': {
    label: 'security patch',
    candidates: [
      {
        strategy: 'blue-green',
        companions: [],
        rationale: 'Patches every request at once with an instant way back.',
      },
      {
        strategy: 'canary',
        companions: [],
        rationale: 'Ships the patch quickly while metrics confirm it breaks nothing.',
      },
      {
        strategy: 'rolling',
        companions: [],
        rationale: 'Patches pod by pod when neither spare capacity nor a traffic router exists.',
      },
    ],
  },
  infrastructure: {
    label: 'infrastructure upgrade',
    candidates: [
      {
        strategy: 'blue-green',
        companions: [],
        rationale: 'The new stack is built apart from the old one and traffic moves only once it is proven.',
      },
      {
        strategy: 'canary',
        companions: [],
        rationale: 'Moves a share of traffic to the new stack first when a full copy cannot be afforded.',
      },
      { strategy: 'rolling', companions: [], rationale: 'Last resort: replaces the stack piece by piece.' },
    ],
  },
  'minor-fix': {
    label: 'minor bug fix',
    candidates: [
      { strategy: 'rolling', companions: [], rationale: 'Low risk and simple: a rolling update is enough.' },
      {
        strategy: 'canary',
        companions: [],
        rationale: 'A cautious alternative if the fix touches a busy path.',
      },
    ],
  },
};

/** The decision tree's questions, answered yes or no. */
export interface DecisionAnswers {
  /** A critical change (otherwise minor). */
  critical: boolean;
  /** It needs validating with real users. */
  realUserValidation: boolean;
  /** It tests UX or an algorithm. */
  testsUxOrAlgorithm: boolean;
  /** It touches the database schema. */
  touchesSchema: boolean;
  /** It breaks the API. */
  breaksApi: boolean;
}

/** A decision-tree rule: when the answers match, a strategy gains points, optionally with companions and a reason. */
export interface AnswerRule {
  when: (a: DecisionAnswers) => boolean;
  favour: Exclude<RecommendedStrategy, 'expand-contract'>[];
  points: number;
  companions?: RecommendedStrategy[];
  because: string;
}

/** The runbook's decision tree as weighted rules: UX/algorithm beats real-user validation beats critical beats minor. */
export const ANSWER_RULES: AnswerRule[] = [
  {
    when: (a) => a.testsUxOrAlgorithm,
    favour: ['ab-test'],
    points: 50,
    because: 'it tests UX or an algorithm, which an A/B test measures',
  },
  {
    when: (a) => a.realUserValidation,
    favour: ['canary'],
    points: 40,
    because: 'it needs validating with real users, which a canary does a slice at a time',
  },
  {
    when: (a) => a.critical,
    favour: ['blue-green'],
    points: 30,
    because: 'it is critical, and blue-green rolls back instantly',
  },
  {
    when: (a) => !a.critical && !a.realUserValidation && !a.testsUxOrAlgorithm,
    favour: ['rolling'],
    points: 30,
    because: 'it is a minor change, for which a rolling update is enough',
  },
  {
    when: (a) => a.breaksApi,
    favour: ['blue-green'],
    points: 25,
    companions: ['flag-rollout'],
    because: 'it breaks the API, so both versions should run while a flag controls who sees the new one',
  },
  {
    when: (a) => a.touchesSchema,
    favour: ['rolling'],
    points: 10,
    companions: ['expand-contract'],
    because: 'it touches the schema, which needs expand/contract migrations around the deploy',
  },
  { when: () => true, favour: ['canary', 'rolling', 'blue-green', 'flag-rollout'], points: 1, because: '' },
];
