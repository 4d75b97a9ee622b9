import { stringify } from 'yaml';
import type { PlanProblem } from '../../../src-shared/bridge/contract.ts';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import { recommend } from '../../../src-shared/decision/recommend.ts';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import type { Handlers } from '../../bridge/dispatch.ts';
import type { PlanStore } from '../../ports/plan-store.port.ts';
import { canaryStepLabel } from '../../engine/machines/canary.machine.ts';
import { flagStepLabel } from '../../../src-shared/plan/flag-rollout.schema.ts';

type PlanHandlers = Pick<
  Handlers,
  'decision:recommend' | 'plan:new' | 'plan:validate' | 'plan:list' | 'plan:save' | 'plan:open'
>;

/** Splits `path: message` problems from `parsePlan` into their field path and rule. */
export function toProblems(errors: readonly string[]): PlanProblem[] {
  return errors.map((e) => {
    const m = /^((?:[A-Za-z_$][\w$-]*|\[\d+\])(?:\.[A-Za-z_$][\w$-]*|\[\d+\])*): (.*)$/s.exec(e);
    return m ? { path: m[1] ?? '', message: m[2] ?? e } : { path: '', message: e };
  });
}

/** The plan as YAML for the editor: stable key order, no anchors. */
export function planToYaml(plan: ReleasePlan): string {
  return stringify(plan, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/** What a plan will do, one line per step, for the editor's summary; a flag ramp's steps follow the strategy's. */
export function describePlan(plan: ReleasePlan): string[] {
  const ramp = plan.flagRamp;
  const rampSteps = ramp ? ramp.steps.map((step) => `flag ${ramp.flag}: ${flagStepLabel(step)}`) : [];
  return [...strategySteps(plan), ...rampSteps];
}

function strategySteps(plan: ReleasePlan): string[] {
  const s = plan.strategy;
  switch (s.kind) {
    case 'canary':
      return s.steps.map(canaryStepLabel);
    case 'blue-green':
      return [
        'deploy the idle colour',
        `wait ready (≤ ${s.readyTimeout})`,
        `warm up: ${s.warmup.requests} × ${s.warmup.path}`,
        'smoke checks',
        'switch traffic',
        `validate for ${s.validation.duration}`,
      ];
    case 'rolling':
      return [
        `set image (maxSurge ${s.maxSurge}, maxUnavailable ${s.maxUnavailable})`,
        'follow the rollout',
        `validate for ${s.validation.duration}`,
      ];
    case 'ab-test':
      return [
        `route ${s.variants.map((v) => `${v.name} ${v.weight} %`).join(' / ')}`,
        `run for ${s.duration}`,
        'decide: deploy, reject or continue',
      ];
    case 'flag-rollout':
      return s.steps.map((step) => `flag ${s.flag}: ${flagStepLabel(step)}`);
  }
}

/** Decision guidance and saved plans. */
export function planHandlers(plans: PlanStore): PlanHandlers {
  return {
    'decision:recommend': async ({ change, answers, environment, target, routerObjects }) => {
      if ((change === undefined) === (answers === undefined)) {
        throw new DomainError(
          'badRequest',
          'Give either a change kind or the decision-tree answers, not both or neither.',
        );
      }
      const input = change !== undefined ? { change } : { answers: answers! };
      const recs = recommend(input, environment, target, routerObjects);
      return {
        recommendations: recs.map((r) => ({
          strategy: r.strategy,
          companions: [...r.companions],
          rationale: r.rationale,
          risk: r.risk,
          complexity: r.complexity,
          cost: r.cost,
          rollbackSpeed: r.rollbackSpeed,
          missing: [...r.missing],
          planText: planToYaml(r.plan),
        })),
      };
    },

    'plan:new': async ({ strategy, namespace, name, image, router, flag }) => ({
      text: planToYaml(
        defaultPlan(
          strategy,
          { namespace, name, image },
          { ...(router ? { router } : {}), ...(flag && strategy === 'flag-rollout' ? { flag } : {}) },
        ),
      ),
    }),

    'plan:validate': async ({ text }) => {
      const r = parsePlan(text);
      if (!r.ok) return { ok: false, problems: toProblems(r.errors) };
      return {
        ok: true,
        problems: [],
        summary: {
          name: r.plan.name,
          strategy: r.plan.strategy.kind,
          router: r.plan.router.kind,
          steps: describePlan(r.plan),
        },
      };
    },

    'plan:list': async () => ({ plans: await plans.list() }),

    'plan:save': async ({ name, text }) => {
      const r = parsePlan(text);
      if (!r.ok)
        throw new DomainError(
          'invalidPlan',
          `The plan was not saved: it has ${r.errors.length} problem(s).`,
          r.errors,
        );
      await plans.save(name, text);
      return { name };
    },

    'plan:open': async ({ name }) => ({ name, text: await plans.open(name) }),
  };
}
