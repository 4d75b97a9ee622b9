import { parseImage, type BehaviourProfile } from './profiles.ts';
import type { KubeObject } from './selectors.ts';
import { badRequest } from './status.ts';

/** One line a simulated container wrote, at a sandbox-clock time (ms). */
export interface LogLine {
  readonly t: number;
  readonly text: string;
}

/** Seconds of sandbox time between two request lines of a serving container. */
const requestEverySeconds = 2;
/** Oldest output kept per container, as a kubelet's rotated log keeps only so much (sandbox seconds). */
const keptSeconds = 3600;

function unit(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

interface ContainerRun {
  startedMs: number;
  endedMs?: number;
  /** How the run ended (`Error`, `OOMKilled`), for a terminated run. */
  reason?: string;
  readyMs?: number;
}

/**
 * The container run whose output is asked for: the running one, or with `previous` the last terminated one.
 * Throws the API server's 400 when there is none (a container still waiting, or no earlier run).
 */
export function containerRun(pod: KubeObject, previous: boolean): ContainerRun {
  const status = pod.status?.containerStatuses?.[0];
  const name = pod.spec?.containers?.[0]?.name ?? '';
  const pod_ = pod.metadata.name;
  if (previous) {
    const t = status?.lastState?.terminated;
    if (!t) throw badRequest(`previous terminated container "${name}" in pod "${pod_}" not found`);
    const endedMs = Date.parse(t.finishedAt);
    return { startedMs: Date.parse(t.startedAt ?? '') || endedMs - 5000, endedMs, reason: t.reason };
  }
  const running = status?.state?.running;
  const terminated = status?.state?.terminated;
  if (running) {
    const ready = pod.status?.conditions?.find((c: { type: string; status: string }) => c.type === 'Ready');
    return {
      startedMs: Date.parse(running.startedAt),
      ...(ready?.status === 'True' ? { readyMs: Date.parse(ready.lastTransitionTime) } : {}),
    };
  }
  if (terminated)
    return {
      startedMs: Date.parse(terminated.startedAt ?? terminated.finishedAt),
      endedMs: Date.parse(terminated.finishedAt),
      reason: terminated.reason,
    };
  // A container waiting to restart still has its last run's output, which the kubelet serves.
  if (status?.lastState?.terminated) return containerRun(pod, true);
  const waiting = status?.state?.waiting?.reason ?? 'ContainerCreating';
  throw badRequest(
    `container "${name}" in pod "${pod_}" is waiting to start: ${/ImagePull/.test(waiting) ? 'trying and failing to pull image' : waiting}`,
  );
}

/**
 * Lines the simulated container wrote in (fromMs, toMs]: its start, requests it served (one every 2 s of
 * sandbox time, failing at the profile's error rate with the profile's latency), failing readiness checks
 * when it never turns ready, and its last words when the run crashed or was OOM-killed.
 */
function logLines(
  pod: KubeObject,
  run: ContainerRun,
  profile: BehaviourProfile,
  fromMs: number,
  toMs: number,
): LogLine[] {
  const image = parseImage(String(pod.spec?.containers?.[0]?.image ?? ''));
  const service = pod.metadata.labels?.app ?? image.name;
  const end = Math.min(toMs, run.endedMs ?? Infinity);
  const from = Math.max(fromMs, run.startedMs - 1, end - keptSeconds * 1000);
  const out: LogLine[] = [];
  const add = (t: number, text: string) => {
    if (t > from && t <= end) out.push({ t, text });
  };
  add(run.startedMs, `INFO starting ${service} version=${image.tag}`);
  add(run.startedMs + 200, 'INFO listening on :8080');
  const seed = pod.metadata.uid ?? pod.metadata.name;
  // The resource a service serves, from its name: workflow-engine → /api/v1/workflows.
  const path = `/api/v1/${service.replace(/-(service|engine|manager|api|server)$/, '')}s`;
  const step = requestEverySeconds * 1000;
  if (run.readyMs !== undefined) add(run.readyMs, 'INFO ready: /health/ready answers 200');
  const serveFrom = run.readyMs ?? (run.endedMs === undefined ? Infinity : run.startedMs + 1000);
  const first = Math.max(Math.ceil(from / step), Math.ceil((serveFrom + 1) / step)) * step;
  for (let t = first; t <= end; t += step) {
    const fails = unit(`${seed}:${t}`) < profile.errorRate;
    const spread = unit(`${seed}:${t}:l`);
    const ms = Math.round(
      profile.p50Ms * (0.5 + spread) + (spread > 0.95 ? profile.p95Ms - profile.p50Ms : 0),
    );
    add(
      t,
      fails
        ? `ERROR GET ${path} status=503 duration=${ms}ms error="upstream request timeout"`
        : `INFO GET ${path} status=200 duration=${ms}ms`,
    );
  }
  if (run.readyMs === undefined && run.endedMs === undefined && profile.neverReady) {
    for (let t = Math.ceil((run.startedMs + 1) / 10_000) * 10_000; t <= end; t += 10_000)
      add(t, 'WARN /health/ready answers 503: dependency check failed: database: connection refused');
  }
  if (run.endedMs !== undefined) {
    if (run.reason === 'OOMKilled') {
      add(run.endedMs - 1, 'WARN heap usage at 98% of the container memory limit');
    } else if (run.reason !== 'Completed') {
      add(run.endedMs - 1, 'panic: runtime error: invalid memory address or nil pointer dereference');
      add(run.endedMs, `exit status 1`);
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/**
 * Remembers what each container run has written so far, so lines once served never change when a fault
 * changes the version's behaviour later (bounded to the 200 runs read most recently).
 */
export class LogBook {
  private readonly runs = new Map<string, { until: number; lines: LogLine[] }>();

  /** The run's lines in (fromMs, toMs], writing the ones not yet written with the behaviour of now. */
  read(
    pod: KubeObject,
    run: ContainerRun,
    profile: BehaviourProfile,
    fromMs: number,
    toMs: number,
  ): LogLine[] {
    const key = `${pod.metadata.uid}/${run.startedMs}`;
    let book = this.runs.get(key);
    if (book) this.runs.delete(key);
    else book = { until: -Infinity, lines: [] };
    this.runs.set(key, book);
    if (this.runs.size > 200) this.runs.delete(this.runs.keys().next().value!);
    if (toMs > book.until) {
      book.lines.push(...logLines(pod, run, profile, book.until, toMs));
      book.until = toMs;
      const oldest = toMs - keptSeconds * 1000;
      if (book.lines.length > 0 && book.lines[0]!.t < oldest)
        book.lines = book.lines.filter((l) => l.t >= oldest);
    }
    return book.lines.filter((l) => l.t > fromMs && l.t <= toMs);
  }
}

/** The lines as `kubectl logs` receives them, with the kubelet's timestamps when asked. */
export function formatLines(lines: readonly LogLine[], timestamps: boolean): string {
  return lines
    .map((l) => `${timestamps ? `${iso(l.t).replace('Z', '000000Z')} ` : ''}${iso(l.t)} ${l.text}\n`)
    .join('');
}
