import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createEngine } from '../src-main/app/engine.ts';
import { createDispatcher } from '../src-main/bridge/dispatch.ts';
import { createFileJournal, verifyAudit } from '../src-main/engine/journal/file-journal.ts';
import {
  mulberry32,
  startFaultProxy,
  type FaultProxy,
  type FaultRates,
} from '../src-main/sandbox/fault-injector/fault-proxy.ts';
import { startSandbox, type SandboxHandle, type SandboxWrite } from '../src-main/sandbox/sandbox.ts';
import { sendControl } from '../src-main/engine/journal/control-channel.ts';
import { requests, type RequestChannel } from '../src-shared/bridge/contract.ts';
import { importPlan } from '../src-shared/interop/interop.ts';
import { parsePlan } from '../src-shared/plan/plan.parse.ts';

// The fault campaign: releases run by the headless runner (`switchyard run`, its own process) against a
// sandbox behind the fault-injecting proxy. API faults during every step, SIGKILLs at random moments then
// --resume, Prometheus stopped/slow/empty/NaN, a VirtualService edited mid-release, the runner frozen
// (a laptop asleep), and a batch of malformed inputs. Every run is checked against the sandbox's write
// audit (a mutation applied twice), the journal (a release lost or unreadable, a broken audit chain) and
// its progress (a promotion made on missing data).

const ROOT = join(import.meta.dirname, '..');
const SWITCHYARD = join(ROOT, 'bin/switchyard.mjs');
const NS = 'platform-production';
// 100× leaves the sandbox's traffic too thin for a 30 s window on a busy 2-core machine (clean runs pause
// inconclusive); 50× is still a 10-minute pause in 12 s.
const SPEED = 50;

interface Args {
  runs: number;
  kills: number;
  quick: boolean;
  /** Only the baselines and the SIGKILL series (to work on them). */
  killsOnly: boolean;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const quick = argv.includes('--quick');
  const num = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    if (i < 0) return fallback;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 0) {
      process.stderr.write(`${flag} must be a whole number, got "${argv[i + 1]}"\n`);
      process.exit(64);
    }
    return n;
  };
  return {
    quick,
    killsOnly: argv.includes('--kills-only'),
    runs: num('--runs', quick ? 1 : 4),
    kills: num('--kills', quick ? 2 : 50),
    seed: num('--seed', Math.floor(Math.random() * 1e9)),
  };
}

const args = parseArgs(process.argv.slice(2));
const random = mulberry32(args.seed);
const between = (lo: number, hi: number) => lo + random() * (hi - lo);

// ---------------------------------------------------------------------------------------------------
// Plans

const CANARY = `
name: campaign-canary
target: { namespace: ${NS}, name: workflow-engine, container: workflow-engine, image: registry.platform.com/workflow-engine:v1.25.0 }
router: { kind: istio, virtualService: workflow-engine, destinationRule: workflow-engine }
strategy:
  kind: canary
  steps:
    - setWeight: 20
    - pause: { duration: 30s }
    - analysis: { templates: [health] }
    - setWeight: 60
    - pause: { duration: 30s }
    - analysis: { templates: [health] }
analysis:
  templates:
    - name: health
      metrics:
        - { name: error-rate, kind: error-rate, interval: 5s, count: 3, window: 30s, failureLimit: 0, successCondition: { op: '<', threshold: 0.02 } }
        - { name: latency-p95, kind: latency-p95, interval: 5s, count: 3, window: 30s, failureLimit: 0, successCondition: { op: '<', threshold: 500 } }
`;

const BLUE_GREEN = `
name: campaign-blue-green
target: { namespace: ${NS}, name: workflow-engine, image: registry.platform.com/workflow-engine:v1.25.0 }
router: { kind: istio, virtualService: workflow-engine, destinationRule: workflow-engine, stableSubset: stable, canarySubset: canary }
strategy:
  kind: blue-green
  readyTimeout: 600s
  warmup: { path: /health/ready, requests: 0, intervalMs: 100 }
  smoke: { checks: [] }
  settle: 10s
  drain: 10s
  validation:
    duration: 1m
    interval: 20s
    window: 1m
    checks:
      - { metric: error-rate, op: '>', threshold: 0.01, severity: fail }
  autoPromote: true
analysis: { templates: [] }
onInconclusive: pause
`;

type Strategy = 'canary' | 'blue-green';
const PLANS: Record<Strategy, string> = { canary: CANARY, 'blue-green': BLUE_GREEN };

// ---------------------------------------------------------------------------------------------------
// One sandbox + proxy per run, so each run's write audit stands alone.

interface Stage {
  sb: SandboxHandle;
  proxy: FaultProxy;
  dir: string;
  kubeconfig: string;
  journal: string;
  planFile: string;
  close(): Promise<void>;
}

