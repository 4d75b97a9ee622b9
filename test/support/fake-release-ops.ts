import { ClusterError } from '../../src-main/adapters/kube/kube-errors.ts';
import type { Clock } from '../../src-main/ports/clock.port.ts';
import type { ClusterErrorKind } from '../../src-main/ports/cluster.port.ts';
import type { MetricSample } from '../../src-main/ports/metrics.port.ts';
import type {
  AnalysisSource,
  Colour,
  ExperimentRoute,
  JobResult,
  JobSpec,
  ProbeTally,
  ReleaseOps,
  SmokeCheck,
  SmokeResult,
  TrafficSplit,
  WorkloadRole,
  WorkloadState,
} from '../../src-main/ports/release.port.ts';
import {
  renderMetricQuery,
  type MetricQueryParams,
  type MetricQuerySource,
} from '../../src-shared/plan/promql.ts';

/** One call made to the fake, in order. */
export interface FakeCall {
  op: keyof ReleaseOps;
  args: unknown[];
}

/**
 * A test double of `ReleaseOps` that keeps a tiny in-memory cluster. Like the real adapters it is
 * idempotent: every method reads first and changes state only when it differs, and `writes` lists only
 * the calls that changed something, so a test can prove nothing was applied twice.
 */
export class FakeReleaseOps implements ReleaseOps {
  readonly calls: FakeCall[] = [];
  readonly writes: FakeCall[] = [];
  weights: Record<string, number> = { stable: 100, canary: 0 };
  stableImage: string;
  canary: { image: string; version: string; replicas: number } | null = null;
  active: Colour = 'blue';
  colourImages: Record<Colour, string>;
  revisions: string[];
  /** Overrides of what the stable workload reports (e.g. failing pods after a bad image). */
  rollout: Partial<WorkloadState> = {};
  /** Overrides of what a colour's workload reports (e.g. never ready). */
  colourState: Partial<Record<Colour, Partial<WorkloadState>>> = {};
  smokeFails = false;
  /** Variant weights of the A/B route, when one is set. */
  experiment: Record<string, number> | null = null;
  /** What the fake router reports it does not do as asked when a route has a sticky header (as gateway-api does). */
  stickyNotes: string[] = [];
  jobFails = new Set<string>();
  private broken: ClusterErrorKind | null = null;
  private failOnce = new Map<keyof ReleaseOps, ClusterErrorKind>();

  constructor(stableImage = 'registry.platform.com/workflow-engine:v1.24.0') {
    this.stableImage = stableImage;
    this.colourImages = { blue: stableImage, green: stableImage };
    this.revisions = [stableImage];
  }

  /** Every later call throws a ClusterError of `kind` (e.g. `unreachable`) until `heal()`. */
  breakWith(kind: ClusterErrorKind): void {
    this.broken = kind;
  }
  heal(): void {
    this.broken = null;
  }
  /** The next call of `op` throws a ClusterError of `kind`. */
  failNext(op: keyof ReleaseOps, kind: ClusterErrorKind): void {
    this.failOnce.set(op, kind);
  }
  /** Calls of `op` that changed the fake cluster. */
  writesOf(op: keyof ReleaseOps): FakeCall[] {
    return this.writes.filter((w) => w.op === op);
  }

  private enter(op: keyof ReleaseOps, args: unknown[]): void {
    this.calls.push({ op, args });
    const once = this.failOnce.get(op);
    if (once) {
      this.failOnce.delete(op);
      throw new ClusterError(once, `The fake cluster refused ${op} (${once}).`);
    }
    if (this.broken) throw new ClusterError(this.broken, `The fake cluster is ${this.broken}.`);
  }
  private write(op: keyof ReleaseOps, args: unknown[], change: () => void): void {
    this.writes.push({ op, args });
    change();
  }
  private split(): TrafficSplit {
    return { weights: { ...this.weights }, source: 'fake router' };
  }

