import type { ExposureReading, FlagProvider, FlagSegment, FlagSummary } from '../../ports/exposure.port.ts';
import { describeEvent, driftSince, readEvents, type UnleashEvent } from './unleash-events.ts';
import { createUnleashHttp, UnleashError } from './unleash-http.ts';
import {
  describeStrategy,
  differs,
  isRamp,
  isSegment,
  rampStrategy,
  segmentOf,
  segmentStrategy,
  strategyPercent,
  type RampShape,
  type UnleashFeature,
  type UnleashFeatureEnvironment,
  type UnleashStrategy,
  RAMP_TITLE,
} from './unleash-strategies.ts';
import { checkUnleash } from './unleash-check.ts';

/** What the Unleash provider needs; the plan gives all but `token`, which comes from `resolveUnleashToken`. */
export interface UnleashProviderConfig {
  /** Base URL of the Unleash server, e.g. `https://unleash.example.com`. */
  url: string;
  /** The project holding the feature, e.g. `default`. */
  project: string;
  /** The environment whose strategies the ramp edits and whose on/off is the kill switch. */
  environment: string;
  /** The feature's name (also the rollout's `groupId`). */
  flag: string;
  /** Served through the ramp strategy's variants when set; a plain on/off flag (`on`) when absent. */
  newVariant?: string;
  /** What everyone outside the ramp gets (the feature off; SDKs report the `disabled` variant). Default `off`. */
  offVariant?: string;
  /** The `flexibleRollout` stickiness: `default` (userId, else sessionId, else random), `userId`, … */
  stickiness?: string;
  /** An admin API token or personal access token. Never logged, journaled or sent across the bridge. */
  token: string;
}

export interface UnleashProviderOptions {
  /** Per-request limit in milliseconds. Default 5000. */
  timeoutMs?: number;
}

interface Snapshot {
  feature: UnleashFeature;
  env: UnleashFeatureEnvironment;
  /** The feature's events for this environment, newest first. */
  events: UnleashEvent[];
  /** Newest relevant event id, or 0 when the log is empty. */
  eventId: number;
}

/** One call's writes: `sets` names everything the call decides (`env`, strategy titles); each write its key. */
interface WritePlan {
  sets: Set<string>;
  writes: { key: string; run: () => Promise<unknown> }[];
}

/**
 * A `FlagProvider` over Unleash's Admin API: one `flexibleRollout` strategy titled "Switchyard ramp" holds the
 * percentage (`rollout`, `groupId` = the flag, `stickiness`), one strategy per user-targeting segment (100 %
 * with a constraint) sorts before it, and turning the environment off is the kill switch. Unleash has no
 * version on a feature, so a reading's `version` is the id of the feature's newest event; with `expected`,
 * a newer event Switchyard did not write is drift (`conflict`) unless it left what the call sets exactly as
 * the call wants it (an interrupted earlier attempt, resumed after a crash). Throws `UnleashError` at once on a bad
 * URL or an empty token.
 */