async function stage(strategy: Strategy): Promise<Stage> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-faults-'));
  const sb = await startSandbox({ speed: SPEED });
  // The sandbox's own control endpoints (clock, stats) are the runner's way to tell it is a sandbox
  // and its metrics source; API faults target the Kubernetes API only.
  const proxy = await startFaultProxy({
    upstream: sb.url,
    seed: Math.floor(random() * 2 ** 31),
    exempt: /^\/_sandbox\//,
  });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, sb.kubeconfigYaml('sandbox').replace(/server: \S+/, `server: ${proxy.url}`));
  const planFile = join(dir, 'plan.yaml');
  await writeFile(planFile, PLANS[strategy]);
  return {
    sb,
    proxy,
    dir,
    kubeconfig,
    journal: join(dir, 'journal'),
    planFile,
    async close() {
      await proxy.close();
      await sb.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The runner as a child process

interface Progress {
  status: string;
  phase: string;
  step: number | null;
  traffic: Record<string, number> | null;
  pause: { message?: string } | null;
}

interface RunnerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  id: string | undefined;
  outcome: { kind: string; reason: string } | undefined;
  progress: Progress[];
  pauses: string[];
  stderr: string;
  hung: boolean;
}

interface Runner {
  child: ChildProcess;
  exited: Promise<RunnerExit>;
  /** Resolves with the release id once the runner has journaled the start. */
  started: Promise<string | undefined>;
  onProgress(fn: (p: Progress) => void): void;
}

function runner(s: Stage, resumeId: string | undefined, extra: string[] = [], timeoutMs = 150_000): Runner {
  const argv = resumeId ? ['run', '--resume', resumeId] : ['run', s.planFile, '--yes'];
  const child = spawn(
    process.execPath,
    [
      SWITCHYARD,
      ...argv,
      '--kubeconfig',
      s.kubeconfig,
      '--context',
      'sandbox',
      '--journal',
      s.journal,
      '--json',
      ...extra,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const result: RunnerExit = {
    code: null,
    signal: null,
    id: resumeId,
    outcome: undefined,
    progress: [],
    pauses: [],
    stderr: '',
    hung: false,
  };
  const listeners: ((p: Progress) => void)[] = [];
  let resolveStarted: (id: string | undefined) => void = () => {};
  const started = new Promise<string | undefined>((r) => (resolveStarted = r));
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    if (process.env.CAMPAIGN_DEBUG) process.stderr.write(chunk);
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.event === 'release') {
        result.id = String(msg.id);
        resolveStarted(result.id);
      } else if (msg.event === 'progress') {
        const p = msg as unknown as Progress;
        result.progress.push(p);
        if (p.status === 'paused') result.pauses.push(p.pause?.message ?? 'paused');
        for (const l of listeners) l(p);
      } else if (msg.event === 'outcome') {
        result.outcome = { kind: String(msg.kind), reason: String(msg.reason) };
      }
    }
  });
  child.stderr!.on('data', (c: Buffer) => (result.stderr += c.toString()));
  const timer = setTimeout(() => {
    result.hung = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exited = new Promise<RunnerExit>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      result.code = code;
      result.signal = signal;
      resolveStarted(result.id);
      resolve(result);
    });
  });
  return { child, exited, started, onProgress: (fn) => void listeners.push(fn) };
}

/** An operator event for the live runner, the way `switchyard abort|resume ID` hands it over (the journal's control folder). */
async function operator(s: Stage, verb: 'abort' | 'resume', id: string): Promise<boolean> {
  try {
    await sendControl(
      s.journal,
      id,
      { type: verb === 'abort' ? 'ABORT' : 'RESUME', reason: 'fault campaign', by: 'campaign' },
      10_000,
    );
    return true;
  } catch {
    return false;
  }
}

/** A process that died on its own or printed a stack trace. */
function crashed(r: RunnerExit, killedByUs: boolean): boolean {
  if (killedByUs && r.signal === 'SIGKILL' && !r.hung) return false;
  if (r.signal !== null) return true;
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(r.stderr)) return true;
  if (r.code === 0 || r.code === 2) return false;
  // exit 1 is an error the runner explained (e.g. stopped); without an outcome line it is a crash
  return r.code !== 1 || r.outcome === undefined;
}

// ---------------------------------------------------------------------------------------------------
// Checks: double mutations against the clean baseline, journal integrity

type WriteCounts = Map<string, number>;

function writeKey(w: { verb: string; resource: string; namespace?: string; name?: string }): string {
  return `${w.verb} ${w.resource} ${w.namespace ?? ''}/${w.name ?? ''}`;
}

/**
 * The writes that change the release's workloads and routes: not the workload lease, which a live runner renews
 * every 10 s (its writes follow how long a run lasted, not what it changed).
 */
function releaseWrites(sb: SandboxHandle): SandboxWrite[] {
  return sb.audit().filter((w) => w.code < 300 && w.resource !== 'leases');
}

function successfulWrites(sb: SandboxHandle): WriteCounts {
  const out: WriteCounts = new Map();
  for (const w of releaseWrites(sb)) out.set(writeKey(w), (out.get(writeKey(w)) ?? 0) + 1);
  return out;
}

/** Per object and verb, the most times one identical body was applied. */
function identicalRepeats(sb: SandboxHandle): WriteCounts {
  const byDigest = new Map<string, number>();
  for (const w of releaseWrites(sb)) {
    const k = `${writeKey(w)}#${w.digest}`;
    byDigest.set(k, (byDigest.get(k) ?? 0) + 1);
  }
  const out: WriteCounts = new Map();
  for (const [k, n] of byDigest) {
    const key = k.slice(0, k.lastIndexOf('#'));
    out.set(key, Math.max(out.get(key) ?? 0, n));
  }
  return out;
}

const baseline: Record<Strategy, { writes: WriteCounts; repeats: WriteCounts } | undefined> = {
  canary: undefined,
  'blue-green': undefined,
};

/**
 * Mutations applied twice in a run: for a completed run, writes beyond what a clean run of the same
 * plan makes; for any run, one identical body applied to the same object more often than in a clean run.
 */