  async readSplit(): Promise<TrafficSplit> {
    this.enter('readSplit', []);
    return this.split();
  }
  async ensureCanary(image: string, version: string): Promise<void> {
    this.enter('ensureCanary', [image, version]);
    if (this.canary?.image === image && this.canary.version === version && this.canary.replicas > 0) return;
    this.write('ensureCanary', [image, version], () => (this.canary = { image, version, replicas: 1 }));
  }
  async setCanaryWeight(percent: number): Promise<TrafficSplit> {
    this.enter('setCanaryWeight', [percent]);
    if (this.weights.canary !== percent)
      this.write(
        'setCanaryWeight',
        [percent],
        () => (this.weights = { stable: 100 - percent, canary: percent }),
      );
    return this.split();
  }
  async promoteCanary(image: string): Promise<TrafficSplit> {
    this.enter('promoteCanary', [image]);
    if (this.stableImage !== image || this.weights.stable !== 100 || (this.canary?.replicas ?? 0) > 0)
      this.write('promoteCanary', [image], () => {
        this.stableImage = image;
        this.allOnStable();
      });
    return this.split();
  }
  async abortCanary(): Promise<TrafficSplit> {
    this.enter('abortCanary', []);
    if (this.weights.stable !== 100 || (this.canary?.replicas ?? 0) > 0 || this.experiment)
      this.write('abortCanary', [], () => this.allOnStable());
    return this.split();
  }
  /** Every request back on stable: no experiment routed, the canary scaled to 0. */
  private allOnStable(): void {
    this.weights = { stable: 100, canary: 0 };
    this.experiment = null;
    if (this.canary) this.canary.replicas = 0;
  }
  async activeColour(): Promise<Colour> {
    this.enter('activeColour', []);
    return this.active;
  }
  async deployColour(colour: Colour, image: string): Promise<void> {
    this.enter('deployColour', [colour, image]);
    if (this.colourImages[colour] !== image)
      this.write('deployColour', [colour, image], () => (this.colourImages[colour] = image));
  }
  async switchTo(colour: Colour): Promise<TrafficSplit> {
    this.enter('switchTo', [colour]);
    if (this.active !== colour) this.write('switchTo', [colour], () => (this.active = colour));
    const other: Colour = colour === 'blue' ? 'green' : 'blue';
    return { weights: { [colour]: 100, [other]: 0 }, source: 'fake router' };
  }
  async scaleColour(colour: Colour, replicas: number): Promise<void> {
    this.enter('scaleColour', [colour, replicas]);
    if ((this.colourState[colour]?.desired ?? 3) !== replicas)
      this.write('scaleColour', [colour, replicas], () => {
        this.colourState[colour] = {
          ...this.colourState[colour],
          desired: replicas,
          ready: replicas,
          updated: replicas,
          available: replicas,
        };
      });
  }
  async warmup(colour: Colour, path: string, requests: number, intervalMs: number): Promise<ProbeTally> {
    this.enter('warmup', [colour, path, requests, intervalMs]);
    return { ok: requests, failed: 0 };
  }
  async smoke(colour: Colour, checks: readonly SmokeCheck[]): Promise<SmokeResult[]> {
    this.enter('smoke', [colour, checks]);
    return checks.map((check) => ({
      check,
      ok: !this.smokeFails,
      detail: this.smokeFails ? 'answered 503, expected 200' : 'answered 200',
    }));
  }
  async setImage(image: string): Promise<{ revision: number }> {
    this.enter('setImage', [image]);
    if (this.revisions.at(-1) !== image) this.write('setImage', [image], () => this.revisions.push(image));
    return { revision: this.revisions.length };
  }
  async undo(revision?: number): Promise<void> {
    this.enter('undo', revision === undefined ? [] : [revision]);
    const target = this.revisions[(revision ?? this.revisions.length - 1) - 1];
    if (target !== undefined && this.revisions.at(-1) !== target)
      this.write('undo', [revision], () => {
        this.revisions.push(target);
        this.rollout = {};
      });
  }
  async workloadState(which: WorkloadRole): Promise<WorkloadState> {
    this.enter('workloadState', [which]);
    const image =
      which === 'stable'
        ? (this.revisions.at(-1) ?? this.stableImage)
        : which === 'canary'
          ? (this.canary?.image ?? '')
          : this.colourImages[which];
    return {
      desired: 3,
      ready: 3,
      updated: 3,
      available: 3,
      image,
      revision: this.revisions.length,
      restarts: 0,
      failingPods: 0,
      progressDeadlineExceeded: false,
      ...(which === 'stable' ? this.rollout : which === 'canary' ? {} : this.colourState[which]),
    };
  }
  async routeExperiment(route: ExperimentRoute): Promise<TrafficSplit> {
    this.enter('routeExperiment', [route]);
    const weights = Object.fromEntries(route.variants.map((v) => [v.name, v.weight]));
    if (JSON.stringify(this.experiment) !== JSON.stringify(weights))
      this.write('routeExperiment', [route], () => (this.experiment = weights));
    const notes = route.stickyHeader ? this.stickyNotes : [];
    return { weights, source: 'fake router', ...(notes.length ? { notes } : {}) };
  }
  async runJob(spec: JobSpec): Promise<JobResult> {
    this.enter('runJob', [spec]);
    this.write('runJob', [spec], () => undefined);
    const failed = this.jobFails.has(spec.name);
    return {
      succeeded: !failed,
      message: failed ? `Job ${spec.name} failed.` : `Job ${spec.name} succeeded.`,
    };
  }
}

