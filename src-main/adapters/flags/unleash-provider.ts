import type { ExposureReading, FlagProvider, FlagSegment, FlagSummary } from '../../ports/exposure.port.ts';
import { describeEvent, foreignEventsSince, readEvents } from './unleash-events.ts';
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
  /** Newest relevant event id, or 0 when the log is empty. */
  eventId: number;
}

/**
 * A `FlagProvider` over Unleash's Admin API: one `flexibleRollout` strategy titled "Switchyard ramp" holds the
 * percentage (`rollout`, `groupId` = the flag, `stickiness`), one strategy per user-targeting segment (100 %
 * with a constraint) sorts before it, and turning the environment off is the kill switch. Unleash has no
 * version on a feature, so a reading's `version` is the id of the feature's newest event; with `expected`,
 * any newer event Switchyard did not write is drift (`conflict`). Throws `UnleashError` at once on a bad
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
    return { feature, env, eventId: events[0]?.id ?? 0 };
  }

  function reading(snap: Snapshot, variant: string): ExposureReading {
    const { env } = snap;
    const notes: string[] = [];
    const ramp = env.strategies.find(isRamp);
    const foreign = env.strategies.filter((s) => !isRamp(s) && !isSegment(s));
    let percent: number;
    if (!env.enabled) percent = 0;
    else if (ramp) percent = strategyPercent(ramp) ?? 0;
    else if (env.strategies.length === 0) {
      percent = 100;
      notes.push(
        `Environment "${env.name}" is on with no strategy, so Unleash serves the feature to everyone.`,
      );
    } else {
      // Another team's strategies: the widest one without constraints says who gets the feature.
      const open = foreign.filter((s) => !s.constraints?.length && !s.segments?.length);
      percent = Math.max(0, ...open.map((s) => strategyPercent(s) ?? 0));
    }
    if (foreign.length > 0) {
      notes.push(
        `Strategies Switchyard did not write also serve the feature: ${foreign.map(describeStrategy).join('; ')}.`,
      );
    }
    const segments = env.strategies.filter(isSegment).flatMap((s) => segmentOf(s) ?? []);
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

  /** Refuses with `conflict` when anyone but Switchyard changed the feature since `expected`. */
  async function guard(expected: ExposureReading | undefined): Promise<Snapshot> {
    const snap = await snapshot(config.flag);
    if (expected?.version === undefined) return snap;
    const since = Number(expected.version);
    if (!Number.isInteger(since)) {
      throw new UnleashError(
        'invalidConfig',
        `"${expected.version}" is not an Unleash event id to compare with.`,
      );
    }
    const events = await readEvents(http, config.flag, config.environment);
    const foreign = foreignEventsSince(events, since, own);
    if (foreign.length > 0) {
      throw new UnleashError(
        'conflict',
        `Feature "${config.flag}" (${where}) changed in Unleash since Switchyard last read it: ${foreign
          .map(describeEvent)
          .join('; ')}. Switchyard did not overwrite it.`,
        409,
      );
    }
    return snap;
  }

  /** Runs Switchyard's writes, then reads back and records the events they produced as its own. */
  async function write(before: Snapshot, writes: (() => Promise<unknown>)[]): Promise<ExposureReading> {
    for (const step of writes) await step();
    const after = await snapshot(config.flag);
    if (writes.length > 0) {
      const events = await readEvents(http, config.flag, config.environment);
      for (const event of events) if (event.id > before.eventId) own.add(event.id);
    }
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

    describe: () =>
      `${http.display}, ${where}, feature ${config.flag} (flexibleRollout "Switchyard ramp", environment on/off as kill switch)`,

    read: readOwn,

    async setPercent(percent, expected) {
      if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
        throw new UnleashError('invalidConfig', `A percentage must be between 0 and 100, got ${percent}.`);
      }
      const rounded = Math.round(percent);
      if (rounded !== percent) {
        throw new UnleashError('invalidConfig', `Unleash rolls out whole percentages only, got ${percent}.`);
      }
      const before = await guard(expected);
      const desired = rampStrategy(rounded, shape);
      const current = before.env.strategies.find(isRamp);
      const what = `setting feature "${config.flag}" to ${rounded} %`;
      const writes: (() => Promise<unknown>)[] = [];
      if (!current) writes.push(post(desired, what));
      else if (differs(current, desired))
        writes.push(put(current, { ...desired, sortOrder: current.sortOrder }, what));
      // The strategy first, then the environment: a ramp resumed after a kill comes back at the new percentage.
      if (!before.env.enabled) writes.push(switchEnvironment(true));
      return write(before, writes);
    },

    async kill() {
      const before = await snapshot(config.flag);
      return write(before, before.env.enabled ? [switchEnvironment(false)] : []);
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
      const before = await guard(expected);
      const existing = before.env.strategies.filter(isSegment);
      const writes: (() => Promise<unknown>)[] = [];
      segments.forEach((segment: FlagSegment, index) => {
        const desired = segmentStrategy(segment, index, shape);
        const current = existing.find((s) => s.title === desired.title);
        const what = `targeting segment "${segment.name}" with feature "${config.flag}"`;
        if (!current) writes.push(post(desired, what));
        else if (differs(current, desired) || current.sortOrder !== index)
          writes.push(put(current, desired, what));
      });
      for (const stale of existing.filter((s) => !names.has(segmentOf(s)?.name ?? s.title ?? ''))) {
        writes.push(() =>
          http.request(
            'DELETE',
            `${strategiesPath}/${encodeURIComponent(stale.id ?? '')}`,
            `removing ${describeStrategy(stale)} from feature "${config.flag}"`,
          ),
        );
      }
      return write(before, writes);
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