function doubleMutations(
  strategy: Strategy,
  sb: SandboxHandle,
  completed: boolean,
): { count: number; detail: string[] } {
  const base = baseline[strategy];
  if (!base) return { count: 0, detail: [] };
  const detail: string[] = [];
  let count = 0;
  for (const [key, n] of identicalRepeats(sb)) {
    const extra = n - Math.max(1, base.repeats.get(key) ?? 1);
    if (extra > 0) {
      count += extra;
      detail.push(`${key}: same body ${n}×`);
    }
  }
  if (completed && count === 0) {
    for (const [key, n] of successfulWrites(sb)) {
      const extra = n - (base.writes.get(key) ?? 0);
      if (extra > 0) {
        count += extra;
        detail.push(`${key}: ${n} writes, a clean run makes ${base.writes.get(key) ?? 0}`);
      }
    }
  }
  return { count, detail };
}

/** Releases that started but are missing or unreadable in the journal, or whose audit chain is broken. */
async function lostReleases(s: Stage, ids: string[]): Promise<{ count: number; detail: string[] }> {
  const list = await createFileJournal({ dir: s.journal }).listReleases();
  const detail: string[] = [];
  for (const id of ids) {
    const r = list.find((x) => x.releaseId === id);
    if (!r) detail.push(`${id}: not in the journal`);
    else if (!r.readable) detail.push(`${id}: unreadable (${r.problem})`);
    else {
      const v = await verifyAudit(join(s.journal, id));
      if (!v.ok) detail.push(`${id}: audit broken at line ${v.line} (${v.problem})`);
      else if (r.unfinished && r.status === 'running') detail.push(`${id}: left running with no runner`);
    }
  }
  return { count: detail.length, detail };
}

// ---------------------------------------------------------------------------------------------------
// Totals and the table

interface Row {
  scenario: string;
  runs: number;
  completed: number;
  paused: number;
  rolledBack: number;
  faults: number;
  kills: number;
  resumes: number;
  /** Killed releases rolled back on the operator's request after the restart. */
  rollbacksOnRequest: number;
  /** Of those, how many did not end with all traffic on stable. */
  offStable: number;
  /** Journal writes torn by a kill: found after the kill, or simulated (a cut audit line or a cut saved state). */
  torn: number;
  /** Torn writes the restarted runner reported it recovered from (dropped the line, used the previous state). */
  tornDetected: number;
  doubles: number;
  lost: number;
  promotionsOnMissingData: number;
  crashes: number;
  seconds: number;
  notes: string[];
}

const campaignStart = performance.now();
const rows: Row[] = [];
const starts: number[] = [];
function row(scenario: string): Row {
  const r: Row = {
    scenario,
    runs: 0,
    completed: 0,
    paused: 0,
    rolledBack: 0,
    faults: 0,
    kills: 0,
    resumes: 0,
    rollbacksOnRequest: 0,
    offStable: 0,
    torn: 0,
    tornDetected: 0,
    doubles: 0,
    lost: 0,
    promotionsOnMissingData: 0,
    crashes: 0,
    seconds: 0,
    notes: [],
  };
  rows.push(r);
  starts.push(performance.now());
  // Progress on stderr: stdout stays the table and its JSON line.
  process.stderr.write(`[${Math.round((performance.now() - campaignStart) / 1000)} s] ${scenario}\n`);
  return r;
}

/** Sets each scenario's duration, in whole seconds, from its start to the next one's (or to now). */
function finishRows(): void {
  const now = performance.now();
  rows.forEach((r, i) => (r.seconds = Math.round(((starts[i + 1] ?? now) - (starts[i] ?? now)) / 1000)));
}

/**
 * Drives one release to an end. When it pauses, records why; then, as an operator would, resumes it up
 * to `resumes` times (the faults stay on) and finally aborts it, so nothing is left running.
 */
async function untilDone(
  s: Stage,
  first: Runner,
  r: Row,
  opts: { resumes?: number; onPause?: (p: Progress, id: string) => Promise<void> } = {},
): Promise<RunnerExit> {
  let current = first;
  let resumesLeft = opts.resumes ?? 0;
  // idle → (pause) resume or abort → (pause again after the abort, e.g. the router drifted) stop the runner
  const state: { phase: 'idle' | 'busy' | 'aborted' | 'stopped' } = { phase: 'idle' };
  const watch = (run: Runner) =>
    run.onProgress((p) => {
      if (p.status !== 'paused' || state.phase === 'busy' || state.phase === 'stopped') return;
      if (state.phase === 'aborted') {
        // The abort itself paused (it will not overwrite what someone else changed): leave the release
        // paused in the journal for a person, and stop this runner.
        state.phase = 'stopped';
        r.notes.push('left paused for an operator after the abort could not proceed');
        run.child.kill('SIGTERM');
        return;
      }
      state.phase = 'busy';
      void (async () => {
        const id = await run.started;
        if (!id) return;
        await opts.onPause?.(p, id);
        if (resumesLeft > 0) {
          resumesLeft -= 1;
          r.resumes += 1;
          if (await operator(s, 'resume', id)) {
            state.phase = 'idle';
            return;
          }
        }
        s.proxy.setRates({});
        state.phase = 'aborted';
        await operator(s, 'abort', id);
        // An abort that cannot proceed (it will not overwrite a drifted object, or the rollback itself
        // fails) leaves the release paused: leave it so for a person and stop this runner.
        setTimeout(() => {
          if (run.child.exitCode !== null || run.child.signalCode !== null || state.phase !== 'aborted')
            return;
          state.phase = 'stopped';
          r.notes.push('left paused for an operator: the abort could not proceed');
          run.child.kill('SIGTERM');
        }, 15_000).unref();
      })();
    });
  watch(current);
  let exit = await current.exited;
  // A run that stopped on its own (exit 1, outcome "stopped"): resume it in a new runner, as the printed hint says.
  for (let i = 0; i < 2 && exit.id && exit.outcome?.kind === 'stopped' && state.phase !== 'stopped'; i++) {
    current = runner(s, exit.id);
    state.phase = 'idle';
    watch(current);
    const next = await current.exited;
    next.pauses.unshift(...exit.pauses);
    exit = next;
  }
  r.notes.push(...exit.pauses.map((m) => `paused: ${m.slice(0, 120)}`));
  return exit;
}

