import { expect } from 'vitest';
import { stringify } from 'yaml';
import { defaultPlan } from '../../src-shared/plan/plan.defaults.ts';
import type { ReleaseRunStatus } from '../../src-shared/release/release.schema.ts';
import { createEngine, type Engine, type EngineOptions } from '../../src-main/app/engine.ts';

/**
 * The reference canary of workflow-engine judged on its error rate alone (two measurements 30 s apart, none
 * may fail): 50 % → analysis → 100 % unless `steps` says otherwise (`template` names the analysis template).
 */
export function errorRateCanaryText(
  options: { version?: string; steps?: (template: string) => unknown[] } = {},
): string {
  const plan = defaultPlan('canary', {
    namespace: 'platform-production',
    name: 'workflow-engine',
    image: `registry.platform.com/workflow-engine:${options.version ?? 'v1.25.0'}`,
  });
  const template = plan.analysis.templates[0]!;
  const metrics = template.metrics
    .filter((m) => m.kind === 'error-rate')
    .map((m) => ({ ...m, interval: '30s', count: 2, failureLimit: 0 }));
  const steps = options.steps?.(template.name) ?? [
    { setWeight: 50 },
    { analysis: { templates: [template.name] } },
    { setWeight: 100 },
  ];
  return stringify({
    ...plan,
    analysis: { templates: [{ ...template, metrics }] },
    strategy: { kind: 'canary', steps },
  });
}

/** A console as the web shell wires it, with no kubeconfig unless `options.env` names one. */
export function testConsole(options: Partial<EngineOptions> = {}): Engine {
  return createEngine({ shell: 'web', version: 'test', env: { KUBECONFIG: '/nonexistent' }, ...options });
}

/** Waits until release `id`, as the console shows it, has `status`. */
export async function untilStatus(
  engine: Engine,
  id: string,
  status: ReleaseRunStatus,
  timeoutMs = 20_000,
): Promise<void> {
  await expect
    .poll(async () => (await engine.handlers['release:get']({ id })).snapshot?.status, { timeout: timeoutMs })
    .toBe(status);
}
