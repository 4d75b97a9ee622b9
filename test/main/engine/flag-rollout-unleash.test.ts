import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeReleaseOps } from '../../../src-main/adapters/kube/release-ops.ts';
import { createSandboxAnalysis } from '../../../src-main/adapters/sandbox-metrics/sandbox-analysis.ts';
import { flagProviderFor } from '../../../src-main/app/flag-providers.ts';
import { createFileJournal } from '../../../src-main/engine/journal/file-journal.ts';
import { startRelease, type ReleaseHandle } from '../../../src-main/engine/runner/release-runner.ts';
import type { FlagProvider } from '../../../src-main/ports/exposure.port.ts';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { parsePlan } from '../../../src-shared/plan/plan.parse.ts';
import type { ReleasePlan } from '../../../src-shared/plan/plan.schema.ts';
import { startUnleash, type UnleashTestServer } from '../../support/unleash.ts';
import { closeSoon } from '../adapters/kube/sandbox-fixture.ts';

let server: UnleashTestServer;
let sb: SandboxHandle;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-unleash-ramp-'));

beforeAll(async () => {
  [server, sb] = await Promise.all([startUnleash(), startSandbox({ scenario: 'flags', speed: 100 })]);
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.stop(), sb ? closeSoon(sb) : undefined]);
  rmSync(dir, { recursive: true, force: true });
});

/** A plan ramping the Unleash feature `flag` (created here, off) through `steps`; the token comes from the env. */
async function planFor(flag: string, steps: string): Promise<ReleasePlan> {
  const response = await fetch(`${server.url}/api/admin/projects/default/features`, {
    method: 'POST',
    headers: { authorization: server.adminToken, 'content-type': 'application/json' },
    body: JSON.stringify({ name: flag, type: 'release' }),
  });
  if (!response.ok) throw new Error(`creating ${flag}: HTTP ${response.status}`);
  const parsed = parsePlan(`
name: ${flag}
target: { namespace: shop, name: checkout, image: registry.platform.com/checkout:v2.3.0 }
router: { kind: service-selector, service: checkout }
strategy:
  kind: flag-rollout
  provider: { kind: unleash, url: "${server.url}", environment: development, tokenEnv: TEST_UNLEASH_TOKEN }
  flag: ${flag}
  steps:
${steps}
`);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.plan;
}

async function start(plan: ReleasePlan): Promise<{ handle: ReleaseHandle; flags: FlagProvider }> {
  const flags = (await flagProviderFor(plan, {
    kubeconfigYaml: sb.kubeconfigYaml(),
    env: { TEST_UNLEASH_TOKEN: server.adminToken },
  })) as FlagProvider;
  const handle = await startRelease({
    plan,
    ops: createKubeReleaseOps(sb.kubeconfigYaml(), plan, { pollMs: 50 }),
    flags,
    analysis: createSandboxAnalysis({ url: sb.url, token: sb.token }),
    clock: sb.clock,
    journal: createFileJournal({ dir: join(dir, plan.name), user: 'test' }),
    who: { user: 'test', context: 'sandbox' },
  });
  return { handle, flags };
}

describe('a flag ramp driving a real Unleash', () => {
  it('ramps the feature through its steps to everyone, read back from Unleash', async () => {
    const plan = await planFor(
      'ramp-good',
      '    - setPercentage: 10\n    - pause: { duration: 30s }\n    - setPercentage: 50\n    - pause: { duration: 30s }\n    - setPercentage: 100',
    );
    const { handle, flags } = await start(plan);
    const outcome = await handle.done;
    expect(outcome.kind, outcome.reason).toBe('completed');
    const r = await flags.read();
    expect(r.enabled).toBe(true);
    expect(r.percent[r.newVariant]).toBe(100);
    expect(outcome.snapshot.traffic.actual).toEqual({ off: 0, on: 100 });
  }, 60_000);

  it('the operator pulling the kill switch turns the environment off: everyone gets off, read back and recorded', async () => {
    const plan = await planFor('ramp-killed', '    - setPercentage: 25\n    - pause: {}');
    const { handle, flags } = await start(plan);
    while (handle.getSnapshot().status !== 'paused') await new Promise((r) => setTimeout(r, 20));
    expect((await flags.read()).percent.on).toBe(25);
    handle.send({ type: 'ABORT', reason: 'checkout errors' }, 'alice');
    const outcome = await handle.done;
    expect(outcome.kind, outcome.reason).toBe('aborted');
    expect(outcome.reason).toMatch(
      /^Kill switch pulled: flag "ramp-killed" serves 0 % on \(everyone else off\), read back from .*Why: alice pulled the kill switch on flag "ramp-killed" at step 2 \(checkout errors\)\.$/,
    );
    const r = await flags.read();
    expect(r.enabled).toBe(false);
    expect(outcome.snapshot.traffic.actual?.on).toBe(0);
  }, 60_000);
});