/** What the fake analysis source answers for one read: a number, or a whole sample. */
export type FakeReading = number | MetricSample;

/**
 * A test double of `AnalysisSource`: answers come from `rules` keyed by metric kind (and optionally
 * version), each a value or a function of the clock time; the query is the real rendered PromQL.
 */
export class FakeAnalysisSource implements AnalysisSource {
  readonly reads: { kind: string; version: string | undefined; query: string; atMs: number }[] = [];
  private rules = new Map<string, (atMs: number) => FakeReading>();
  private queryRules: [string, (atMs: number) => FakeReading][] = [];

  constructor(private readonly clock: Clock) {}

  /** Answers reads whose query contains `text` (checked before the kind rules) with `reading`. */
  setQuery(text: string, reading: FakeReading | ((atMs: number) => FakeReading)): this {
    this.queryRules.push([text, typeof reading === 'function' ? reading : () => reading]);
    return this;
  }

  /** Answers reads of `kind` (for `version` only, when given) with `reading`. */
  set(kind: string, reading: FakeReading | ((atMs: number) => FakeReading), version?: string): this {
    this.rules.set(
      version ? `${kind}@${version}` : kind,
      typeof reading === 'function' ? reading : () => reading,
    );
    return this;
  }

  async read(
    metric: MetricQuerySource,
    params: MetricQueryParams,
  ): Promise<{ query: string; sample: MetricSample }> {
    const query = renderMetricQuery(metric, params);
    const atMs = this.clock.now();
    this.reads.push({ kind: metric.kind, version: params.version, query, atMs });
    const rule =
      this.queryRules.find(([text]) => query.includes(text))?.[1] ??
      this.rules.get(`${metric.kind}@${params.version}`) ??
      this.rules.get(metric.kind);
    const got = rule ? rule(atMs) : null;
    if (got === null)
      return {
        query,
        sample: { kind: 'inconclusive', reason: 'noData', message: 'The query returned no series.' },
      };
    if (typeof got === 'number') return { query, sample: { kind: 'value', value: got, atMs, series: 1 } };
    return { query, sample: got };
  }
}

/**
 * A clock that moves only when a test says so. `advanceTo` wakes sleepers in deadline order;
 * `activity` counts calls so a test can tell when the code under test has gone quiet.
 */
export class FakeManualClock implements Clock {
  readonly speed = 1;
  activity = 0;
  private t: number;
  private sleepers: { due: number; resolve: () => void }[] = [];

  constructor(startMs = Date.UTC(2026, 10, 26, 9, 0, 0)) {
    this.t = startMs;
  }
  now(): number {
    this.activity++;
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.activity++;
    return new Promise((resolve, reject) => {
      const abort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(Object.assign(new Error('The wait was aborted.'), { name: 'AbortError' }));
      };
      const sleeper = {
        due: this.t + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        },
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      if (ms <= 0) return sleeper.resolve();
      this.sleepers.push(sleeper);
    });
  }
  /** The earliest deadline anyone waits for, or null. */
  nextDue(): number | null {
    return this.sleepers.length === 0 ? null : Math.min(...this.sleepers.map((s) => s.due));
  }
  /** Number of pending sleeps. */
  get waiting(): number {
    return this.sleepers.length;
  }
  /** Sets the time to `ms` (never backwards) and wakes every sleeper due by then. */
  set(ms: number): void {
    this.t = Math.max(this.t, ms);
    const due = this.sleepers.filter((s) => s.due <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.due > this.t);
    for (const s of due) s.resolve();
  }
}
