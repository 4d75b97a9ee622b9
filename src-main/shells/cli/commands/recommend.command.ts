import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CHANGE_KINDS, type ChangeKind } from '../../../../src-shared/decision/decision.rules.ts';
import {
  DecisionAnswersSchema,
  DecisionEnvironmentSchema,
  recommend,
  type DecisionEnvironment,
  type Recommendation,
  type DecisionInput,
} from '../../../../src-shared/decision/recommend.ts';
import { formatIssues, parseYamlText } from '../../../../src-shared/plan/plan.parse.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { emit } from '../output.ts';
import type { RegisterCommand } from './register-command.ts';

interface RecommendOptions {
  change?: string;
  answers?: string;
  mesh: string;
  argoRollouts?: boolean;
  spareCapacity?: boolean;
  featureFlags?: boolean;
  rps?: string;
  replicas?: string;
  maxDays?: string;
  json?: boolean;
}

/** The environment's mesh answers, as the decision rules take them. */
const MESHES = DecisionEnvironmentSchema.shape.mesh.options;

/**
 * Reads a number flag; pushes a sentence onto `problems` and returns undefined when it is not a number
 * in range. Accepts `N%` as N/100 when `percent` is set.
 */
export function numberFlag(
  flag: string,
  text: string | undefined,
  problems: string[],
  range: {
    min?: number;
    max?: number;
    above?: number;
    below?: number;
    integer?: boolean;
    percent?: boolean;
  } = {},
): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const isPercent = range.percent === true && trimmed.endsWith('%');
  const value = Number(isPercent ? trimmed.slice(0, -1) : trimmed) / (isPercent ? 100 : 1);
  const bounds = [
    range.above !== undefined ? `above ${range.above}` : '',
    range.min !== undefined ? `at least ${range.min}` : '',
    range.below !== undefined ? `below ${range.below}` : '',
    range.max !== undefined ? `at most ${range.max}` : '',
  ].filter(Boolean);
  const bad =
    trimmed === '' ||
    !Number.isFinite(value) ||
    (range.integer === true && !Number.isInteger(value)) ||
    (range.min !== undefined && value < range.min) ||
    (range.max !== undefined && value > range.max) ||
    (range.above !== undefined && value <= range.above) ||
    (range.below !== undefined && value >= range.below);
  if (bad) {
    const what = range.integer ? 'a whole number' : 'a number';
    problems.push(
      `${flag} must be ${[what, bounds.join(' and ')].filter(Boolean).join(' ')}${range.percent ? ' (a ratio, or a percentage like 5%)' : ''}, got "${text}"`,
    );
    return undefined;
  }
  return value;
}

/** Pushes `missing --flag` for every required flag without a value, so all of them are reported at once. */
export function requireFlags(
  opts: Record<string, unknown>,
  flags: Record<string, string>,
  problems: string[],
): void {
  for (const [key, flag] of Object.entries(flags))
    if (opts[key] === undefined) problems.push(`missing ${flag}`);
}

async function readAnswers(file: string, cwd: string): Promise<DecisionInput> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch {
    throw new CliError([`cannot read the answers file ${file}`]);
  }
  const doc = parseYamlText(text);
  if (!doc.ok) throw new CliError(doc.errors.map((e) => `${file}: ${e}`));
  const parsed = DecisionAnswersSchema.safeParse(doc.value);
  if (!parsed.success)
    throw new CliError(formatIssues(parsed.error.issues, doc.value).map((e) => `${file}: ${e}`));
  return { answers: parsed.data };
}

/** What the drafted plan does when a companion shapes it (`plan new` with the same flags writes it), else null. */
function draftLine(r: Recommendation): string | null {
  const ramp = r.plan.flagRamp;
  if (ramp) {
    const pct = ramp.steps.flatMap((s) => ('setPercentage' in s ? [s.setPercentage] : [])).join('/');
    const first =
      ramp.segments.length > 0 ? `${ramp.segments.map((s) => s.name).join(', ')} first, then ` : '';
    return `${r.strategy} deploys the code dark (flag off), then the flag ${ramp.flag} ramps ${first}${pct} %, as one release (plan new --strategy ${r.strategy} --flag-ramp KEY${first ? ' --beta-first' : ''})`;
  }
  if (r.companions.includes('flag-rollout'))
    return `${r.strategy} only: a flag ramp cannot follow it in one plan; ramp the flag in a plan of its own (plan new --strategy flag-rollout)`;
  return null;
}

