import { DomainError } from '../../../src-shared/bridge/errors.ts';
import type { Handlers } from '../../bridge/dispatch.ts';

type ReleaseHandlers = Pick<
  Handlers,
  | 'plan:export'
  | 'preflight:run'
  | 'release:start'
  | 'release:control'
  | 'release:list'
  | 'release:get'
  | 'release:export'
  | 'sandbox:fault'
>;

const notYet = async (): Promise<never> => {
  throw new DomainError('internal', 'This part of the engine is not wired into the console yet.');
};

/** Release, preflight and export channels. */
export function releaseHandlers(): ReleaseHandlers {
  return {
    'plan:export': notYet,
    'preflight:run': notYet,
    'release:start': notYet,
    'release:control': notYet,
    'release:list': notYet,
    'release:get': notYet,
    'release:export': notYet,
    'sandbox:fault': notYet,
  };
}
