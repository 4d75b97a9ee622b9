import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { createKubeReleaseOps } from '../src-main/adapters/kube/release-ops.ts';
import { createSandboxAnalysis } from '../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { createFileJournal } from '../src-main/engine/journal/file-journal.ts';
import { startRelease } from '../src-main/engine/runner/release-runner.ts';
import type { AnalysisSource } from '../src-main/ports/release.port.ts';
import { startSandbox } from '../src-main/sandbox/sandbox.ts';
import { shortCanaryPlan } from '../test/fixtures/plans/short-canary.ts';

// Reaction time: from the moment the engine has read the first breaching sample to the moment the
// VirtualService sends all traffic back to stable, through the real runner, journal (fsync), client
// and sandbox. Analysis interval 5 s; the sandbox runs fast only to shorten the waits before it.
const RUNS = 20;
const SPEED = 50;
const TARGET_MS = 1000;
const NS = 'platform-production';

const plan = shortCanaryPlan({
  name: 'reaction-bench',
  tag: 'v1.25.1-bad',
  pauseSeconds: 30,
  intervalSeconds: 5,
  count: 3,
  failureLimit: 0,
});

const sb = await startSandbox({ speed: SPEED });
const root = await mkdtemp(join(tmpdir(), 'switchyard-reaction-'));
const kc = new KubeConfig();
kc.loadFromString(sb.kubeconfigYaml());
const custom = kc.makeApiClient(CustomObjectsApi);
const vsKey = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  namespace: NS,
  plural: 'virtualservices',
  name: 'workflow-engine',
};

async function canaryWeight(): Promise<number> {
  const vs = (await custom.getNamespacedCustomObject(vsKey)) as {
    spec: { http: { route: { destination: { subset?: string }; weight?: number }[] }[] };
  };
  return vs.spec.http[0]?.route.find((r) => r.destination.subset === 'canary')?.weight ?? 0;
}

const reactions: number[] = [];
try {
  const journal = createFileJournal({ dir: root, user: 'bench' });
  const sandboxAnalysis = createSandboxAnalysis({ url: sb.url, token: sb.token });
  for (let run = 0; run < RUNS; run++) {
    let breachAt: number | undefined;
    const analysis: AnalysisSource = {
      async read(metric, params, signal) {
        const result = await sandboxAnalysis.read(metric, params, signal);
        if (breachAt === undefined && result.sample.kind === 'value' && result.sample.value >= 0.02)
          breachAt = performance.now();
        return result;
      },
    };
    const ops = createKubeReleaseOps(sb.kubeconfigYaml(), plan, { pollMs: 50 });
    const handle = await startRelease({
      plan,
      ops,
      analysis,
      clock: sb.clock,
      journal,
      who: { user: 'bench', context: 'sandbox' },
      releaseId: `reaction-${run}`,
    });
    // Watch the router from outside the engine, as a user's kubectl would.
    let stableAt: number | undefined;
    const watcher = (async () => {
      while (stableAt === undefined) {
        if (breachAt !== undefined && (await canaryWeight()) === 0) stableAt = performance.now();
        else await new Promise((r) => setTimeout(r, breachAt === undefined ? 20 : 2));
      }
    })();
    const outcome = await handle.done;
    await Promise.race([watcher, new Promise((r) => setTimeout(r, 5_000))]);
    if (outcome.kind !== 'aborted' || breachAt === undefined || stableAt === undefined) {
      stableAt ??= Number.NaN;
      throw new Error(`run ${run} ended ${outcome.kind}: ${outcome.reason}`);
    }
    reactions.push(stableAt - breachAt);
    console.log(`run ${run + 1}: ${(stableAt - breachAt).toFixed(1)} ms (${outcome.reason.slice(0, 80)})`);
  }
} finally {
  await Promise.race([sb.close(), new Promise((r) => setTimeout(r, 1000))]);
  await rm(root, { recursive: true, force: true });
}

const sorted = [...reactions].sort((a, b) => a - b);
const median =
  sorted.length % 2
    ? sorted[(sorted.length - 1) / 2]!
    : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
const round = (ms: number) => Math.round(ms * 10) / 10;
console.log(
  `reaction from first breaching sample to traffic on stable: median ${round(median)} ms, min ${round(sorted[0]!)} ms, max ${round(sorted.at(-1)!)} ms over ${RUNS} runs`,
);
console.log(
  JSON.stringify({
    bench: 'reaction',
    runs: RUNS,
    analysis_interval_s: 5,
    median_reaction_ms: round(median),
    max_reaction_ms: round(sorted.at(-1)!),
    target_median_reaction_ms: TARGET_MS,
  }),
);
process.exit(0);
