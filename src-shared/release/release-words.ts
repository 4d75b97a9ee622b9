import type { ControlEvent, ReleaseSnapshot } from './release.schema.ts';

/** What the words about a release are made from: its status, steps and pause (never its machine state path). */
export type ReleaseWhere = Pick<ReleaseSnapshot, 'status' | 'currentStep' | 'steps' | 'pause'> &
  Partial<Pick<ReleaseSnapshot, 'strategy'>>;

/** Strategies whose machines can be paused by an operator (the others stop only by abort or roll back). */
const PAUSABLE: ReadonlySet<string> = new Set(['canary']);

/** The label each operator action has on buttons and in sentences. */
export const CONTROL_LABELS: Readonly<Record<ControlEvent, string>> = {
  PAUSE: 'Pause',
  RESUME: 'Resume',
  PROMOTE: 'Promote',
  PROMOTE_FULL: 'Promote to full',
  CONFIRM: 'Confirm',
  ABORT: 'Abort',
  ROLLBACK: 'Roll back',
};

/** `step 3 of 6 (analysis quick)`, or an empty string when the release stands at no step. */
export function stepWords(s: Pick<ReleaseWhere, 'currentStep' | 'steps'>): string {
  if (s.currentStep === null) return '';
  const step = s.steps.find((x) => x.index === s.currentStep);
  const label = step ? ` (${step.label})` : '';
  return `step ${s.currentStep + 1} of ${s.steps.length}${label}`;
}

const ENDED: Readonly<Record<string, string>> = {
  completed: 'completed',
  aborted: 'aborted',
  rolledBack: 'rolled back',
  failed: 'failed',
};

/**
 * Where a release stands in words: `running step 3 of 6 (analysis quick)`, `paused at step 1 of 3 (expand
 * migration)`, `running`, `completed`, `rolled back`.
 */
export function stateWords(s: ReleaseWhere): string {
  const ended = ENDED[s.status];
  if (ended) return ended;
  const step = stepWords(s);
  if (s.status === 'paused') return step ? `paused at ${step}` : 'paused';
  return step ? `running ${step}` : 'running';
}

const ENDED_REASON: Readonly<Record<string, string>> = {
  completed: 'The release completed; roll it back from History.',
  aborted: 'The release was aborted; nothing is left to control here.',
  rolledBack: 'The release was rolled back; nothing is left to control here.',
  failed: 'The release failed; nothing is left to control here.',
};

/**
 * Why `event` does not apply to a release in state `s`, as one plain sentence. `busy` names an operation
 * in flight that the action cannot interrupt (e.g. `promoting the canary to all traffic`).
 */
export function disabledReason(event: ControlEvent, s: ReleaseWhere, busy?: string): string {
  const ended = ENDED_REASON[s.status];
  if (ended) return ended;
  const where = stateWords(s);
  if (busy) return `${CONTROL_LABELS[event]} does not apply now: the release is ${busy}.`;
  const gate = s.status === 'paused' && s.pause?.cause === 'gate';
  switch (event) {
    case 'PAUSE': {
      if (s.status === 'paused') return `The release is already ${where}.`;
      // The running phase's strategy: a flag with deploy (`flag-after:rolling`) pauses as its deploy does.
      const kind = s.strategy?.replace(/^migration:/, '').replace(/^flag-after:/, '');
      return kind && !PAUSABLE.has(kind)
        ? `${/^[aeiou]/.test(kind) ? 'An' : 'A'} ${kind} release cannot be paused: abort or roll back to stop it.`
        : `This step cannot be paused: the release is ${where}.`;
    }
    case 'RESUME':
      if (s.status === 'running') return `Nothing to resume: the release is ${where}.`;
      return gate
        ? `The release waits at a migration gate: confirm it, or abort.`
        : `Nothing to resume: the release is ${where}.`;
    case 'CONFIRM':
      return `No gate waits for a confirmation: the release is ${where}.`;
    case 'PROMOTE':
    case 'PROMOTE_FULL':
      return gate
        ? `The release waits at a migration gate: confirm it, or abort.`
        : `${CONTROL_LABELS[event]} does not apply now: the release is ${where}.`;
    default:
      return `${CONTROL_LABELS[event]} does not apply now: the release is ${where}.`;
  }
}
