import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  exportPlan,
  IMPORT_FORMATS,
  EXPORT_FORMATS,
  importPlan,
  type ExportFormat,
  type ImportFormat,
} from '../../../../src-shared/interop/interop.ts';
import { defaultPlan, type DefaultFlagOptions } from '../../../../src-shared/plan/plan.defaults.ts';
import type { FlagStep } from '../../../../src-shared/plan/flag-rollout.schema.ts';
import { parsePlan } from '../../../../src-shared/plan/plan.parse.ts';
import {
  FLAG_RAMP_AFTER,
  ROUTER_KINDS,
  STRATEGY_KINDS,
  type ReleasePlan,
  type RouterKind,
  type StrategyKind,
} from '../../../../src-shared/plan/plan.schema.ts';
import { DomainError } from '../../../../src-shared/bridge/errors.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { emit, type CliIo } from '../output.ts';
import type { RegisterCommand } from './register-command.ts';
import { requireFlags } from './recommend.command.ts';

async function readText(io: CliIo, file: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, file), 'utf8');
  } catch {
    throw new CliError([`cannot read ${file}`]);
  }
}

async function output(io: CliIo, out: string | undefined, text: string): Promise<void> {
  if (out === undefined) {
    io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return;
  }
  try {
    await writeFile(resolve(io.cwd, out), text);
  } catch {
    throw new CliError([`cannot write ${out}`]);
  }
  io.stderr.write(`wrote ${out}\n`);
}