/** Counts a run by how it ended: completed (perhaps after operator resumes), paused then aborted by the operator, or rolled back by the engine. */
function tally(r: Row, exit: RunnerExit): void {
  r.runs += 1;
  const kind = exit.outcome?.kind;
  if (kind === 'completed') r.completed += 1;
  else if (exit.pauses.length > 0) r.paused += 1;
  else if (kind === 'aborted' || kind === 'rolledBack') r.rolledBack += 1;
  else
    r.notes.push(
      `ended ${kind ?? `with exit ${exit.code}`}: ${exit.outcome?.reason ?? exit.stderr.slice(0, 200)}`,
    );
  if (exit.hung) r.notes.push(`runner still going after its deadline`);
}

// ---------------------------------------------------------------------------------------------------
// Scenarios

/** A clean run of the plan: its write audit is what a run without faults makes. Returns how long the release took from its start (ms), or 0 when it did not complete. */
async function baselineRun(strategy: Strategy): Promise<number> {
  const r = row(`clean baseline, ${strategy}`);
  const s = await stage(strategy);
  let t0 = performance.now();
  try {
    const run = runner(s, undefined);
    void run.started.then(() => (t0 = performance.now()));
    const exit = await untilDone(s, run, r);
    tally(r, exit);
    if (crashed(exit, false)) r.crashes += 1;
    const lost = await lostReleases(s, exit.id ? [exit.id] : []);
    r.lost += lost.count;
    r.notes.push(...lost.detail);
    if (exit.outcome?.kind !== 'completed') {
      r.notes.push(
        `did not complete (${exit.outcome?.kind ?? `exit ${exit.code}`}: ${exit.outcome?.reason.slice(0, 160) ?? exit.stderr.slice(0, 300)}); its fault runs are skipped`,
      );
      return 0;
    }
    baseline[strategy] = { writes: successfulWrites(s.sb), repeats: identicalRepeats(s.sb) };
    return performance.now() - t0;
  } finally {
    await s.close();
  }
}

const API_FAULTS: FaultRates = {
  latency: { probability: 0.15, minMs: 50, maxMs: 600 },
  serverError: 0.06,
  dropBeforeUpstream: 0.03,
  dropAfterUpstream: 0.03,
  watchCut: 0.5,
  goneOnResume: 0.5,
  conflict: { probability: 0.01, burst: 3 },
};

async function apiFaultRuns(strategy: Strategy, n: number): Promise<void> {
  const r = row(`API faults, ${strategy}`);
  for (let i = 0; i < n; i++) {
    const s = await stage(strategy);
    try {
      const run = runner(s, undefined);
      // Faults start once the release is journaled: preflight itself is not under test here.
      void run.started.then(() => s.proxy.setRates(API_FAULTS));
      const exit = await untilDone(s, run, r, { resumes: 3 });
      s.proxy.setRates({});
      r.faults += s.proxy.injected();
      tally(r, exit);
      if (crashed(exit, false)) r.crashes += 1;
      const d = doubleMutations(strategy, s.sb, exit.outcome?.kind === 'completed');
      r.doubles += d.count;
      r.notes.push(...d.detail);
      const lost = await lostReleases(s, exit.id ? [exit.id] : []);
      r.lost += lost.count;
      r.notes.push(...lost.detail);
      if (!exit.id) r.notes.push(`run ${i + 1} never started: ${exit.stderr.split('\n')[0]?.slice(0, 120)}`);
    } finally {
      await s.close();
    }
  }
}

type Tear = 'none' | 'audit' | 'record';

/**
 * What a kill left in the release's journal directory, and, for `tear`, the damage a kill inside a write
 * would leave, made by hand (a kill rarely lands inside a write by chance): an audit line cut in half, or
 * the latest saved state cut in half (as if it were not written atomically). Returns the tears present.
 */
async function tearJournal(s: Stage, id: string, tear: Tear, recordTornBefore: boolean): Promise<Tear[]> {
  const dir = join(s.journal, id);
  const audit = join(dir, 'audit.jsonl');
  const record = join(dir, 'release.json');
  const saved = await readFile(record, 'utf8').catch(() => '');
  let status: string | undefined;
  try {
    status = (JSON.parse(saved) as { status?: string }).status;
  } catch {
    // A saved state still torn from an earlier tear is not a new one; a new one is a real finding.
    return recordTornBefore ? [] : ['record'];
  }
  // A release that had already ended is not reopened by a restart: nothing would look at the tear.
  if (status !== 'running' && status !== 'paused') return [];
  const found: Tear[] = [];
  const text = await readFile(audit, 'utf8').catch(() => '');
  if (text.length > 0 && !text.endsWith('\n')) found.push('audit');
  else if (tear === 'audit') {
    const last = text.trimEnd().split('\n').at(-1) ?? '{"seq":1}';
    await appendFile(audit, last.slice(0, Math.max(1, Math.floor(last.length / 2))));
    found.push('audit');
  }
  if (tear === 'record' && (await stat(join(dir, 'release.prev.json')).catch(() => undefined))) {
    await truncate(record, Math.floor(Buffer.byteLength(saved) / 2));
    found.push('record');
  }
  return found;
}

