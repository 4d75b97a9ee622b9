import type { Evidence } from '../../../src-shared/release/release.schema.ts';
import { evidenceSentence } from './analysis-run.ts';

/**
 * The sentences the strategy machines write into decisions and pauses, in one place. An operator's decision
 * reads `<who> <what><(reason)>.`: `operatorSentence` puts the parts together, the `…Words` objects say the
 * `what`. Steps are counted from 1 in every sentence (`stepIndex` arguments are 0-based).
 */
export function operatorSentence(by: string, what: string, reason: string | undefined): string {
  return `${by} ${what}${reason ? ` (${reason})` : ''}.`;
}

/** `failed` or `was inconclusive`, for a verdict in a sentence. */
const verdictWords = (status: 'failed' | 'inconclusive') =>
  status === 'failed' ? 'failed' : 'was inconclusive';

/** What an operator did to a release, as the part of the sentence after the operator's name. */
export const operatorWords = {
  resumed: 'resumed the release',
  canaryStopped: (kind: 'abort' | 'rollback', stepIndex: number | null) => {
    const at = stepIndex === null ? '' : ` at step ${stepIndex + 1}`;
    return kind === 'abort'
      ? `aborted the release${at}`
      : `rolled the canary back${at}; all traffic goes back to stable`;
  },
  canaryPromotedFully: (stepIndex: number) =>
    `promoted the canary fully from step ${stepIndex + 1}, skipping the remaining steps`,
  pausedAt: (stepIndex: number) => `paused the release at step ${stepIndex + 1}`,
  promotedPast: (stepIndex: number) => `promoted past step ${stepIndex + 1}`,
  resumedAt: (stepIndex: number) => `resumed the release at step ${stepIndex + 1}`,
  resumedAfterPause: (stepIndex: number) => `resumed the release after the pause at step ${stepIndex + 1}`,
  retriedFromStart: 'retried the release from step 1',
  abTestStopped: 'stopped the A/B test; everyone goes back to stable',
  abTreatmentDeployedToAll: 'deployed the treatment to everyone',
  abTreatmentDeployed: 'deployed the treatment',
  abTestExtended: (duration: string) => `extended the A/B test by ${duration}`,
  trafficRolledBack: (to: string | null) => `rolled traffic back to ${to}`,
  abandonedBeforeSwitch: (active: string | null) =>
    `abandoned the release before the switch; traffic stays on ${active ?? 'the active colour'}`,
  promotedSwitch: (from: string | null, to: string | null) =>
    `promoted: switching all traffic from ${from} to ${to}`,
  workloadRolledBack: (kind: 'abort' | 'rollback') =>
    kind === 'abort' ? 'aborted the release and rolled the workload back' : 'rolled the workload back',
};

/** What a machine decided by itself, as whole sentences. */
export const canaryWords = {
  allStepsPassed: (steps: number, version: string) =>
    `All ${steps} steps passed; promoting ${version} to all traffic.`,
  readyTimeout: (p: { stepIndex: number; need: number; weight: number; timeout: string; ready: number }) =>
    `Step ${p.stepIndex + 1}: the canary did not have the ${p.need} ready pod(s) ${p.weight} % of traffic needs within the readyTimeout of ${p.timeout} (${p.ready} ready); aborting, no traffic went to it and all of it stays on stable.`,
  waitsForOperator: 'The canary waits for an operator: resume or promote it to go on.',
  analysisPassed: (stepIndex: number, evidence: readonly Evidence[]) =>
    `Analysis of step ${stepIndex + 1} passed: ${evidenceSentence(evidence)}.`,
  /** A step's analysis (`stepIndex`) or the background analysis (`null`) failed or was inconclusive. */
  analysisStopped: (
    stepIndex: number | null,
    status: 'failed' | 'inconclusive',
    evidence: readonly Evidence[],
    then: 'abort' | 'pause',
  ) =>
    `${stepIndex === null ? 'Background analysis' : `Analysis of step ${stepIndex + 1}`} ${verdictWords(status)}: ${evidenceSentence(evidence)}; ${then === 'abort' ? 'aborting the canary' : 'pausing for an operator'}.`,
  triggerThen: 'aborting the canary',
};

/** What an operation was doing when it failed, for the pause it leaves (`… failed (why)`). */
export const doingWords = {
  creatingCanary: 'creating the canary workload',
  scalingCanary: 'scaling the canary',
  readingCanaryPods: 'reading the canary pods',
  settingWeight: (weight: number) => `setting the canary weight to ${weight} %`,
  promotingCanary: 'promoting the canary',
  sendingBackToStable: 'sending traffic back to stable',
  startingTreatment: 'starting the treatment',
  readingStable: 'reading the stable workload',
  scalingTreatment: 'scaling the treatment',
  readingTreatmentPods: 'reading the treatment pods',
  routingExperiment: 'routing the experiment',
  deployingTreatment: 'deploying the treatment',
  stoppingAbTest: 'stopping the A/B test',
};

