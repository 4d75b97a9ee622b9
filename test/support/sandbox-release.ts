import { expect } from 'vitest';
import { createKubeReleaseOps } from '../../src-main/adapters/kube/release-ops.ts';
import { createSandboxAnalysis } from '../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { createFileJournal } from '../../src-main/engine/journal/file-journal.ts';
import {
  startRelease,
  type ReleaseHandle,
  type ReleaseRunDeps,
  type StartReleaseOptions,
} from '../../src-main/engine/runner/release-runner.ts';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src-main/sandbox/sandbox.ts';
import { planCommands } from '../../src-shared/plan/plan-commands.ts';
import { parsePlan } from '../../src-shared/plan/plan.parse.ts';
import type { ReleasePlan } from '../../src-shared/plan/plan.schema.ts';
import type { ReleaseSnapshot } from '../../src-shared/release/release.schema.ts';
import { closeSoon } from '../main/adapters/kube/sandbox-fixture.ts';

/** The plan a YAML text describes; throws with the parser's errors when the text is not a valid plan. */
export function planOf(yaml: string): ReleasePlan {
  const parsed = parsePlan(yaml);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.plan;
}

export interface SandboxRoute {
  /** The kubeconfig the release reaches the cluster with; default the sandbox's own. */
  kubeconfig?: string;
  /** The metrics URL the analysis reads; default the sandbox's own. */
  metricsUrl?: string;
  /** The release id the cluster objects are labelled with (pass the same one to startRelease). */
  releaseId?: string;
}

/**
 * What the runner needs to drive `plan` on the sandbox for real: the Kubernetes client over HTTP, the
 * sandbox's metrics, its clock, and a file journal in `journalDir`.
 */
export function sandboxDeps(
  sb: SandboxHandle,
  plan: ReleasePlan,
  journalDir: string,
  route: SandboxRoute = {},
): ReleaseRunDeps {
  const kubeconfig = route.kubeconfig ?? sb.kubeconfigYaml();
  return {
    ops: createKubeReleaseOps(kubeconfig, plan, { releaseId: route.releaseId, pollMs: 50 }),
    analysis: createSandboxAnalysis({ url: route.metricsUrl ?? sb.url, token: sb.token }),
    clock: sb.clock,
    journal: createFileJournal({ dir: journalDir, user: 'test' }),
    who: { user: 'test', context: 'sandbox' },
  };
}

/** Starts `plan` on the sandbox with `sandboxDeps`; `options` adds to or overrides them. */
export function startOnSandbox(
  sb: SandboxHandle,
  plan: ReleasePlan,
  journalDir: string,
  options: Partial<StartReleaseOptions> & SandboxRoute = {},
): Promise<ReleaseHandle> {
  const { kubeconfig, metricsUrl, ...rest } = options;
  const deps = sandboxDeps(sb, plan, journalDir, { kubeconfig, metricsUrl, releaseId: rest.releaseId });
  return startRelease({ plan, ...deps, ...rest });
}

/**
 * Polls the release until its snapshot satisfies `ok` and returns that snapshot; fails after `timeoutMs`
 * naming the phase it stayed in (and its pause, if any).
 */
export async function untilSnapshot(
  handle: ReleaseHandle,
  ok: (s: ReleaseSnapshot) => boolean,
  timeoutMs = 30_000,
  pollMs = 50,
): Promise<ReleaseSnapshot> {
  const end = Date.now() + timeoutMs;
  while (!ok(handle.getSnapshot())) {
    if (Date.now() > end) {
      const { phase, pause } = handle.getSnapshot();
      throw new Error(`timed out in ${phase}${pause ? `: ${JSON.stringify(pause)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return handle.getSnapshot();
}

/** Requests the sandbox saw for `version` of `job` over the last `seconds` of its time. */
export const servedBy = (sb: SandboxHandle, namespace: string, job: string, version: string, seconds = 10) =>
  sb.stats({ namespace, job, version, windowSeconds: seconds }).requests ?? 0;

/**
 * Polls (up to 15 s) until only `wanted` serves `job`'s traffic, then asserts it: `wanted` served requests
 * over the last 10 s and `gone` none (a rollback or promotion may still be replacing pods).
 */
export async function expectTrafficEndsOn(
  sb: SandboxHandle,
  where: { namespace: string; job: string },
  wanted: string,
  gone: string,
): Promise<void> {
  const served = (version: string) => servedBy(sb, where.namespace, where.job, version);
  const end = Date.now() + 15_000;
  while (Date.now() < end && !(served(wanted) > 0 && served(gone) === 0))
    await new Promise((r) => setTimeout(r, 100));
  expect(served(wanted)).toBeGreaterThan(0);
  expect(served(gone)).toBe(0);
}

/** For each strategy, a good new version (v1.25.0) and a bad one (v1.25.1-bad, its error rate too high). */
export const goodAndBadVersions = <S extends string>(strategies: readonly S[]) =>
  strategies.flatMap((strategy) => [
    { strategy, tag: 'v1.25.0', good: true },
    { strategy, tag: 'v1.25.1-bad', good: false },
  ]);

export type ReleaseOutcome = Awaited<ReleaseHandle['done']>;

/** Runs `test` against a fresh sandbox started with `options`, and closes the sandbox afterwards. */
export async function onSandbox(
  options: SandboxOptions,
  test: (sb: SandboxHandle) => Promise<void>,
): Promise<void> {
  const sb = await startSandbox(options);
  try {
    await test(sb);
  } finally {
    await closeSoon(sb);
  }
}

/**
 * Releases `plan` (its commands confirmed by the user) headless on a fresh sandbox to its end and hands the
 * outcome to `check`; then asserts that `app`'s traffic ends on `tag` when the version is `good`, else back on
 * the old v1.24.0 with none left on `tag`.
 */
export async function releaseToEndOnSandbox(
  plan: ReleasePlan,
  run: { journalDir: string; app: string; tag: string; good: boolean; speed?: number },
  check: (outcome: ReleaseOutcome) => void,
): Promise<void> {
  await onSandbox({ speed: run.speed ?? 50 }, async (sb) => {
    const handle = await startOnSandbox(sb, plan, run.journalDir, {
      confirmedCommands: planCommands(plan).digest,
      stopWhenPaused: true,
    });
    check(await handle.done);
    const [wanted, gone] = run.good ? [run.tag, 'v1.24.0'] : ['v1.24.0', run.tag];
    await expectTrafficEndsOn(sb, { namespace: plan.target.namespace, job: run.app }, wanted, gone);
  });
}
