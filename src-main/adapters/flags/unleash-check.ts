import type { FlagCheck } from '../../ports/exposure.port.ts';
import { UnleashError, type UnleashHttp } from './unleash-http.ts';
import { describeStrategy, isRamp, isSegment, type UnleashFeature } from './unleash-strategies.ts';

/** What a ramp edits: strategies of one environment, and the environment's on/off (the kill switch). */
const EDIT_PERMISSIONS = [
  'CREATE_FEATURE_STRATEGY',
  'UPDATE_FEATURE_STRATEGY',
  'DELETE_FEATURE_STRATEGY',
  'UPDATE_FEATURE_ENVIRONMENT',
];

interface Permission {
  permission: string;
  project?: string;
  environment?: string;
}

/**
 * Preflight against a real Unleash: reachable, token authorised, project, feature and environment exist,
 * the token may edit the environment's strategies and turn it on and off, and which strategies Switchyard
 * did not write. Stops at the first finding the later ones depend on; never throws for what it finds.
 */
export async function checkUnleash(
  http: UnleashHttp,
  target: { project: string; environment: string; flag: string },
  signal?: AbortSignal,
): Promise<FlagCheck[]> {
  const findings: FlagCheck[] = [];
  const fail = (check: string, error: unknown): FlagCheck[] => {
    const detail = error instanceof UnleashError ? error.message : http.redact(String(error));
    findings.push({ check, ok: false, detail });
    return findings;
  };

  try {
    await http.request('GET', 'health', 'checking its health', undefined, signal);
    findings.push({
      check: 'reachable',
      ok: true,
      detail: `${http.display} answers and reports itself healthy.`,
    });
  } catch (error) {
    return fail('reachable', error);
  }

  let permissions: Permission[];
  try {
    const me = await http.request<{ permissions?: Permission[] }>(
      'GET',
      'api/admin/user',
      'checking what the token may do',
      undefined,
      signal,
    );
    permissions = me?.permissions ?? [];
    findings.push({ check: 'authorised', ok: true, detail: `${http.display} accepts the API token.` });
  } catch (error) {
    return fail('authorised', error);
  }

  try {
    await http.request(
      'GET',
      `api/admin/projects/${encodeURIComponent(target.project)}`,
      `reading project "${target.project}"`,
      undefined,
      signal,
    );
    findings.push({ check: 'project exists', ok: true, detail: `Project "${target.project}" exists.` });
  } catch (error) {
    return fail('project exists', error);
  }

  let feature: UnleashFeature;
  try {
    feature = await http.request<UnleashFeature>(
      'GET',
      `api/admin/projects/${encodeURIComponent(target.project)}/features/${encodeURIComponent(target.flag)}`,
      `reading feature "${target.flag}"`,
      undefined,
      signal,
    );
    findings.push({
      check: 'flag exists',
      ok: true,
      detail: `Feature "${target.flag}" exists in project "${target.project}".`,
    });
  } catch (error) {
    if (error instanceof UnleashError && error.kind === 'notFound') {
      findings.push({
        check: 'flag exists',
        ok: false,
        detail: `Project "${target.project}" has no feature "${target.flag}"; create it in Unleash first.`,
      });
      return findings;
    }
    return fail('flag exists', error);
  }

  const env = feature.environments.find((e) => e.name === target.environment);
  if (!env) {
    const names = feature.environments.map((e) => `"${e.name}"`).join(', ') || 'none';
    findings.push({
      check: 'environment exists',
      ok: false,
      detail: `Feature "${target.flag}" has no environment "${target.environment}" (it has ${names}); enable the environment for project "${target.project}".`,
    });
    return findings;
  }
  findings.push({
    check: 'environment exists',
    ok: true,
    detail: `Environment "${target.environment}" is ${env.enabled ? 'on' : 'off'} for feature "${target.flag}".`,
  });

  const missing = EDIT_PERMISSIONS.filter(
    (name) => !allows(permissions, name, target.project, target.environment),
  );
  findings.push(
    missing.length === 0
      ? {
          check: 'can edit',
          ok: true,
          detail: `The token may edit the strategies of "${target.environment}" and turn it on and off.`,
        }
      : {
          check: 'can edit',
          ok: false,
          detail: `The token lacks ${missing.join(', ')} in project "${target.project}", environment "${target.environment}".`,
        },
  );

  const foreign = env.strategies.filter((s) => !isRamp(s) && !isSegment(s));
  findings.push(
    foreign.length === 0
      ? {
          check: 'strategies',
          ok: true,
          detail: `Only Switchyard's strategies serve the feature in "${target.environment}".`,
        }
      : {
          check: 'strategies',
          ok: false,
          detail: `Other strategies also serve the feature in "${target.environment}", whatever the ramp's percentage: ${foreign.map(describeStrategy).join('; ')}. Remove them, or the ramp exposes more users than it says.`,
        },
  );
  return findings;
}

function allows(
  permissions: readonly Permission[],
  name: string,
  project: string,
  environment: string,
): boolean {
  return permissions.some(
    (p) =>
      p.permission === 'ADMIN' ||
      (p.permission === name &&
        (p.project === undefined || p.project === '*' || p.project === project) &&
        (p.environment === undefined || p.environment === '*' || p.environment === environment)),
  );
}