/** How many recoveries from a torn write the release's audit log records (the resumed runner's notes). */
async function tornRecoveries(s: Stage, id: string): Promise<number> {
  const text = await readFile(join(s.journal, id, 'audit.jsonl'), 'utf8').catch(() => '');
  return (text.match(/cut off mid-write and was dropped|the one before it was used/g) ?? []).length;
}

/** How many times the release's audit log records a resume from the journal. */
async function resumeEntries(s: Stage, id: string): Promise<number> {
  const text = await readFile(join(s.journal, id, 'audit.jsonl'), 'utf8').catch(() => '');
  return (text.match(/resumed the release from its journal/g) ?? []).length;
}

/** Waits (up to 10 s) until the audit log holds more resume entries than `before`. */
async function resumeJournaled(s: Stage, id: string, before: number): Promise<void> {
  for (let i = 0; i < 200 && (await resumeEntries(s, id)) <= before; i++)
    await new Promise((res) => setTimeout(res, 50));
}

/** Where the router sends traffic: true when all of it goes to the stable version. */
async function trafficOnStable(strategy: Strategy, sb: SandboxHandle): Promise<boolean> {
  const auth = { authorization: `Bearer ${sb.token}` };
  if (strategy === 'canary') {
    const vs = (await readVirtualService(sb)) as {
      spec: { http: { route: { destination: { subset?: string }; weight?: number }[] }[] };
    };
    return vs.spec.http.every((h) =>
      h.route.every((r) => (r.destination.subset === 'stable' ? r.weight === 100 : !r.weight)),
    );
  }
  const svc = (await (
    await fetch(`${sb.url}/api/v1/namespaces/${NS}/services/workflow-engine`, { headers: auth })
  ).json()) as { spec: { selector: Record<string, string> } };
  const selector = Object.entries(svc.spec.selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = (await (
    await fetch(`${sb.url}/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`, {
      headers: auth,
    })
  ).json()) as { items: { spec: { containers: { image: string }[] } }[] };
  return (
    pods.items.length > 0 &&
    pods.items.every((p) => p.spec.containers.every((c) => !c.image.endsWith(':v1.25.0')))
  );
}

/**
 * Restarts a killed release and, as soon as the new runner answers, asks it to abort (roll back).
 * Returns the runner's exit and whether the abort was taken.
 */
async function resumeThenAbort(s: Stage, id: string, r: Row): Promise<{ exit: RunnerExit; taken: boolean }> {
  const run = runner(s, id);
  let taken = false;
  void run.started.then(async () => {
    // The runner serves operator events a moment after it prints the release line.
    for (let i = 0; i < 40 && !taken && run.child.exitCode === null; i++) {
      taken = await operator(s, 'abort', id);
      if (!taken) await new Promise((res) => setTimeout(res, 250));
    }
  });
  const exit = await untilDone(s, run, r);
  return { exit, taken };
}

/**
 * Releases killed (SIGKILL) at random moments, `perRunMax` kills at most per release, until `kills` kills
 * landed. After the last kill, two releases in three are resumed to their end and one in three is
 * resumed then rolled back on the operator's request (traffic must end on stable). Between kills, one
 * restart in three finds a torn audit line and one in three a torn saved state.
 */
async function killRuns(
  strategy: Strategy,
  perRunMax: number,
  kills: number,
  durationMs: number,
): Promise<void> {
  const r = row(`SIGKILL + resume/rollback, ${strategy}`);
  let left = kills;
  let killNo = 0;
  for (let i = 0; i < kills + 3 && left > 0; i++) {
    const rollBack = i % 3 === 1;
    // A release to roll back takes one early kill, so it is surely unfinished when the operator asks.
    const perRun = rollBack ? 1 : Math.min(left, perRunMax);
    const s = await stage(strategy);
    try {
      let exit: RunnerExit | undefined;
      let id: string | undefined;
      let crashes = 0;
      let torn = 0;
      const tears: Tear[] = [];
      for (let k = 0; k < perRun; k++) {
        const resumesBefore = id ? await resumeEntries(s, id) : 0;
        const run = runner(s, id);
        // Each kill lands at a random moment of the release (after the runner journaled or resumed it).
        id = (await run.started) ?? id;
        if (!id) break;
        // After a tear, the kill waits until the restarted runner has journaled its resume (which names
        // what it recovered): a kill before it would leave the repair done but unsaid.
        if (tears.length > 0) await resumeJournaled(s, id, resumesBefore);
        // Spread over the release: each restart continues where the last runner was killed.
        const delay = rollBack
          ? between(20, Math.max(200, durationMs * 0.3))
          : between(20, Math.max(200, (durationMs * 1.2) / perRun));
        const timer = setTimeout(() => run.child.kill('SIGKILL'), delay);
        exit = await run.exited;
        clearTimeout(timer);
        if (exit.signal === 'SIGKILL' && !exit.hung) {
          r.kills += 1;
          left -= 1;
          killNo += 1;
          const tear: Tear = killNo % 3 === 1 ? 'audit' : killNo % 3 === 2 ? 'record' : 'none';
          const found = await tearJournal(s, id, tear, tears.at(-1) === 'record');
          torn += found.length;
          tears.push(...found);
        } else {
          if (crashed(exit, true)) crashes += 1;
          break; // finished before the kill
        }
      }
      if (id && exit?.signal === 'SIGKILL') {
        if (rollBack) {
          const res = await resumeThenAbort(s, id, r);
          exit = res.exit;
          if (res.taken) {
            r.rollbacksOnRequest += 1;
            if (!(await trafficOnStable(strategy, s.sb))) {
              r.offStable += 1;
              r.notes.push(`${id}: rolled back on request but traffic is not all on stable`);
            }
          } else
            r.notes.push(`${id}: the rollback request was not taken (${exit.outcome?.kind ?? 'no outcome'})`);
        } else exit = await untilDone(s, runner(s, id), r);
      }
      if (!exit) continue;
      r.torn += torn;
      if (id) {
        const detected = Math.min(torn, await tornRecoveries(s, id));
        r.tornDetected += detected;
        if (detected < torn)
          r.notes.push(
            `${id}: ${torn - detected} of ${torn} torn writes not reported on resume (${tears.join(', ')})`,
          );
      }
      r.crashes += crashes + (crashed(exit, true) ? 1 : 0);
      tally(r, exit);
      const d = doubleMutations(strategy, s.sb, exit.outcome?.kind === 'completed');
      r.doubles += d.count;
      r.notes.push(...d.detail);
      const lost = await lostReleases(s, id ? [id] : []);
      r.lost += lost.count;
      r.notes.push(...lost.detail);
    } finally {
      await s.close();
    }
  }
}

// A Prometheus stand-in: healthy numbers for preflight, then stopped, slow, empty or NaN.
type PromMode = 'healthy' | 'stopped' | 'slow' | 'empty' | 'nan';

async function fakePrometheus(): Promise<{ url: string; set(m: PromMode): void; close(): Promise<void> }> {
  let mode: PromMode = 'healthy';
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (mode === 'stopped') return req.socket.destroy();
      if (mode === 'slow') return; // never answers: the adapter's timeout fires
      const query =
        new URLSearchParams(body).get('query') ??
        new URL(req.url ?? '/', 'http://x').searchParams.get('query') ??
        '';
      const value =
        mode === 'nan'
          ? 'NaN'
          : /histogram_quantile/.test(query)
            ? '120'
            : /5\.\./.test(query)
              ? '0.001'
              : '1';
      const now = Date.now() / 1000;
      const range = (req.url ?? '').includes('query_range');
      const result =
        mode === 'empty'
          ? []
          : range
            ? [
                {
                  metric: {},
                  values: [
                    [now - 60, value],
                    [now, value],
                  ],
                },
              ]
            : [{ metric: {}, value: [now, value] }];
      const json = JSON.stringify({
        status: 'success',
        data: { resultType: range ? 'matrix' : 'vector', result },
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(json);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (m) => (mode = m),
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function prometheusRuns(modes: PromMode[]): Promise<void> {
  const r = row('Prometheus stopped/slow/empty/NaN, canary');
  for (const mode of modes) {
    const s = await stage('canary');
    const prom = await fakePrometheus();
    try {
      const run = runner(s, undefined, ['--prometheus', prom.url]);
      let broken = false;
      void run.started.then(() => {
        prom.set(mode);
        broken = true;
        r.faults += 1;
      });
      // Any move past the first analysis (step 3 of 6, index 2) while the data is missing is a promotion.
      let promoted = false;
      run.onProgress((p) => {
        if (broken && p.status === 'running' && (p.step ?? -1) >= 3) promoted = true;
      });
      const exit = await untilDone(s, run, r);
      if (promoted || exit.outcome?.kind === 'completed') {
        r.promotionsOnMissingData += 1;
        r.notes.push(`${mode}: promoted without data`);
      }
      const paused = exit.pauses.length > 0;
      tally(r, exit);
      r.notes.push(
        `${mode}: ${paused ? `paused (${exit.pauses[0]?.slice(0, 90)})` : (exit.outcome?.kind ?? `exit ${exit.code}`)}`,
      );
      if (crashed(exit, false)) r.crashes += 1;
      r.doubles += doubleMutations('canary', s.sb, false).count;
      const lost = await lostReleases(s, exit.id ? [exit.id] : []);
      r.lost += lost.count;
      r.notes.push(...lost.detail);
    } finally {
      await prom.close();
      await s.close();
    }
  }
}

/** Someone else sets the VirtualService to 50/50 after the canary's first weight: the run must pause and leave it. */
async function driftRun(): Promise<{ overwritten: number }> {
  const r = row('drift (VirtualService edited mid-release), canary');
  const s = await stage('canary');
  let overwritten = 0;
  try {
    const run = runner(s, undefined);
    let edited = false;
    let editedAt = 0;
    run.onProgress((p) => {
      if (edited || p.status !== 'running' || p.step !== 1) return;
      edited = true;
      void editVirtualService(s.sb).then(() => {
        editedAt = s.sb.audit().length;
        r.faults += 1;
      });
    });
    const exit = await untilDone(s, run, r, {
      onPause: async () => {
        // At the pause, the other person's weights must still be there.
        const vs = await readVirtualService(s.sb);
        if (!JSON.stringify(vs).includes('"weight":50')) overwritten += 1;
      },
    });
    const paused = exit.pauses.length > 0;
    tally(r, exit);
    if (!paused) {
      r.notes.push(`no pause after the edit: ${exit.outcome?.kind}: ${exit.outcome?.reason.slice(0, 100)}`);
      const laterRouterWrites = s.sb
        .audit()
        .slice(editedAt)
        .filter((w) => w.resource === 'virtualservices' && w.code < 300 && !/campaign/.test(w.userAgent));
      if (laterRouterWrites.length > 0) overwritten += 1;
    }
    if (overwritten) r.notes.push('the edit was overwritten');
    if (crashed(exit, false)) r.crashes += 1;
    const lost = await lostReleases(s, exit.id ? [exit.id] : []);
    r.lost += lost.count;
  } finally {
    await s.close();
  }
  return { overwritten };
}

async function editVirtualService(sb: SandboxHandle): Promise<void> {
  const path = `/apis/networking.istio.io/v1beta1/namespaces/${NS}/virtualservices/workflow-engine`;
  const vs = (await readVirtualService(sb)) as { spec: { http: { route: { weight?: number }[] }[] } };
  for (const h of vs.spec.http) for (const route of h.route) route.weight = 50;
  const res = await fetch(`${sb.url}${path}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${sb.token}`,
      'content-type': 'application/json',
      'user-agent': 'campaign-editor',
    },
    body: JSON.stringify(vs),
  });
  if (!res.ok) throw new Error(`editing the VirtualService failed: ${res.status} ${await res.text()}`);
}

async function readVirtualService(sb: SandboxHandle): Promise<unknown> {
  const path = `/apis/networking.istio.io/v1beta1/namespaces/${NS}/virtualservices/workflow-engine`;
  const res = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${sb.token}` } });
  return res.json();
}

/** The runner is frozen (SIGSTOP) for a while mid-release, as a laptop lid closing, then thawed. */
async function sleepRun(): Promise<void> {
  const r = row('sleep (runner frozen 5 s ≈ 4 min sandbox time), canary');
  const s = await stage('canary');
  try {
    const run = runner(s, undefined);
    void run.started.then(async () => {
      await new Promise((res) => setTimeout(res, between(300, 1200)));
      if (run.child.exitCode !== null) return;
      run.child.kill('SIGSTOP');
      r.faults += 1;
      await new Promise((res) => setTimeout(res, 5_000));
      run.child.kill('SIGCONT');
    });
    const exit = await untilDone(s, run, r);
    const paused = exit.pauses.length > 0;
    tally(r, exit);
    r.notes.push(`after waking: ${paused ? `paused (${exit.pauses[0]?.slice(0, 90)})` : exit.outcome?.kind}`);
    if (crashed(exit, false)) r.crashes += 1;
    const d = doubleMutations('canary', s.sb, exit.outcome?.kind === 'completed');
    r.doubles += d.count;
    r.notes.push(...d.detail);
    const lost = await lostReleases(s, exit.id ? [exit.id] : []);
    r.lost += lost.count;
  } finally {
    await s.close();
  }
}

/** Malformed plans, imports and bridge messages: each must end in a typed refusal, never a throw or a hang. */
async function badInputs(n: number): Promise<{ fed: number; crashes: number; notes: string[] }> {
  const home = await mkdtemp(join(tmpdir(), 'switchyard-faults-bridge-'));
  const engine = createEngine({
    shell: 'web',
    version: 'campaign',
    env: { KUBECONFIG: '/nonexistent' },
    home,
    dataDir: join(home, 'data'),
  });
  const internal: string[] = [];
  const dispatcher = createDispatcher(engine.handlers, {
    onInternalError: (c, e) => internal.push(`${c}: ${String(e)}`),
  });
  const channels = Object.keys(requests) as RequestChannel[];
  let fed = 0;
  let crashes = 0;
  const notes: string[] = [];
  const fixture = await readFile(join(ROOT, 'test/fixtures/plans/canary-istio.yaml'), 'utf8');
  const texts = fc.sample(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .tuple(fc.nat(fixture.length), fc.string({ maxLength: 10 }))
        .map(([i, junk]) => fixture.slice(0, i) + junk + fixture.slice(i + 5)),
    ),
    { numRuns: n, seed: args.seed },
  );
  const values = fc.sample(fc.anything({ maxDepth: 3 }), { numRuns: n, seed: args.seed });
  try {
    for (let i = 0; i < n; i++) {
      const text = texts[i] ?? '';
      try {
        fed += 2;
        const p = parsePlan(text);
        const imp = importPlan(text);
        if ((!p.ok && p.errors.length === 0) || (!imp.ok && imp.errors.length === 0))
          throw new Error('a refusal without a problem');
      } catch (error) {
        crashes += 1;
        notes.push(`parse/import threw: ${String(error).slice(0, 100)}`);
      }
      const channel = channels[i % channels.length]!;
      fed += 1;
      const result = await Promise.race([
        dispatcher.dispatch(channel, i % 2 ? values[i] : { text, id: text, context: text, name: text }),
        new Promise<'hang'>((r) => setTimeout(() => r('hang'), 5_000).unref()),
      ]);
      if (result === 'hang' || (!result.ok && result.error.kind === 'internal')) {
        crashes += 1;
        notes.push(
          `${channel}: ${result === 'hang' ? 'no answer in 5 s' : result.error.message.slice(0, 100)}`,
        );
      }
    }
    await dispatcher.dispatch('cluster:unwatchWorkloads', {});
  } finally {
    await engine.dispose();
    await rm(home, { recursive: true, force: true });
  }
  crashes += internal.length;
  return { fed, crashes, notes: [...notes, ...internal.slice(0, 3)] };
}

// ---------------------------------------------------------------------------------------------------

function printTable(badIn: { fed: number; crashes: number; seconds: number }, wallSeconds: number): void {
  const head = [
    'scenario',
    's',
    'runs',
    'done',
    'paused',
    'rolled back',
    'faults',
    'kills',
    'resumes',
    'rollback asked',
    'off stable',
    'torn',
    'torn detected',
    'double',
    'lost',
    'promoted on missing',
    'crashes',
  ];
  const body = rows.map((r) =>
    [
      r.scenario,
      r.seconds,
      r.runs,
      r.completed,
      r.paused,
      r.rolledBack,
      r.faults,
      r.kills,
      r.resumes,
      r.rollbacksOnRequest,
      r.offStable,
      r.torn,
      r.tornDetected,
      r.doubles,
      r.lost,
      r.promotionsOnMissingData,
      r.crashes,
    ].map(String),
  );
  body.push([
    'bad inputs (plans, imports, bridge)',
    String(badIn.seconds),
    String(badIn.fed),
    ...Array<string>(13).fill(''),
    String(badIn.crashes),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  console.log(
    line(['wall time, whole campaign', String(wallSeconds), ...Array<string>(head.length - 2).fill('')]),
  );
  console.log('');
  for (const r of rows) {
    const notes = [...new Set(r.notes)];
    if (notes.length) console.log(`${r.scenario}:\n  ${notes.slice(0, 8).join('\n  ')}`);
  }
}

async function main(): Promise<void> {
  const t0 = campaignStart;
  console.log(
    `fault campaign: seed ${args.seed}, ${args.runs} API-fault runs per strategy, ${args.kills} kills, sandbox speed ${SPEED}${args.quick ? ', quick' : ''}`,
  );
  const strategies: Strategy[] = args.quick ? ['canary'] : ['canary', 'blue-green'];
  const durations: Partial<Record<Strategy, number>> = {};
  for (const s of strategies) {
    let ms = 0;
    // One retry: on a loaded machine a clean run's first analysis can come out inconclusive.
    for (let attempt = 0; attempt < 2 && ms === 0; attempt++) {
      ms = await baselineRun(s);
      if (ms === 0 && !rows.at(-1)?.notes.some((n) => /inconclusive/.test(n))) break;
    }
    if (ms > 0) durations[s] = ms;
  }
  const usable = strategies.filter((s) => durations[s]);
  if (!args.killsOnly) for (const s of usable) await apiFaultRuns(s, args.runs);
  const killStrategies = usable;
  for (const [i, s] of killStrategies.entries()) {
    const kills =
      Math.floor(args.kills / killStrategies.length) + (i < args.kills % killStrategies.length ? 1 : 0);
    // Quick: one kill per release, so one release resumes to its end and the next is rolled back on request.
    await killRuns(s, args.quick ? 1 : 6, kills, durations[s]!);
  }
  let drift = { overwritten: 0 };
  if (!args.killsOnly) {
    await prometheusRuns(args.quick ? ['empty'] : ['stopped', 'slow', 'empty', 'nan']);
    drift = await driftRun();
    if (!args.quick) await sleepRun();
  }
  finishRows();
  const badStart = performance.now();
  const bad = { ...(await badInputs(args.killsOnly ? 0 : args.quick ? 40 : 200)), seconds: 0 };
  bad.seconds = Math.round((performance.now() - badStart) / 1000);
  const wallSeconds = Math.round((performance.now() - t0) / 1000);
  printTable(bad, wallSeconds);
  if (bad.notes.length) console.log(`bad inputs:\n  ${bad.notes.slice(0, 5).join('\n  ')}`);
  if (drift.overwritten) console.log('DRIFT: a VirtualService edited by someone else was overwritten.');

  const sum = (k: keyof Row) => rows.reduce((a, r) => a + (r[k] as number), 0);
  const totals = {
    faultsInjected: sum('faults') + sum('kills'),
    runs: sum('runs'),
    completed: sum('completed'),
    paused: sum('paused'),
    rolledBack: sum('rolledBack'),
    doubleMutations: sum('doubles'),
    lostReleases: sum('lost'),
    promotionsOnMissingData: sum('promotionsOnMissingData'),
    badInputs: bad.fed,
    crashes: sum('crashes') + bad.crashes,
    kills: sum('kills'),
    rollbacksOnRequest: sum('rollbacksOnRequest'),
    trafficLeftOffStable: sum('offStable'),
    tornWrites: sum('torn'),
    tornWritesDetected: sum('tornDetected'),
    seed: args.seed,
    wallSeconds,
  };
  console.log(`campaign took ${wallSeconds} s (seed ${args.seed})`);
  console.log(JSON.stringify(totals));
  const failed =
    totals.lostReleases > 0 ||
    totals.doubleMutations > 0 ||
    totals.promotionsOnMissingData > 0 ||
    totals.crashes > 0 ||
    totals.trafficLeftOffStable > 0;
  process.exit(failed ? 1 : 0);
}

await main();
