import type { HealthPoint } from '../../src-shared/bridge/contract.ts';
import { decisionTitle, decisionVerdict } from '../../src-shared/release/decision-verdict.ts';
import type { Decision } from '../../src-shared/release/release.schema.ts';
import type { EventHub } from '../bridge/dispatch.ts';
import type { ControlDriver } from '../engine/journal/control-channel.ts';
import type { ReleaseHandle } from '../engine/runner/release-runner.ts';
import type { HealthLog } from '../ports/journal.port.ts';
import type { Clock } from '../ports/clock.port.ts';
import { flagRampOf, rampsFlagNow } from '../../src-shared/plan/flag-with-deploy.ts';
import type { ReleasePlan } from '../../src-shared/plan/plan.schema.ts';
import type { HealthSampler } from './health-sampler.ts';

/** Health points kept per release in memory (24 h at one point per second and version). */
const MAX_HEALTH_POINTS = 2 * 86_400;

export interface TrackOptions {
  readonly handle: ReleaseHandle;
  readonly hub: EventHub;
  readonly sampler: HealthSampler;
  readonly clock: Clock;
  /** The versions whose health is sampled (stable and new). */
  readonly versions: readonly string[];
  /**
   * A flag ramp: while it ramps (a flag-rollout, or a flag with deploy's ramp phase) health is sampled per
   * variant (`values`, the off variant first, as the exposure bar lists them) by the requests' `label`, the
   * newest version serving them; before the ramp, per version.
   */
  readonly variants?: { readonly label: string; readonly values: readonly string[] };
  /** Where the sampled points are kept. */
  readonly healthLog: HealthLog;
  /** Answers control requests from other consoles and the CLI for this release. */
  readonly control: ControlDriver;
  /** The user an operator event without a sender is sent as. */
  readonly user: string;
  /** Real milliseconds between two health samples; default 1 000. */
  readonly intervalMs?: number;
}

/**
 * What a release's health is sampled by: its `versions` (stable and new), and the variants of its flag ramp
 * (off first, as the exposure bar lists them) when it has one.
 */
export function sampledBy(
  plan: ReleasePlan,
  versions: readonly string[],
): Pick<TrackOptions, 'versions' | 'variants'> {
  const ramp = flagRampOf(plan);
  if (!ramp) return { versions };
  return { versions, variants: { label: ramp.variantLabel, values: [ramp.offVariant, ramp.newVariant] } };
}

/** A release the console follows: its health in memory, and how to stop following it. */
export interface TrackedRelease {
  readonly health: HealthPoint[];
  /** Stops sampling, notices and control; resolves when the health log is written. */
  stop(): Promise<void>;
}

/**
 * Follows a running release for the console: every projection and notice goes to the hub, its health is sampled
 * every `intervalMs` (kept in memory and in the health log), and control requests for it are answered; a last
 * sample is taken when it settles.
 */
export function trackRelease(o: TrackOptions): TrackedRelease {
  const { handle, hub } = o;
  const health: HealthPoint[] = [];
  let seen = handle.getSnapshot().decisions.length;
  let lastStatus = handle.getSnapshot().status;
  let settled = false;
  const unsubscribe = handle.subscribe((s) => {
    hub.emit('release:update', s);
    for (const d of s.decisions.slice(seen)) {
      const notice = noticeFor(d);
      if (notice) hub.emit('release:notice', { id: s.id, ...notice });
    }
    seen = s.decisions.length;
    if (s.status !== lastStatus && (s.status === 'completed' || s.status === 'failed')) {
      const title = s.status === 'completed' ? 'Release complete' : 'Release failed';
      const body =
        s.status === 'completed'
          ? `${s.planName}: all traffic is on the new version.`
          : `${s.planName}: ${s.pause?.message ?? 'the release failed.'}`;
      hub.emit('release:notice', { id: s.id, kind: s.status, title, body });
    }
    lastStatus = s.status;
  });
  const unique = [...new Set(o.versions)];
  const tick = async () => {
    if (settled) return;
    try {
      const now = o.clock.now();
      const variants = o.variants && rampsFlagNow(handle.getSnapshot()) ? o.variants : undefined;
      const served = o.versions.at(-1) ?? '';
      const points = await Promise.all(
        variants
          ? variants.values.map((value) => o.sampler.sample(served, now, { label: variants.label, value }))
          : unique.map((v) => o.sampler.sample(v, now)),
      );
      health.push(...points);
      if (health.length > MAX_HEALTH_POINTS) health.splice(0, health.length - MAX_HEALTH_POINTS);
      o.healthLog.append(points);
      hub.emit('release:health', { id: handle.id, points });
    } catch {
      // A missed health sample is a gap in the timeline; the analysis itself never depends on it.
    }
  };
  const timer = setInterval(() => void tick(), o.intervalMs ?? 1000);
  void tick();
  const stopControl = o.control.serve(handle.id, ({ by, ...event }) => {
    handle.send(event, by ?? o.user);
    return `${event.type} sent to release ${handle.id}.`;
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      settled = true;
      clearInterval(timer);
      unsubscribe();
      stopControl();
      await o.healthLog.close();
    })());
  void handle.done.then(() => {
    void tick().then(stop);
  });
  return { health, stop };
}

function noticeFor(d: Decision): {
  kind: 'promoted' | 'promotedWithFailures' | 'waiting' | 'aborted' | 'rolledBack' | 'completed' | 'failed';
  title: string;
  body: string;
} | null {
  switch (d.kind) {
    case 'promote': {
      // A step that passed with failed measurements (within its failure limit) is amber, not green.
      const withFailures = decisionVerdict(d) === 'pass-with-failures';
      return {
        kind: withFailures ? 'promotedWithFailures' : 'promoted',
        title: decisionTitle(d),
        body: d.summary,
      };
    }
    case 'pause':
      return {
        kind: 'waiting',
        title: decisionVerdict(d) === 'inconclusive' ? 'Waiting for you: inconclusive' : 'Waiting for you',
        body: d.summary,
      };
    case 'abort':
      return { kind: 'aborted', title: 'Aborted', body: d.summary };
    case 'rollback':
      return { kind: 'rolledBack', title: 'Rolled back', body: d.summary };
    default:
      return null;
  }
}