export function createUnleashProvider(
  config: UnleashProviderConfig,
  options: UnleashProviderOptions = {},
): FlagProvider {
  const http = createUnleashHttp({
    url: config.url,
    token: config.token,
    timeoutMs: options.timeoutMs ?? 5_000,
  });
  for (const [field, value] of Object.entries({
    project: config.project,
    environment: config.environment,
    flag: config.flag,
  })) {
    if (!value?.trim()) throw new UnleashError('invalidConfig', `The Unleash provider needs a ${field}.`);
  }
  const newVariant = config.newVariant ?? 'on';
  const offVariant = config.offVariant ?? 'off';
  if (newVariant === offVariant) {
    throw new UnleashError(
      'invalidConfig',
      `The new and off variants must differ (both are "${newVariant}").`,
    );
  }
  const shape: RampShape = {
    flag: config.flag,
    stickiness: config.stickiness ?? 'default',
    ...(config.newVariant ? { newVariant: config.newVariant } : {}),
  };
  const featurePath = (flag: string) =>
    `api/admin/projects/${encodeURIComponent(config.project)}/features/${encodeURIComponent(flag)}`;
  const strategiesPath = `${featurePath(config.flag)}/environments/${encodeURIComponent(config.environment)}/strategies`;
  const where = `project "${config.project}", environment "${config.environment}"`;
  /** Ids of the events Switchyard's own writes produced, so they never count as drift. */
  const own = new Set<number>();

  async function snapshot(flag: string, signal?: AbortSignal): Promise<Snapshot> {
    const feature = await http
      .request<UnleashFeature>('GET', featurePath(flag), `reading feature "${flag}"`, undefined, signal)
      .catch((error: unknown) => {
        if (error instanceof UnleashError && error.kind === 'notFound') {
          throw new UnleashError(
            'notFound',
            `${http.display} has no feature "${flag}" in project "${config.project}".`,
            404,
          );
        }
        throw error;
      });
    const env = feature.environments.find((e) => e.name === config.environment);
    if (!env) {
      const names = feature.environments.map((e) => `"${e.name}"`).join(', ') || 'none';
      throw new UnleashError(
        'notFound',
        `Feature "${flag}" in ${http.display} has no environment "${config.environment}" (it has ${names}).`,
      );
    }
    const events = await readEvents(http, flag, config.environment, signal);
    return { feature, env, events, eventId: events[0]?.id ?? 0 };
  }

  function reading(snap: Snapshot, variant: string): ExposureReading {
    const { env } = snap;
    const notes: string[] = [];
    const foreign = env.strategies.filter((s) => !isRamp(s) && !isSegment(s));
    let percent: number;
    if (!env.enabled) percent = 0;
    else if (env.strategies.length === 0) {
      percent = 100;
      notes.push(
        `Environment "${env.name}" is on with no strategy, so Unleash serves the feature to everyone.`,
      );
    } else {
      // Read back, not intended: the widest strategy without constraints (ours or another's) says who gets it.
      const open = env.strategies.filter((s) => !s.constraints?.length && !s.segments?.length);
      percent = Math.max(0, ...open.map((s) => strategyPercent(s) ?? 0));
    }
    if (foreign.length > 0) {
      notes.push(
        `Strategies Switchyard did not write also serve the feature: ${foreign.map(describeStrategy).join('; ')}.`,
      );
    }
    const segments = env.strategies.filter(isSegment).flatMap((s) => segmentOf(s) ?? []);
    if (segments.length > 0 && env.enabled) {
      notes.push(
        `Besides the ${percent} %, users in ${segments.map((s) => `"${s.name}"`).join(', ')} get the feature.`,
      );
    }
    return {
      percent: { [offVariant]: 100 - percent, [variant]: percent },
      newVariant: variant,
      enabled: env.enabled,
      source: `Unleash feature ${snap.feature.name} (${where}, event ${snap.eventId})`,
      version: String(snap.eventId),
      ...(segments.length ? { segments } : {}),
      ...(notes.length ? { notes } : {}),
    };
  }

  async function readOwn(signal?: AbortSignal): Promise<ExposureReading> {
    return reading(await snapshot(config.flag, signal), newVariant);
  }

  /**
   * Refuses with `conflict` when, since `expected`, someone else changed what `plan` would overwrite or what
   * Switchyard does not manage; otherwise runs the plan's writes, reads back, and records the events they
   * produced as Switchyard's own.
   */
  async function apply(
    before: Snapshot,
    plan: WritePlan,
    expected: ExposureReading | undefined,
  ): Promise<ExposureReading> {
    if (expected?.version !== undefined) {
      const since = Number(expected.version);
      if (!Number.isInteger(since)) {
        throw new UnleashError(
          'invalidConfig',
          `"${expected.version}" is not an Unleash event id to compare with.`,
        );
      }
      const writes = new Set(plan.writes.map((w) => w.key));
      const drift = driftSince(before.events, since, own, plan.sets, writes);
      if (drift.length > 0) {
        throw new UnleashError(
          'conflict',
          `Feature "${config.flag}" (${where}) changed in Unleash since Switchyard last read it: ${drift
            .map(describeEvent)
            .join('; ')}. Switchyard did not overwrite it.`,
          409,
        );
      }
    }
    for (const write of plan.writes) await write.run();
    const after = await snapshot(config.flag);
    for (const event of after.events) if (event.id > before.eventId) own.add(event.id);
    return reading(after, newVariant);
  }

  const put = (strategy: UnleashStrategy, desired: UnleashStrategy, what: string) => () =>
    http.request('PUT', `${strategiesPath}/${encodeURIComponent(strategy.id ?? '')}`, what, desired);
  const post = (desired: UnleashStrategy, what: string) => () =>
    http.request('POST', strategiesPath, what, desired);
  const switchEnvironment = (on: boolean) => () =>
    http.request(
      'POST',
      `${featurePath(config.flag)}/environments/${encodeURIComponent(config.environment)}/${on ? 'on' : 'off'}`,
      `turning environment "${config.environment}" of feature "${config.flag}" ${on ? 'on' : 'off'}`,
    );

  return {
    kind: 'unleash',

    system: http.display,

    describe: () => `Unleash feature ${config.flag} (${where}, ${http.display.replace(/^Unleash at /, '')})`,

    read: readOwn,

    async setPercent(percent, expected) {
      if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
        throw new UnleashError('invalidConfig', `A percentage must be between 0 and 100, got ${percent}.`);
      }
      const rounded = Math.round(percent);
      if (rounded !== percent) {
        throw new UnleashError('invalidConfig', `Unleash rolls out whole percentages only, got ${percent}.`);
      }
      const before = await snapshot(config.flag);
      const desired = rampStrategy(rounded, shape);
      const current = before.env.strategies.find(isRamp);
      const what = `setting feature "${config.flag}" to ${rounded} %`;
      const plan: WritePlan = { sets: new Set([RAMP_TITLE, 'env']), writes: [] };
      if (!current) plan.writes.push({ key: RAMP_TITLE, run: post(desired, what) });
      else if (differs(current, desired)) {
        plan.writes.push({
          key: RAMP_TITLE,
          run: put(current, { ...desired, sortOrder: current.sortOrder }, what),
        });
      }
      // The strategy first, then the environment: a ramp resumed after a kill comes back at the new percentage.
      if (!before.env.enabled) plan.writes.push({ key: 'env', run: switchEnvironment(true) });
      return apply(before, plan, expected);
    },

    async kill() {
      // Never refused for drift: the kill switch works whatever the feature looks like now.
      const before = await snapshot(config.flag);
      const writes = before.env.enabled ? [{ key: 'env', run: switchEnvironment(false) }] : [];
      return apply(before, { sets: new Set(['env']), writes }, undefined);
    },

    async setSegments(segments, expected) {
      const names = new Set<string>();
      for (const segment of segments) {
        if (names.has(segment.name))
          throw new UnleashError('invalidConfig', `Segment "${segment.name}" is listed twice.`);
        names.add(segment.name);
        if (segment.values.length === 0) {
          throw new UnleashError(
            'invalidConfig',
            `Segment "${segment.name}" lists no values for ${segment.attribute}.`,
          );
        }
      }
      const before = await snapshot(config.flag);
      const existing = before.env.strategies.filter(isSegment);
      const plan: WritePlan = { sets: new Set(existing.map((s) => s.title ?? '')), writes: [] };
      segments.forEach((segment: FlagSegment, index) => {
        const desired = segmentStrategy(segment, index, shape);
        const key = desired.title ?? '';
        plan.sets.add(key);
        const current = existing.find((s) => s.title === key);
        const what = `targeting segment "${segment.name}" with feature "${config.flag}"`;
        if (!current) plan.writes.push({ key, run: post(desired, what) });
        else if (differs(current, desired) || current.sortOrder !== index) {
          plan.writes.push({ key, run: put(current, desired, what) });
        }
      });
      for (const stale of existing.filter((s) => !names.has(segmentOf(s)?.name ?? s.title ?? ''))) {
        plan.writes.push({
          key: stale.title ?? '',
          run: () =>
            http.request(
              'DELETE',
              `${strategiesPath}/${encodeURIComponent(stale.id ?? '')}`,
              `removing ${describeStrategy(stale)} from feature "${config.flag}"`,
            ),
        });
      }
      return apply(before, plan, expected);
    },

    async readFlag(key, signal) {
      const snap = await snapshot(key, signal);
      const ramp = snap.env.strategies.find(isRamp) ?? snap.env.strategies[0];
      return reading(snap, ramp?.variants?.[0]?.name ?? 'on');
    },

    async listFlags(signal) {
      const list = await http.request<{ features?: { name: string }[] }>(
        'GET',
        `api/admin/projects/${encodeURIComponent(config.project)}/features`,
        `listing the features of project "${config.project}"`,
        undefined,
        signal,
      );
      const summaries: FlagSummary[] = [];
      for (const { name } of list?.features ?? []) {
        const feature = await http.request<UnleashFeature>(
          'GET',
          featurePath(name),
          `reading feature "${name}"`,
          undefined,
          signal,
        );
        const env = feature.environments.find((e) => e.name === config.environment);
        const variants = new Set([offVariant, 'on']);
        for (const strategy of env?.strategies ?? [])
          for (const v of strategy.variants ?? []) variants.add(v.name);
        summaries.push({
          key: name,
          variants: [...variants],
          enabled: env?.enabled ?? false,
          ...(feature.description ? { description: feature.description } : {}),
        });
      }
      return summaries.sort((a, b) => a.key.localeCompare(b.key));
    },

    check: (signal) => checkUnleash(http, config, signal),
  };
}
