import type { UnleashHttp } from './unleash-http.ts';
import { describeStrategy, isRamp, isSegment, type UnleashStrategy } from './unleash-strategies.ts';

/** One entry of a feature's event log (`/api/admin/events/<feature>`), newest first. */
export interface UnleashEvent {
  id: number;
  type: string;
  createdBy?: string;
  createdAt?: string;
  environment?: string | null;
  data?: unknown;
  preData?: unknown;
}

/**
 * The feature's events that concern `environment` (its own and the feature-wide ones), newest first.
 * Unleash keeps no version on a feature, so the newest event id serves as one.
 */
export async function readEvents(
  http: UnleashHttp,
  flag: string,
  environment: string,
  signal?: AbortSignal,
): Promise<UnleashEvent[]> {
  const body = await http.request<{ events?: UnleashEvent[] }>(
    'GET',
    `api/admin/events/${encodeURIComponent(flag)}`,
    `reading the event log of feature "${flag}"`,
    undefined,
    signal,
  );
  return (body?.events ?? [])
    .filter((event) => event.environment == null || event.environment === environment)
    .sort((a, b) => b.id - a.id);
}

/** Events that change nothing about who gets the feature (labels, links, favourites, staleness). */
const METADATA_EVENTS = new Set([
  'feature-tagged',
  'feature-untagged',
  'feature-metadata-updated',
  'feature-link-added',
  'feature-link-updated',
  'feature-link-removed',
  'feature-favorited',
  'feature-unfavorited',
  'feature-stale-on',
  'feature-stale-off',
  'feature-potentially-stale-on',
]);

/**
 * What an event changed, as the keys a write plan uses: `env` (the environment's on/off), the title of one of
 * Switchyard's strategies, or `other: …` for anything else that decides who gets the feature (another
 * strategy, variants, dependencies). Undefined for metadata.
 */
export function eventTarget(event: UnleashEvent): string | undefined {
  if (METADATA_EVENTS.has(event.type)) return undefined;
  if (event.type === 'feature-environment-enabled' || event.type === 'feature-environment-disabled')
    return 'env';
  const strategy = (event.data ?? event.preData) as UnleashStrategy | null | undefined;
  if (event.type.startsWith('feature-strategy-') && strategy && (isRamp(strategy) || isSegment(strategy))) {
    return strategy.title ?? undefined;
  }
  return `other: ${event.type}`;
}

/**
 * Drift: the events newer than `sinceId`, not written by Switchyard (`own`), that touched something this call
 * does not set (`sets`: `env`, strategy titles) or something it is about to overwrite (`writes`), newest
 * first. An event that left an object exactly as this call wants it (an interrupted earlier attempt of the
 * same call, after a crash, or someone making the same change) overwrites nothing and is not drift.
 */
export function driftSince(
  events: readonly UnleashEvent[],
  sinceId: number,
  own: ReadonlySet<number>,
  sets: ReadonlySet<string>,
  writes: ReadonlySet<string>,
): UnleashEvent[] {
  return events.filter((event) => {
    if (event.id <= sinceId || own.has(event.id)) return false;
    const target = eventTarget(event);
    return target !== undefined && (!sets.has(target) || writes.has(target));
  });
}

/** One sentence per change, e.g. `alice changed strategy "Switchyard ramp": rollout 10 % → 50 % (event 14, 06:41:02 UTC)`. */
export function describeEvent(event: UnleashEvent): string {
  const who = event.createdBy || 'someone';
  const when = event.createdAt ? `, ${event.createdAt.slice(11, 19)} UTC` : '';
  return `${who} ${whatChanged(event)} (event ${event.id}${when})`;
}

function whatChanged(event: UnleashEvent): string {
  const after = event.data as UnleashStrategy | null | undefined;
  const before = event.preData as UnleashStrategy | null | undefined;
  switch (event.type) {
    case 'feature-environment-enabled':
      return `turned environment "${event.environment}" on`;
    case 'feature-environment-disabled':
      return `turned environment "${event.environment}" off`;
    case 'feature-strategy-add':
      return `added strategy ${after ? describeStrategy(after) : ''}`.trim();
    case 'feature-strategy-remove':
      return `removed strategy ${before ? describeStrategy(before) : ''}`.trim();
    case 'feature-strategy-update': {
      const name = after?.title ? `"${after.title}"` : (after?.name ?? 'a strategy');
      const from = before?.parameters?.rollout;
      const to = after?.parameters?.rollout;
      const rollout = from !== to && to !== undefined ? `: rollout ${from ?? '?'} % → ${to} %` : '';
      const constraints =
        JSON.stringify(before?.constraints ?? []) !== JSON.stringify(after?.constraints ?? [])
          ? `${rollout ? ',' : ':'} constraints changed`
          : '';
      const disabled = Boolean(before?.disabled) !== Boolean(after?.disabled);
      const toggled = disabled ? ` (${after?.disabled ? 'disabled' : 'enabled'} it)` : '';
      return `changed strategy ${name}${rollout}${constraints}${toggled}`;
    }
    default:
      return `made a change (${event.type})`;
  }
}
