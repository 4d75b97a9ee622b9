import type { UnleashHttp } from './unleash-http.ts';
import { describeStrategy, type UnleashStrategy } from './unleash-strategies.ts';

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

/** The events newer than `sinceId` that Switchyard did not write itself (drift), newest first. */
export function foreignEventsSince(
  events: readonly UnleashEvent[],
  sinceId: number,
  own: ReadonlySet<number>,
): UnleashEvent[] {
  return events.filter((event) => event.id > sinceId && !own.has(event.id));
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
