import { z } from 'zod';
import { CHANGE_KINDS } from '../decision/decision.rules.ts';
import { NamespaceName } from './connection-views.ts';

const MeshSchema = z.enum(['istio', 'gateway-api', 'none']);

/** What the Plan screen's decision guidance sends: the change, the decision-tree answers, the environment. */
export const RecommendInputSchema = z
  .object({
    change: z.enum(CHANGE_KINDS).optional(),
    answers: z
      .object({
        critical: z.boolean(),
        realUserValidation: z.boolean(),
        testsUxOrAlgorithm: z.boolean(),
        touchesSchema: z.boolean(),
        breaksApi: z.boolean(),
      })
      .strict()
      .optional(),
    environment: z
      .object({
        mesh: MeshSchema,
        argoRollouts: z.boolean(),
        spareCapacity: z.boolean(),
        /** Requests per second. */
        rps: z.number().positive().optional(),
        replicas: z.number().int().positive().optional(),
      })
      .strict(),
    target: z
      .object({
        namespace: NamespaceName,
        name: z.string().min(1).max(253),
        image: z.string().min(1).max(512),
        context: z.string().min(1).max(253).optional(),
        kind: z.enum(['Deployment', 'Rollout']).optional(),
        container: z.string().min(1).max(253).optional(),
        job: z.string().min(1).max(253).optional(),
      })
      .strict()
      .optional(),
    /** Router objects found around the workload, named in the plans instead of the `<workload>` defaults. */
    routerObjects: z
      .object({
        virtualService: z.string().min(1).max(253).optional(),
        route: z.string().min(1).max(253).optional(),
        destinationRule: z.string().min(1).max(253).optional(),
        httpRoute: z.string().min(1).max(253).optional(),
        service: z.string().min(1).max(253).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** One ranked strategy for a change, as the Plan screen shows it. */
export const RecommendationViewSchema = z
  .object({
    strategy: z.string(),
    companions: z.array(z.string()),
    rationale: z.string(),
    risk: z.string(),
    complexity: z.string(),
    cost: z.string(),
    rollbackSpeed: z.string(),
    missing: z.array(z.string()),
    /** The pre-filled plan for this strategy, as YAML. */
    planText: z.string(),
  })
  .strict();
export type RecommendationView = z.infer<typeof RecommendationViewSchema>;

/** One plan problem: the field path (`strategy.steps[2].setWeight`, empty for the whole plan) and the rule broken. */
export const PlanProblemSchema = z.object({ path: z.string(), message: z.string() }).strict();
export type PlanProblem = z.infer<typeof PlanProblemSchema>;
