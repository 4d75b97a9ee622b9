import { DomainError } from '../../../src-shared/bridge/errors.ts';
import type { Handlers } from '../../bridge/dispatch.ts';
import type { ReleaseService } from '../release-service.ts';
import { planOrRefuse } from './plan-text.ts';

/** The plan screen's flag channels over the release service. */
export function flagHandlers(service: ReleaseService): Pick<Handlers, 'flags:list'> {
  return {
    'flags:list': async ({ context, text }) => {
      const plan = planOrRefuse(text, "to list its flag system's flags");
      // A flag with deploy: its flag system is the ramp's, asked as a flag-rollout plan of that ramp would be.
      const ramp = plan.flagRamp ? { ...plan, strategy: plan.flagRamp } : plan;
      const flags = await service.flagSystemOn(context, ramp);
      if (!flags)
        throw new DomainError(
          'invalidPlan',
          `A ${plan.strategy.kind} plan names no flag system; only a flag-rollout plan or a plan with a flag ramp has flags to pick.`,
        );
      const list = await flags.listFlags();
      return {
        flags: list.map((f) => ({
          key: f.key,
          variants: [...f.variants],
          enabled: f.enabled,
          ...(f.description ? { description: f.description } : {}),
        })),
      };
    },
  };
}