/** `switchyard recommend`: ranked strategies for a change kind or decision-tree answers, adjusted to the environment. */
export const registerRecommend: RegisterCommand = (program: Command, io) => {
  program
    .command('recommend')
    .description('recommend release strategies for a change, best first')
    .option('--change <kind>', `the change: ${CHANGE_KINDS.join(', ')}`)
    .option(
      '--answers <file>',
      'YAML or JSON decision-tree answers: critical, realUserValidation, testsUxOrAlgorithm, touchesSchema, breaksApi (true/false)',
    )
    .option('--mesh <router>', 'traffic router present: istio, gateway-api or none', 'none')
    .option('--argo-rollouts', 'Argo Rollouts is installed')
    .option('--spare-capacity', 'there is room for a second full environment')
    .option('--feature-flags', 'a feature-flag service is available')
    .option('--rps <n>', 'requests per second reaching the service')
    .option('--replicas <n>', 'replicas of the service (canary precision without a router)')
    .option('--max-days <n>', 'longest A/B test allowed, in days (default 14)')
    .option('--json', 'print JSON')
    .action(async (opts: RecommendOptions) => {
      const problems: string[] = [];
      if ((opts.change === undefined) === (opts.answers === undefined))
        problems.push('give exactly one of --change <kind> or --answers <file>');
      if (opts.change !== undefined && !CHANGE_KINDS.includes(opts.change as ChangeKind))
        problems.push(`--change must be one of ${CHANGE_KINDS.join(', ')}, got "${opts.change}"`);
      if (!MESHES.includes(opts.mesh as (typeof MESHES)[number]))
        problems.push(`--mesh must be one of ${MESHES.join(', ')}, got "${opts.mesh}"`);
      const rps = numberFlag('--rps', opts.rps, problems, { min: 0 });
      const replicas = numberFlag('--replicas', opts.replicas, problems, { min: 1, integer: true });
      const maxDays = numberFlag('--max-days', opts.maxDays, problems, { min: 1 });
      if (problems.length > 0) throw new CliError(problems, ExitCode.usage);

      const input: DecisionInput =
        opts.answers !== undefined
          ? await readAnswers(opts.answers, io.cwd)
          : { change: opts.change as ChangeKind };
      const env: DecisionEnvironment = {
        mesh: opts.mesh as DecisionEnvironment['mesh'],
        argoRollouts: opts.argoRollouts === true,
        spareCapacity: opts.spareCapacity === true,
        featureFlags: opts.featureFlags === true,
        ...(rps === undefined ? {} : { rps }),
        ...(replicas === undefined ? {} : { replicas }),
        ...(maxDays === undefined ? {} : { maxAbDays: maxDays }),
      };
      const recs = recommend(input, env);
      const recommendations = recs.map((r) => ({
        strategy: r.strategy,
        companions: r.companions,
        rationale: r.rationale,
        risk: r.risk,
        complexity: r.complexity,
        cost: r.cost,
        rollbackSpeed: r.rollbackSpeed,
        missing: r.missing,
        /** The drafted plan deploys the code dark, then ramps a flag (a flag with deploy). */
        flagRamp: r.plan.flagRamp !== undefined,
        draft: draftLine(r),
      }));
      emit(io, opts.json === true, { recommendations }, () =>
        recommendations
          .map((r, i) =>
            [
              `${i + 1}. ${[r.strategy, ...r.companions].join(' + ')}`,
              `   risk ${r.risk}, complexity ${r.complexity}, cost ${r.cost}, rollback ${r.rollbackSpeed}`,
              `   ${r.rationale}`,
              ...(r.missing.length ? [`   missing: ${r.missing.join('; ')}`] : []),
              ...(r.draft ? [`   plan: ${r.draft}`] : []),
            ].join('\n'),
          )
          .join('\n\n'),
      );
    });
};
