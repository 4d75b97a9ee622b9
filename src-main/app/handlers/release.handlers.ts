import { exportPlan } from '../../../src-shared/interop/interop.ts';
import type { Handlers } from '../../bridge/dispatch.ts';
import type { ReleaseService } from '../release-service.ts';
import { planOrRefuse } from './plan-text.ts';

type ReleaseHandlers = Pick<
  Handlers,
  | 'plan:export'
  | 'preflight:run'
  | 'release:start'
  | 'release:resume'
  | 'release:rollbackCompleted'
  | 'release:control'
  | 'release:list'
  | 'release:get'
  | 'release:export'
  | 'sandbox:fault'
>;

/** Release, preflight and export channels over the release service. */
export function releaseHandlers(service: ReleaseService): ReleaseHandlers {
  return {
    'plan:export': async ({ text, to }) => {
      const { yaml, unsupported } = exportPlan(planOrRefuse(text, 'before exporting'), to);
      return { yaml, unsupported };
    },
    'preflight:run': async ({ context, text }) => ({ report: await service.preflight(context, text) }),
    'release:start': async (input) => ({ id: await service.start(input) }),
    'release:resume': async ({ id, then, takeOver }) => ({
      id: await service.resume(id, then, takeOver === true),
    }),
    'release:rollbackCompleted': async ({ id, reason }) => service.rollbackCompleted(id, reason),
    'release:control': async ({ id, event }) => service.control(id, event),
    'release:list': async () => ({ releases: await service.list() }),
    'release:get': async ({ id }) => {
      const r = await service.get(id);
      return {
        snapshot: r.snapshot,
        health: r.health,
        planText: r.planText,
        integrity: r.integrity,
        ...(r.problem ? { problem: r.problem } : {}),
        audit: r.audit.map((a) => ({
          seq: a.seq,
          at: a.at,
          who: `${a.who.user}@${a.who.context}`,
          what: a.what,
          why: a.why,
        })),
      };
    },
    'release:export': async ({ id, format }) => service.export(id, format),
    'sandbox:fault': async (fault) => {
      await service.fault(fault);
      return { applied: true as const };
    },
  };
}
