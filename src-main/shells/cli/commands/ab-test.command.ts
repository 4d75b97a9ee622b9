import type { Command } from 'commander';
import {
  sampleSize,
  twoProportionTest,
  type ProportionSample,
} from '../../../../src-shared/stats/proportions.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { emit } from '../output.ts';
import type { RegisterCommand } from './register-command.ts';
import { numberFlag, requireFlags } from './recommend.command.ts';

function proportionFlag(
  flag: string,
  text: string | undefined,
  problems: string[],
): ProportionSample | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) {
    problems.push(`${flag} must be CONVERSIONS/TOTAL such as 120/1000, got "${text}"`);
    return undefined;
  }
  const successes = Number(m[1]);
  const total = Number(m[2]);
  if (total === 0 || successes > total) {
    problems.push(`${flag} needs 0 ≤ conversions ≤ total and total above 0, got "${text}"`);
    return undefined;
  }
  return { successes, total };
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;

/** `switchyard ab-test analyze|size`: the runbook's A/B statistics. */
export const registerAbTest: RegisterCommand = (program: Command, io) => {
  const group = program.command('ab-test').description('analyse an A/B test or size one');

  group
    .command('analyze')
    .description(
      'two-proportion z-test of treatment vs control, with the deploy / reject / continue rule (±5 % lift)',
    )
    .option('--control <c/n>', 'control conversions/total, e.g. 1000/10000 (required)')
    .option('--treatment <c/n>', 'treatment conversions/total, e.g. 1100/10000 (required)')
    .option('--confidence <level>', 'confidence level, e.g. 0.95 or 95%', '0.95')
    .option(
      '--json',
      'print JSON: pValue, ciLow/ciHigh (absolute difference, ratio), lift (relative, ratio), significant, recommendation',
    )
    .action((opts: { control?: string; treatment?: string; confidence: string; json?: boolean }) => {
      const problems: string[] = [];
      requireFlags(opts, { control: '--control <c/n>', treatment: '--treatment <c/n>' }, problems);
      const control = proportionFlag('--control', opts.control, problems);
      const treatment = proportionFlag('--treatment', opts.treatment, problems);
      const confidence = numberFlag('--confidence', opts.confidence, problems, {
        above: 0,
        below: 1,
        percent: true,
      });
      if (problems.length > 0 || !control || !treatment || confidence === undefined)
        throw new CliError(problems, ExitCode.usage);
      const r = twoProportionTest(control, treatment, confidence);
      const out = {
        pValue: r.pValue,
        ciLow: r.ciLow,
        ciHigh: r.ciHigh,
        lift: r.lift,
        significant: r.significant,
        recommendation: r.recommendation,
      };
      emit(io, opts.json === true, out, () =>
        [
          `control ${pct(r.controlRate)}, treatment ${pct(r.treatmentRate)}, lift ${r.lift === null ? 'undefined (no control conversions)' : `${r.lift >= 0 ? '+' : ''}${pct(r.lift)}`}`,
          `p-value ${r.pValue.toPrecision(4)} (${r.significant ? 'significant' : 'not significant'} at ${confidence})`,
          `${confidence * 100} % CI of the difference: ${pct(r.ciLow)} to ${pct(r.ciHigh)}`,
          `recommendation: ${r.recommendation}`,
        ].join('\n'),
      );
    });

  group
    .command('size')
    .description('samples per variant (and days) for a two-sided two-proportion test')
    .option('--baseline <rate>', 'baseline conversion rate, e.g. 0.1 or 10% (required)')
    .option(
      '--mde <relative>',
      'minimum detectable effect relative to the baseline, e.g. 0.05 or 5% (required)',
    )
    .option('--confidence <level>', 'confidence level', '0.95')
    .option('--power <p>', 'statistical power', '0.8')
    .option('--rps-per-variant <n>', 'requests per second reaching each variant, to compute days')
    .option('--json', 'print JSON: perVariant, days (null without --rps-per-variant)')
    .action(
      (opts: {
        baseline?: string;
        mde?: string;
        confidence: string;
        power: string;
        rpsPerVariant?: string;
        json?: boolean;
      }) => {
        const problems: string[] = [];
        requireFlags(opts, { baseline: '--baseline <rate>', mde: '--mde <relative>' }, problems);
        const baseline = numberFlag('--baseline', opts.baseline, problems, {
          above: 0,
          below: 1,
          percent: true,
        });
        const mde = numberFlag('--mde', opts.mde, problems, { percent: true });
        if (mde === 0) problems.push('--mde must not be 0');
        const confidence = numberFlag('--confidence', opts.confidence, problems, {
          above: 0,
          below: 1,
          percent: true,
        });
        const power = numberFlag('--power', opts.power, problems, { above: 0, below: 1, percent: true });
        const rps = numberFlag('--rps-per-variant', opts.rpsPerVariant, problems, { above: 0 });
        if (
          problems.length > 0 ||
          baseline === undefined ||
          mde === undefined ||
          confidence === undefined ||
          power === undefined
        )
          throw new CliError(problems, ExitCode.usage);
        let r;
        try {
          r = sampleSize(baseline, mde, {
            confidence,
            power,
            ...(rps === undefined ? {} : { trafficPerVariantPerSecond: rps }),
          });
        } catch (err) {
          throw new CliError([(err as Error).message], ExitCode.usage);
        }
        emit(io, opts.json === true, r, () =>
          [
            `${r.perVariant.toLocaleString('en-US')} per variant`,
            r.days === null
              ? 'give --rps-per-variant to get the days'
              : `${r.days} day${r.days === 1 ? '' : 's'} at ${rps} req/s per variant`,
          ].join('\n'),
        );
      },
    );
};