/** Sentences of the A/B test machine. */
export const abWords = {
  readyTimeout: (p: { need: number; weight: number; timeout: string; ready: number }) =>
    `The treatment did not have the ${p.need} ready pod(s) its ${p.weight} % share needs within the readyTimeout of ${p.timeout} (${p.ready} ready); stopping the A/B test, everyone stays on stable.`,
  routingNotes: (notes: readonly string[]) => `Routing the A/B test: ${notes.join(' ')}`,
  guardrailBreached: (e: Evidence) =>
    `Guardrail ${e.metric} breached: ${e.arithmetic}; stopping the A/B test.`,
  favoursTreatment: (tests: string) => `The A/B test favours the treatment: ${tests}; deploying it.`,
  rejectsTreatment: (tests: string) => `The A/B test rejects the treatment: ${tests}.`,
  undecided: (duration: string, tests: string) =>
    `The A/B test is not conclusive after ${duration} (${tests}); PROMOTE deploys the treatment, ABORT rejects it, RESUME runs it longer.`,
  triggerThen: 'stopping the A/B test',
};

/** Sentences of the blue-green machine (`active` serves production, `idle` gets the new version). */
export const blueGreenWords = {
  notReady: (idle: string | null, timeout: string, active: string | null) =>
    `${idle} was not ready within ${timeout}; traffic stays on ${active}.`,
  warmupFailed: (idle: string | null, failed: number, active: string | null) =>
    `Every warm-up request to ${idle} failed (${failed} of ${failed}); traffic stays on ${active}.`,
  smokeFailed: (idle: string | null, failed: readonly string[], active: string | null) =>
    `${failed.length} smoke check(s) failed on ${idle} (${failed.join('; ')}); traffic stays on ${active}.`,
  awaitingPromotion: (p: { idle: string | null; image: string; active: string | null; releaseId: string }) =>
    `Waiting for an operator to promote: ${p.idle} runs ${p.image}, warmed up and smoke-tested; traffic stays on ${p.active} until someone promotes (Promote in the console, or switchyard promote ${p.releaseId}).`,
  keptForRollback: (summary: string, active: string | null) =>
    `${summary} ${active} keeps running for an instant rollback.`,
  scalesDownLater: (summary: string, active: string | null, delay: string) =>
    `${summary} ${active} stays at full size until ${delay} after the switch, then scales to 0 (keepPrevious: false).`,
  rollingBackTo: (active: string | null) => `Rolling traffic back to ${active}.`,
  scaledDown: (active: string | null, delay: string, idle: string | null) =>
    `${active} was scaled to 0, ${delay} after the switch (keepPrevious: false); ${idle} serves all traffic.`,
  triggerRollsBack: (active: string | null) => `rolling traffic back to ${active}`,
  triggerAbandons: (active: string | null) => `abandoning the release; traffic stays on ${active}`,
};

/** Sentences of the rolling machine. */
export const rollingWords = {
  rolloutFailed: (version: string, problem: string | null, previous: number | null) =>
    `The rollout of ${version} failed: ${problem}; undoing to revision ${previous}.`,
  undoingTo: (previous: number | null) => `Undoing to revision ${previous}.`,
  rolledBack: (revision: number | null, desired: number, image: string, why: string | undefined) =>
    `Rolled back to revision ${revision}: all ${desired} pods run ${image} and are ready.${why ? ` ${why}` : ''}`,
  undoUnfinished: (revision: number | null, seconds: number, counts: string) =>
    `The undo to revision ${revision} has not finished within ${seconds} s (${counts}); the release is paused and is not rolled back yet.`,
  triggerUndoes: (previous: number | null) => `undoing to revision ${previous}`,
};

/** Sentences of the migration wrapper (expand → strategy → contract). */
export const migrationWords = {
  expandFailed: (message: string) => `The expand migration failed (${message}); nothing was deployed.`,
  expandGate: (instructions: string) => `Expand gate: ${instructions} Confirm when it is done.`,
  contractGate: (what: string) =>
    `Contract gate: ${what} The old version no longer runs; confirm to contract.`,
  contractJob: (command: readonly string[]) => `Run the contract Job (${command.join(' ')}).`,
  contractFinished: 'The contract migration finished.',
  contractFailed: (message: string) =>
    `The contract migration failed (${message}); the new version keeps running. Fix it and resume to run it again.`,
  stoppedAtExpand: 'stopped the release at the expand gate; nothing was deployed',
  confirmedExpand: 'confirmed the expand migration',
  confirmedContract: 'confirmed the contract migration',
  contractDone: 'confirmed the contract migration is done',
  endedAtContract:
    'ended the release at the contract gate without contracting; the new version keeps running',
};
