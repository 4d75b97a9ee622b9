import type { ProfileRule } from '../profiles.ts';

/**
 * A fault (or any behaviour change) for one service version, or for the requests served with one feature-flag
 * variant; fields left out keep their value. Set with `SandboxHandle.setFault`, `POST /_sandbox/faults` or
 * `switchyard sandbox fault`.
 */
export interface SandboxFault {
  namespace?: string;
  service: string;
  /** Image tag; may be left out when `variant` is given (then every version's requests with that variant). */
  version?: string;
  /** Only requests served with this feature-flag variant (e.g. `on`) fail or slow down. */
  variant?: string;
  /** Share of requests failing with 5xx, ratio 0..1. */
  errorRate?: number;
  /** 95th percentile latency, milliseconds. */
  p95Ms?: number;
  /** Saturation, ratio 0..1. */
  saturation?: number;
  crashLoop?: boolean;
  neverReady?: boolean;
  /** Image pulls fail (`ErrImagePull`, then `ImagePullBackOff`). */
  imagePullFails?: boolean;
  /** Containers are OOM-killed after turning ready, and restart with back-off. */
  oomKill?: boolean;
  /** Seconds of sandbox time from pod creation to the container running (a slow start). */
  startupSeconds?: number;
}

/** Checks a fault's values; throws RangeError naming the bad field. */
export function validateFault(f: SandboxFault): void {
  if (!f || typeof f.service !== 'string' || !f.service)
    throw new RangeError('A fault needs a service and a version (or a feature-flag variant).');
  const named = (v: unknown) => typeof v === 'string' && v !== '';
  if (!named(f.version) && !named(f.variant))
    throw new RangeError('A fault needs a service and a version (or a feature-flag variant).');
  for (const k of ['version', 'variant'] as const)
    if (f[k] !== undefined && !named(f[k]))
      throw new RangeError(`${k} must be a non-empty name, got ${JSON.stringify(f[k])}.`);
  if (
    f.variant !== undefined &&
    (f.crashLoop !== undefined ||
      f.neverReady !== undefined ||
      f.imagePullFails !== undefined ||
      f.oomKill !== undefined ||
      f.startupSeconds !== undefined)
  )
    throw new RangeError(
      'A fault for a feature-flag variant changes only its requests (errorRate, p95Ms, saturation); pods have no variant.',
    );
  const ratio = (k: 'errorRate' | 'saturation') => {
    const v = f[k];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0 && v <= 1)))
      throw new RangeError(`${k} must be a ratio between 0 and 1, got ${String(v)}.`);
  };
  ratio('errorRate');
  ratio('saturation');
  if (f.p95Ms !== undefined && (typeof f.p95Ms !== 'number' || !(f.p95Ms > 0)))
    throw new RangeError(`p95Ms must be a positive number of milliseconds, got ${String(f.p95Ms)}.`);
  if (
    f.startupSeconds !== undefined &&
    (typeof f.startupSeconds !== 'number' || !(f.startupSeconds >= 0) || !Number.isFinite(f.startupSeconds))
  )
    throw new RangeError(`startupSeconds must be zero or more seconds, got ${String(f.startupSeconds)}.`);
  for (const k of ['crashLoop', 'neverReady', 'imagePullFails', 'oomKill'] as const)
    if (f[k] !== undefined && typeof f[k] !== 'boolean')
      throw new RangeError(`${k} must be true or false, got ${String(f[k])}.`);
}

export /** The behaviour-profile rule a fault sets (a p95 at or below the median moves the median down too). */
function faultRule(f: SandboxFault, current: { p50Ms: number }): ProfileRule {
  return {
    service: f.service,
    ...(f.version ? { version: f.version } : {}),
    ...(f.variant ? { variant: f.variant } : {}),
    ...(f.namespace ? { namespace: f.namespace } : {}),
    ...(f.errorRate !== undefined ? { errorRate: f.errorRate } : {}),
    ...(f.p95Ms !== undefined
      ? { p95Ms: f.p95Ms, ...(current.p50Ms >= f.p95Ms ? { p50Ms: f.p95Ms / 3 } : {}) }
      : {}),
    ...(f.saturation !== undefined ? { saturation: f.saturation } : {}),
    ...(f.crashLoop !== undefined ? { crashLoop: f.crashLoop } : {}),
    ...(f.neverReady !== undefined ? { neverReady: f.neverReady } : {}),
    ...(f.imagePullFails !== undefined ? { imagePullFails: f.imagePullFails } : {}),
    ...(f.oomKill !== undefined ? { oomKill: f.oomKill } : {}),
    ...(f.startupSeconds !== undefined ? { startupSeconds: f.startupSeconds } : {}),
  };
}