/** The plan as YAML, with a header naming where it came from. */
export function planYaml(plan: ReleasePlan, header?: string): string {
  return `${header ? `# ${header}\n` : ''}${stringify(plan, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

function flagPercentages(steps: readonly FlagStep[]): string {
  return steps.flatMap((st) => ('setPercentage' in st ? [st.setPercentage] : [])).join('/');
}

function summary(plan: ReleasePlan): string {
  const s = plan.strategy;
  const detail =
    s.kind === 'canary'
      ? `${s.steps.length} steps`
      : s.kind === 'ab-test'
        ? `${s.variants.length} variants for ${s.duration}`
        : s.kind === 'flag-rollout'
          ? `flag ${s.flag} through ${flagPercentages(s.steps)} %`
          : s.kind === 'rolling'
            ? `maxSurge ${s.maxSurge}, maxUnavailable ${s.maxUnavailable}`
            : `validation ${s.validation.duration}`;
  const ramp = plan.flagRamp
    ? `, then flag ${plan.flagRamp.flag} through ${flagPercentages(plan.flagRamp.steps)} %`
    : '';
  return `${s.kind} of ${plan.target.namespace}/${plan.target.name} via ${plan.router.kind}, ${detail}${ramp}`;
}

interface FlagFlags {
  strategy?: string;
  betaFirst?: boolean;
  provider?: string;
  flag?: string;
  flagRamp?: string;
  providerUrl?: string;
  flagObject?: string;
}

const FLAG_FLAG_NAMES = {
  betaFirst: '--beta-first',
  provider: '--provider',
  flag: '--flag',
  providerUrl: '--provider-url',
  flagObject: '--flag-object',
} as const;

/** Why `--flag-ramp` cannot follow `strategy`, or null when it can. */
function flagRampRefusal(strategy: string | undefined): string | null {
  if (strategy === undefined || FLAG_RAMP_AFTER.includes(strategy as StrategyKind)) return null;
  const after = `--flag-ramp follows a strategy that deploys code (${FLAG_RAMP_AFTER.join(', ')})`;
  return strategy === 'flag-rollout'
    ? `${after}; a flag-rollout plan is a flag ramp already: name its flag with --flag KEY`
    : `${after}, not ${strategy}: ramp the flag in a plan of its own (--strategy flag-rollout)`;
}

/**
 * The flag options of `plan new`, checked: they apply to a flag-rollout plan (`--flag`) or to a flag ramp after
 * a strategy that deploys code (`--flag-ramp KEY`), and unleash needs its URL.
 */
function flagOptions(
  opts: FlagFlags,
  problems: string[],
): { flag?: DefaultFlagOptions; flagRamp?: DefaultFlagOptions } {
  const given = (['provider', 'flag', 'providerUrl', 'flagObject', 'betaFirst'] as const).filter(
    (k) => opts[k] !== undefined,
  );
  const ramp = opts.flagRamp !== undefined;
  if (ramp) {
    const refusal = flagRampRefusal(opts.strategy);
    if (refusal) {
      problems.push(refusal);
      return {};
    }
    if (opts.flag !== undefined)
      problems.push(`--flag names a flag-rollout's flag; with --flag-ramp the flag is "${opts.flagRamp}"`);
  } else if (opts.strategy !== 'flag-rollout') {
    if (given.length > 0)
      problems.push(
        `${given.map((k) => FLAG_FLAG_NAMES[k]).join(', ')} ${given.length === 1 ? 'applies' : 'apply'} only to --strategy flag-rollout, or with --flag-ramp KEY after a rolling, canary or blue-green`,
      );
    return {};
  }
  const provider = opts.provider ?? 'openfeature';
  if (provider !== 'openfeature' && provider !== 'unleash') {
    problems.push(`--provider must be openfeature or unleash, got "${provider}"`);
    return {};
  }
  if (provider === 'unleash' && opts.providerUrl === undefined)
    problems.push('--provider unleash needs --provider-url <url>, the Unleash server');
  if (provider === 'unleash' && opts.flagObject !== undefined)
    problems.push('--flag-object names an OpenFeature FeatureFlag; it does not apply to --provider unleash');
  if (provider === 'openfeature' && opts.providerUrl !== undefined)
    problems.push('--provider-url applies to --provider unleash; OpenFeature flags live in the cluster');
  const key = ramp ? opts.flagRamp : opts.flag;
  const options: DefaultFlagOptions = {
    provider,
    ...(key === undefined ? {} : { key }),
    ...(opts.flagObject === undefined ? {} : { flagObject: opts.flagObject }),
    ...(opts.providerUrl === undefined ? {} : { providerUrl: opts.providerUrl }),
    ...(opts.betaFirst ? { segmentsFirst: true } : {}),
  };
  return ramp ? { flagRamp: options } : { flag: options };
}

/** `switchyard plan new|validate|import|export`. */
export const registerPlan: RegisterCommand = (program: Command, io, setExit) => {
  const group = program.command('plan').description('write, check, import and export release plans');

  group
    .command('new')
    .description("write a plan with the runbook's defaults for a strategy")
    .option('--strategy <name>', `strategy (required): ${STRATEGY_KINDS.join(', ')}`)
    .option('--namespace <ns>', 'namespace of the workload (required)')
    .option('--deployment <name>', 'name of the Deployment, or Rollout with --rollout (required)')
    .option('--image <image>', 'the new image (required)')
    .option('--router <kind>', `traffic router: ${ROUTER_KINDS.join(', ')}`)
    .option('--container <name>', 'container whose image changes (default: the first)')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('--rollout', 'the workload is an Argo Rollout')
    .option('--migration', 'add expand/contract migration gates')
    .option(
      '--flag-ramp <key>',
      'rolling, canary or blue-green: deploy the code dark, then ramp this flag (one release)',
    )
    .option(
      '--provider <kind>',
      'flag-rollout or --flag-ramp: the flag system, openfeature or unleash (default openfeature)',
    )
    .option('--flag <key>', 'flag-rollout: the flag key (default <deployment>-release)')
    .option(
      '--beta-first',
      'flag-rollout or --flag-ramp: serve beta testers (email ending @beta.example.com) before any percentage',
    )
    .option('--provider-url <url>', 'a flag on unleash: the Unleash server URL (required)')
    .option(
      '--flag-object <name>',
      'a flag on openfeature: the FeatureFlag object (default <deployment>-flags)',
    )
    .option('--out <file>', 'write the plan to a file instead of standard output')
    .action(
      async (opts: {
        strategy?: string;
        namespace?: string;
        deployment?: string;
        image?: string;
        router?: string;
        container?: string;
        context?: string;
        rollout?: boolean;
        migration?: boolean;
        provider?: string;
        flag?: string;
        flagRamp?: string;
        betaFirst?: boolean;
        providerUrl?: string;
        flagObject?: string;
        out?: string;
      }) => {
        const problems: string[] = [];
        requireFlags(
          opts,
          {
            strategy: '--strategy <name>',
            namespace: '--namespace <ns>',
            deployment: '--deployment <name>',
            image: '--image <image>',
          },
          problems,
        );
        if (opts.strategy !== undefined && !STRATEGY_KINDS.includes(opts.strategy as StrategyKind))
          problems.push(`--strategy must be one of ${STRATEGY_KINDS.join(', ')}, got "${opts.strategy}"`);
        if (opts.router !== undefined && !ROUTER_KINDS.includes(opts.router as RouterKind))
          problems.push(`--router must be one of ${ROUTER_KINDS.join(', ')}, got "${opts.router}"`);
        const flags = flagOptions(opts, problems);
        if (problems.length > 0) throw new CliError(problems, ExitCode.usage);
        let plan: ReleasePlan;
        try {
          plan = defaultPlan(
            opts.strategy as StrategyKind,
            {
              namespace: opts.namespace ?? '',
              name: opts.deployment ?? '',
              image: opts.image ?? '',
              kind: opts.rollout ? 'Rollout' : 'Deployment',
              ...(opts.container === undefined ? {} : { container: opts.container }),
              ...(opts.context === undefined ? {} : { context: opts.context }),
            },
            {
              ...(opts.router === undefined ? {} : { router: opts.router as RouterKind }),
              migration: opts.migration === true,
              ...flags,
            },
          );
        } catch (err) {
          if (err instanceof DomainError) throw new CliError(err.details ?? [err.message]);
          throw err;
        }
        await output(
          io,
          opts.out,
          planYaml(plan, `Release plan: ${summary(plan)}. Defaults from the deployment-strategies runbook.`),
        );
      },
    );

  group
    .command('validate')
    .description('check a plan file; lists every problem')
    .argument('<file>', 'plan file (YAML or JSON)')
    .option('--json', 'print JSON: {valid, errors, summary}')
    .action(async (file: string, opts: { json?: boolean }) => {
      const result = parsePlan(await readText(io, file));
      if (opts.json) {
        emit(
          io,
          true,
          result.ok
            ? { valid: true, errors: [], summary: summary(result.plan) }
            : { valid: false, errors: result.errors },
          () => '',
        );
        if (!result.ok) setExit(ExitCode.error);
        return;
      }
      if (!result.ok) throw new CliError(result.errors.map((e) => `${file}: ${e}`));
      io.stdout.write(`${file}: valid (${summary(result.plan)})\n`);
    });

  group
    .command('import')
    .description('convert an Argo Rollout, a Flagger Canary or runbook YAML into a plan')
    .argument('<file>', 'YAML file (several documents allowed: a Rollout with its AnalysisTemplates)')
    .option('--from <format>', `source format: ${IMPORT_FORMATS.join(', ')} (default: detected)`)
    .option('--namespace <ns>', 'namespace of the workload (replaces the source)')
    .option('--deployment <name>', 'name of the workload (replaces the source)')
    .option('--image <image>', 'the new image (needed for Flagger and runbook YAML, which name none)')
    .option('--out <file>', 'write the plan to a file instead of standard output')
    .action(
      async (
        file: string,
        opts: { from?: string; out?: string; namespace?: string; deployment?: string; image?: string },
      ) => {
        if (opts.from !== undefined && !IMPORT_FORMATS.includes(opts.from as ImportFormat))
          throw new CliError(
            [`--from must be one of ${IMPORT_FORMATS.join(', ')}, got "${opts.from}"`],
            ExitCode.usage,
          );
        const result = importPlan(await readText(io, file), opts.from as ImportFormat | undefined, {
          ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }),
          ...(opts.deployment === undefined ? {} : { name: opts.deployment }),
          ...(opts.image === undefined ? {} : { image: opts.image }),
        });
        if (!result.ok) throw new CliError(result.errors.map((e) => `${file}: ${e}`));
        for (const u of result.unsupported) io.stderr.write(`not imported: ${u}\n`);
        await output(io, opts.out, planYaml(result.plan, `Imported from ${file} (${result.format}).`));
      },
    );

  group
    .command('export')
    .description('write a plan as Argo Rollouts or Flagger resources')
    .argument('<file>', 'plan file')
    .requiredOption('--to <format>', `target format: ${EXPORT_FORMATS.join(', ')}`)
    .option('--out <file>', 'write the YAML to a file instead of standard output')
    .action(async (file: string, opts: { to: string; out?: string }) => {
      if (!EXPORT_FORMATS.includes(opts.to as ExportFormat))
        throw new CliError(
          [`--to must be one of ${EXPORT_FORMATS.join(', ')}, got "${opts.to}"`],
          ExitCode.usage,
        );
      const parsed = parsePlan(await readText(io, file));
      if (!parsed.ok) throw new CliError(parsed.errors.map((e) => `${file}: ${e}`));
      const result = exportPlan(parsed.plan, opts.to as ExportFormat);
      for (const u of result.unsupported) io.stderr.write(`not expressible in ${opts.to}: ${u}\n`);
      await output(io, opts.out, result.yaml);
    });
};
