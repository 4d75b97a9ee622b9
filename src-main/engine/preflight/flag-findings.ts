import { flagStepLabel, type FlagRolloutPlanStrategy } from '../../../src-shared/plan/flag-rollout.schema.ts';
import type { PreflightFinding, PreflightPass } from '../../../src-shared/preflight/preflight.schema.ts';
import type { FlagCheck, FlagProvider } from '../../ports/exposure.port.ts';
import { newPercent, offForEveryone, unmetPrerequisite } from '../machines/flag-ramp.ts';

const whole = [{ index: null, label: 'the whole release' }];

/**
 * What a flag ramp's plan alone says would fail or mislead: no flag system named (a plan of the old form),
 * an Unleash provider without an admin token source, percentages that go down, schedules out of order.
 */
export function flagPlanFindings(
  s: FlagRolloutPlanStrategy,
  field: 'strategy' | 'flagRamp' = 'strategy',
): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  if (!s.provider)
    findings.push({
      id: 'plan:flag-provider-missing',
      check: 'routing',
      severity: 'blocker',
      title: `The plan names no flag system for flag "${s.flag}"`,
      explanation: `A flag ramp moves the flag in the flag system that serves it. Add ${field}.provider: { kind: openfeature, name: <FeatureFlag object> } or { kind: unleash, url, project, environment, tokenEnv }.`,
      steps: whole,
    });
  if (s.provider?.kind === 'unleash' && !s.provider.tokenEnv && !s.provider.tokenSecret)
    findings.push({
      id: 'plan:flag-token-missing',
      check: 'access',
      severity: 'blocker',
      title: `The plan names no admin token for Unleash at ${s.provider.url}`,
      explanation:
        'Switchyard changes the flag through the Unleash Admin API, which needs an admin token. Name the environment variable that holds it (provider.tokenEnv) or the keychain entry (provider.tokenSecret); the token itself never goes into a plan.',
      steps: whole,
    });
  let last: { percent: number; index: number } | null = null;
  let lastAt: { ms: number; index: number } | null = null;
  s.steps.forEach((step, index) => {
    const label = `step ${index + 1}: ${flagStepLabel(step)}`;
    if ('setPercentage' in step) {
      if (last && step.setPercentage < last.percent)
        findings.push({
          id: `plan:flag-percent-down-${index}`,
          check: 'routing',
          severity: 'warning',
          title: `Step ${index + 1} lowers flag "${s.flag}" from ${last.percent} % to ${step.setPercentage} %`,
          explanation: `Step ${last.index + 1} serves ${s.newVariant} to ${last.percent} % of users and step ${index + 1} takes it back to ${step.setPercentage} %: users who had the feature lose it. If this is a typo, fix the order of the percentages.`,
          steps: [{ index, label }],
        });
      last = { percent: step.setPercentage, index };
    }
    if (step.at !== undefined) {
      const ms = Date.parse(step.at);
      if (lastAt && ms < lastAt.ms)
        findings.push({
          id: `plan:flag-schedule-order-${index}`,
          check: 'routing',
          severity: 'warning',
          title: `Step ${index + 1} is scheduled before step ${lastAt.index + 1}`,
          explanation: `Steps run in order, so step ${index + 1} (at ${step.at}) starts only after step ${lastAt.index + 1}, later than scheduled. Fix the order of the steps or their times.`,
          steps: [{ index, label }],
        });
      lastAt = { ms, index };
    }
  });
  return findings;
}

/** Provider checks that warn rather than block: the ramp can run, but says less than the truth. */
const WARN_ONLY: ReadonlySet<string> = new Set(['strategies']);

/**
 * What the flag system says of the plan's flag (`FlagProvider.check`: reachable, authorised, the flag and its
 * variants exist, the credentials may edit it) and the current state of each prerequisite flag; a failed check
 * blocks, except ones that only make the ramp's share read low (other strategies serving the flag), and a
 * prerequisite not on yet warns (the ramp will hold at its first move until it is).
 */
export async function flagProviderFindings(
  provider: FlagProvider,
  s: FlagRolloutPlanStrategy,
  signal?: AbortSignal,
): Promise<{ findings: PreflightFinding[]; passed: PreflightPass[] }> {
  const findings: PreflightFinding[] = [];
  const passed: PreflightPass[] = [];
  const checks = await provider
    .check(signal)
    .catch((error: unknown): FlagCheck[] => [
      { check: 'reachable', ok: false, detail: error instanceof Error ? error.message : String(error) },
    ]);
  for (const c of checks) {
    const id = `flag:${c.check.replace(/\W+/g, '-')}`;
    if (c.ok) passed.push({ id, check: 'access', title: c.detail });
    else
      findings.push({
        id,
        check: 'access',
        severity: WARN_ONLY.has(c.check) ? 'warning' : 'blocker',
        title: `Flag "${s.flag}": ${c.check} failed`,
        explanation: `${c.detail} (${provider.describe()})`,
        steps: whole,
      });
  }
  const firstMove = s.steps.findIndex((step) => 'setPercentage' in step);
  for (const p of s.prerequisites) {
    const problem = await provider
      .readFlag(p.flag, signal)
      .then((r) => unmetPrerequisite(p, r))
      .catch((error: unknown) => `prerequisite flag "${p.flag}" cannot be read: ${(error as Error).message}`);
    if (problem === null)
      passed.push({
        id: `flag:prerequisite-${p.flag}`,
        check: 'access',
        title: `prerequisite flag "${p.flag}" is on`,
      });
    else
      findings.push({
        id: `flag:prerequisite-${p.flag}`,
        check: 'access',
        severity: 'warning',
        title: `Prerequisite flag "${p.flag}" is not on yet`,
        explanation: `Now ${problem}. Every move of flag "${s.flag}" waits for its prerequisites: the ramp will hold at its first move, saying why, until it is on.`,
        steps: [
          {
            index: firstMove < 0 ? null : firstMove,
            label: firstMove < 0 ? 'the ramp' : `step ${firstMove + 1}`,
          },
        ],
      });
  }
  return { findings, passed };
}

/**
 * Flag with deploy: the code goes out dark, so the flag must be off for everyone before the deploy starts (the
 * release holds there otherwise, naming what the flag serves). A flag that is on now is a blocker; one that
 * cannot be read is the provider checks' finding.
 */
export async function darkFlagFinding(
  provider: FlagProvider,
  s: FlagRolloutPlanStrategy,
  findings: PreflightFinding[],
  passed: PreflightPass[],
  signal?: AbortSignal,
): Promise<void> {
  const reading = await provider.read(signal).catch(() => null);
  if (!reading) return;
  const title = `Flag "${s.flag}" is off for everyone while the code goes out dark`;
  if (offForEveryone(reading)) {
    passed.push({ id: 'flag:dark', check: 'access', title });
    return;
  }
  const segments = (reading.segments ?? []).map((g) => g.name);
  const who = [
    ...(newPercent(reading) > 0 ? [`${Math.round(newPercent(reading))} % of users`] : []),
    ...(segments.length > 0 ? [`the segment(s) ${segments.join(', ')}`] : []),
  ].join(' and ');
  findings.push({
    id: 'flag:dark',
    check: 'access',
    severity: 'blocker',
    title: `Flag "${s.flag}" is on for ${who}`,
    explanation: `A flag with deploy sends the code out dark, with the flag off for everyone, and then ramps it; ${provider.describe()} serves ${s.newVariant} to ${who} now. Switchyard does not turn off a flag someone else turned on: turn it off (or release the code alone) and run the preflight again.`,
    steps: [{ index: null, label: 'before the deploy' }],
  });
}
