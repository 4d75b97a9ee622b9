import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../../src-main/sandbox/sandbox.ts';
import { startPrometheus, type PrometheusTestServer } from '../../support/prometheus.ts';
import { until } from './clients.ts';

/*
 * The runbook's own bash scripts, run against the sandbox with their names and URLs changed (issue #16, item 7),
 * plus the few other changes the table lists, each with its reason.
 *
 * The runbook is not ours to commit, so this test reads it at run time from the shared folder beside the clone
 * (`../shared/reference/deployment-strategies-runbook.md` from the repository root), cuts out the bash block that
 * starts with `# scripts/NAME.sh`, applies the substitutions of SUBSTITUTIONS below (every change is in that one
 * table, and each must still match the runbook, so a changed runbook fails here rather than running something else),
 * writes the result to a temporary file and runs it with bash, kubectl on PATH, against a sandbox started here.
 *
 * What the scripts reach and how:
 * - kubectl: the sandbox's kubeconfig through the KUBECONFIG environment variable (no flag added to the scripts).
 * - In-cluster URLs (`http://<clusterIP>/…`): a cluster IP is unreachable from a laptop, so they become the API
 *   server's Service proxy `https://127.0.0.1:PORT/api/v1/namespaces/NS/services/NAME:80/proxy/…`. curl gets the
 *   bearer token and accepts the sandbox's self-signed certificate through a `.curlrc` in CURL_HOME, so the
 *   scripts' curl lines change only in their URL.
 * - Prometheus: a real one (Debian's /usr/bin/prometheus via test/support/prometheus.ts) scraping the sandbox's
 *   /metrics with honor_labels, so `job="workflow-engine"` is the service's own label. The scripts query it with
 *   `kubectl exec -n monitoring deployment/prometheus -- promtool query instant http://localhost:9090 QUERY | jq …`.
 *   That line cannot run as printed anywhere but in the runbook's cluster: the sandbox runs no containers (no exec),
 *   and promtool prints no `{"data":{"result":…}}` envelope for the script's `jq '.data.result[0].value[1]'` to read.
 *   So the exec+promtool prefix becomes `prom_query`, a two-line function (added after `set -euo pipefail`) that asks
 *   the same Prometheus HTTP API `/api/v1/query`, which answers exactly the shape the script's jq reads. The PromQL
 *   and the jq/bc thresholds are unchanged. Besides shorter sleeps and the runbook fixes below, this is the one
 *   substitution that is more than a name or URL.
 * - `./scripts/smoke-tests.sh`: the runbook calls it but never prints it, so the test writes its own (a curl of
 *   /health/ready through the Service proxy) into the scripts' working directory.
 * - jq, bc, curl: Debian packages on PATH (scripts/install-test-deps.sh).
 * - Wall-clock sleeps: the scripts wait with `sleep`, which the sandbox's faster clock (speed 60) cannot shorten;
 *   the long ones are shortened in the table, each with its reason.
 *
 * The runbook's own mistakes, which running its scripts against the sandbox shows (rows of kind `runbook fix`,
 * applied only to the runs that name them, so each mistake is shown as printed first):
 * - error ratio: `rate(x{status=~"5.."}[5m]) / rate(x[5m])` matches series on all labels, `status` included, so it
 *   divides each 5xx series by itself and reads 1 as soon as one request failed (the reference service fails
 *   0.2 %): blue-green rolls back and validation fails on a false alarm. Fixed with sum() on both sides.
 * - blue weights: both branches of blue-green's "Calculate weights" are the same, so the next release (the one to
 *   blue) reports "Active environment is now: blue" while every request still goes to green.
 *
 * Not run: deploy-canary.sh drives `kubectl argo rollouts` (a plugin not installed here, and the sandbox stores
 * Argo Rollouts without driving them); migrate-database-zero-downtime.sh runs the application's console and psql
 * against its database, which is not a cluster's business.
 *
 * The journey, as an SRE would run it: blue-green to green (as printed: false alarm and roll back; fixed: green
 * takes the traffic), the next blue-green release to blue, a rolling update of platform-production's
 * workflow-engine, then the post-deployment validation of that version.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const RUNBOOK = resolve(repoRoot, '../shared/reference/deployment-strategies-runbook.md');

type ScriptName = 'deploy-blue-green' | 'rolling-update' | 'validate-deployment';

/** The runbook's own mistakes this test found, each corrected by a `runbook fix` row of SUBSTITUTIONS. */
type RunbookFix = 'error ratio' | 'blue weights';

interface Substitution {
  script: ScriptName;
  /**
   * `name`/`url`: what the brief allows; `sleep`: a shorter wall-clock wait; `tool`: see the header;
   * `runbook fix`: a correction of the runbook's own mistake, applied only to runs that ask for it by `fix`.
   */
  kind: 'name' | 'url' | 'sleep' | 'tool' | 'runbook fix';
  /** For a `runbook fix`: which mistake it corrects. */
  fix?: RunbookFix;
  /** Text of the runbook (a string, or a regular expression for a line broken with `\`). */
  from: string | RegExp;
  /** The replacement; `{API}` is the sandbox's https base URL, `{PROM}` the Prometheus URL. */
  to: string;
  why: string;
}

/** Every change made to the runbook's scripts. Nothing else differs from the printed text. */
const SUBSTITUTIONS: Substitution[] = [
  {
    script: 'deploy-blue-green',
    kind: 'name',
    from: 'virtualservice workflow-engine ',
    to: 'virtualservice workflow-engine-blue-green ',
    why: 'name: the reference scenario keeps the VirtualService `workflow-engine` for the canary (stable/canary subsets) and names the blue/green one `workflow-engine-blue-green` (runbook section "Blue-Green Deployment", blue route first)',
  },
  {
    script: 'deploy-blue-green',
    kind: 'url',
    from: 'http://$TARGET_ENDPOINT',
    to: '{API}/api/v1/namespaces/$TARGET_NAMESPACE/services/$SERVICE_NAME-$TARGET_ENV:80/proxy',
    why: 'URL: the target Service by its cluster IP is reachable only inside a cluster; the API server Service proxy reaches the same Service',
  },
  {
    script: 'deploy-blue-green',
    kind: 'sleep',
    from: 'sleep 0.1',
    to: 'sleep 0.01',
    why: 'wall-clock pacing of the 100 warm-up requests (10 s), shortened to keep the test short; every request is still sent',
  },
  {
    script: 'deploy-blue-green',
    kind: 'sleep',
    from: 'sleep 30',
    to: 'sleep 3',
    why: 'wall-clock wait for traffic to settle after the switch: 3 s is three Prometheus scrapes (1 s interval) and 3 minutes of sandbox traffic at speed 60',
  },
  {
    script: 'deploy-blue-green',
    kind: 'tool',
    from: /kubectl exec -n monitoring \\\n\s*deployment\/prometheus \\\n\s*-- promtool query instant \\\n\s*'http:\/\/localhost:9090'/g,
    to: "prom_query '{PROM}'",
    why: 'tool and URL: no exec into a Prometheus pod (the sandbox runs no containers), and promtool prints no `.data.result` for the jq that follows; prom_query asks the Prometheus HTTP API, whose answer is that shape',
  },
  // rolling-update.sh: nothing to change; it takes deployment, tag and namespace as arguments and talks only to kubectl.
  {
    script: 'validate-deployment',
    kind: 'sleep',
    from: 'VALIDATION_DURATION=300',
    to: 'VALIDATION_DURATION=4',
    why: 'wall-clock monitoring period of 5 minutes shortened to 4 s (several rounds of checks still run)',
  },
  {
    script: 'validate-deployment',
    kind: 'sleep',
    from: 'sleep 30',
    to: 'sleep 1',
    why: 'wall-clock pause between rounds of checks, shortened so several rounds fit in the 4 s period',
  },
  {
    script: 'validate-deployment',
    kind: 'tool',
    from: /kubectl exec -n monitoring deployment\/prometheus -- \\\n\s*promtool query instant http:\/\/localhost:9090/g,
    to: "prom_query '{PROM}'",
    why: 'tool and URL, as for deploy-blue-green',
  },
  {
    script: 'deploy-blue-green',
    kind: 'runbook fix',
    fix: 'error ratio',
    from: `'rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m])'`,
    to: `'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'`,
    why: 'the printed ratio divides each 5xx series by itself (vector matching on all labels, `status` included), so it reads 1 whenever any request failed; summing both sides gives the error ratio the script means',
  },
  {
    script: 'validate-deployment',
    kind: 'runbook fix',
    fix: 'error ratio',
    from: String.raw`"rate(http_requests_total{job=\"$SERVICE_NAME\",status=~\"5..\"}[5m]) / rate(http_requests_total{job=\"$SERVICE_NAME\"}[5m])"`,
    to: String.raw`"sum(rate(http_requests_total{job=\"$SERVICE_NAME\",status=~\"5..\"}[5m])) / sum(rate(http_requests_total{job=\"$SERVICE_NAME\"}[5m]))"`,
    why: 'the same mistake as in deploy-blue-green: without sum() the ratio is 1 as soon as one request failed',
  },
  {
    script: 'deploy-blue-green',
    kind: 'runbook fix',
    fix: 'blue weights',
    from: 'if [ "$TARGET_ENV" = "blue" ]; then\n        TARGET_WEIGHT=100\n        SOURCE_WEIGHT=0',
    to: 'if [ "$TARGET_ENV" = "blue" ]; then\n        TARGET_WEIGHT=0\n        SOURCE_WEIGHT=100',
    why: 'both branches of "Calculate weights" are the same, and the patch writes SOURCE_WEIGHT to route 0 (blue) and TARGET_WEIGHT to route 1 (green): a release to blue leaves all traffic on green while the script reports the switch; blue as target must put 100 on route 0',
  },
];

/** Added after `set -euo pipefail` in scripts that query Prometheus (see the header and the table above). */
const PROM_QUERY_FUNCTION = [
  'prom_query() {',
  '    curl -sfG "$1/api/v1/query" --data-urlencode "query=$2"',
  '}',
].join('\n');

let sb: SandboxHandle;
let prom: PrometheusTestServer;
let dir: string;
let api: string;

/** The bash block of the runbook that starts with `# scripts/NAME.sh`, from its `#!/bin/bash` line. */
function runbookScript(name: ScriptName): string {
  if (!existsSync(RUNBOOK))
    throw new Error(
      `The runbook is missing at ${RUNBOOK}: this test runs its scripts and expects the shared folder beside the repository (../shared/reference/).`,
    );
  const md = readFileSync(RUNBOOK, 'utf8');
  const marker = md.indexOf(`\n# scripts/${name}.sh\n`);
  if (marker < 0)
    throw new Error(`The runbook ${RUNBOOK} has no bash block starting with "# scripts/${name}.sh".`);
  const start = md.lastIndexOf('```bash\n', marker);
  const end = md.indexOf('\n```', marker);
  return md.slice(start + '```bash\n'.length, end + 1);
}

/** The runbook script with this table's substitutions applied; throws when one no longer matches. */
function substituted(name: ScriptName, fixes: readonly RunbookFix[]): string {
  let text = runbookScript(name);
  for (const s of SUBSTITUTIONS.filter((x) => x.script === name && (!x.fix || fixes.includes(x.fix)))) {
    const to = s.to.replaceAll('{API}', api).replaceAll('{PROM}', prom.url);
    const matches =
      typeof s.from === 'string' ? text.split(s.from).length - 1 : (text.match(s.from) ?? []).length;
    if (matches === 0)
      throw new Error(`Substitution for ${name}.sh no longer matches the runbook: ${String(s.from)}`);
    text = typeof s.from === 'string' ? text.replaceAll(s.from, to) : text.replace(s.from, () => to);
  }
  if (text.includes('prom_query'))
    text = text.replace('set -euo pipefail\n', `set -euo pipefail\n${PROM_QUERY_FUNCTION}\n`);
  return text;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the substituted runbook script with bash in `dir`, as an SRE would from a checkout holding scripts/. */
function runScript(name: ScriptName, args: string[], fixes: readonly RunbookFix[]): Promise<Run> {
  const file = join(dir, 'scripts', `${name}.sh`);
  writeFileSync(file, substituted(name, fixes), { mode: 0o755 });
  return new Promise((done) => {
    execFile(
      'bash',
      [file, ...args],
      {
        cwd: dir,
        timeout: 60_000,
        env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), CURL_HOME: dir, HOME: dir },
      },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

function kubectl(...args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), ...args], (err, stdout, stderr) =>
      err ? fail(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : done(stdout.trim()),
    );
  });
}

/** What an SRE sees when a script fails: its own words. */
function explain(r: Run): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-runbook-scripts-'));
  mkdirSync(join(dir, 'scripts'));
  sb = await startSandbox({ speed: 60 });
  api = `https://${new URL(sb.url).host}`;
  sb.writeKubeconfig(join(dir, 'kubeconfig'), 'sandbox');
  writeFileSync(join(dir, '.curlrc'), `insecure\nheader = "Authorization: Bearer ${sb.token}"\n`, {
    mode: 0o600,
  });
  // Ours, not the runbook's (it never prints one): the Service answers /health/ready through the API server proxy.
  const smoke = join(dir, 'scripts', 'smoke-tests.sh');
  writeFileSync(
    smoke,
    [
      '#!/bin/bash',
      'set -euo pipefail',
      `url="\${TEST_ENDPOINT:-${api}/api/v1/namespaces/\${2:-}/services/\${1:-}:80/proxy}"`,
      'curl -fsS "$url/health/ready" >/dev/null',
      'echo "smoke: $url/health/ready answered"',
    ].join('\n'),
  );
  chmodSync(smoke, 0o755);
  prom = await startPrometheus({ targets: [new URL(sb.url).host], job: 'sandbox', honorLabels: true });
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The error ratio the scripts mean (all 5xx over all requests), straight from Prometheus. */
async function trueErrorRatio(job?: string): Promise<number> {
  const sel = job ? `job="${job}",` : '';
  const q = `sum(rate(http_requests_total{${sel}status=~"5.."}[5m])) / sum(rate(http_requests_total{${job ? `job="${job}"` : ''}}[5m]))`;
  const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1]);
}

function vsWeights(): Promise<string> {
  return kubectl(
    'get',
    'virtualservice',
    'workflow-engine-blue-green',
    '-n',
    'platform-production',
    '-o',
    'jsonpath={.spec.http[0].route[*].weight}',
  );
}

function image(namespace: string): Promise<string> {
  return kubectl(
    'get',
    'deployment',
    'workflow-engine',
    '-n',
    namespace,
    '-o',
    'jsonpath={.spec.template.spec.containers[0].image}',
  );
}

/** Requests the workflow-engine pods of `namespace` served over the last 30 s of sandbox time. */
function recentRequests(namespace: string): number {
  return sb.stats({ namespace, job: 'workflow-engine', windowSeconds: 30 }).requests ?? 0;
}

/** The script's own lines an SRE reads, each in its standard output. */
function expectSaid(r: Run, lines: string[]): void {
  for (const line of lines) expect(r.stdout, explain(r)).toContain(line);
}

/** Waits until the users' requests reach the `to` colour's pods and no longer the `from` colour's. */
function trafficMoves(from: 'blue' | 'green', to: 'blue' | 'green'): Promise<true> {
  return until(
    () =>
      recentRequests(`platform-production-${to}`) > 0 && recentRequests(`platform-production-${from}`) === 0
        ? true
        : undefined,
    20_000,
    `the traffic to move from ${from} to ${to}`,
  );
}

describe("the runbook's bash scripts against the sandbox", () => {
  it('deploy-blue-green.sh as printed deploys green, then rolls the traffic back on a false error-rate alarm', async () => {
    const r = await runScript('deploy-blue-green', ['v1.25.0'], []);
    expect(r.code, explain(r)).toBe(1);
    expectSaid(r, [
      'Active environment: blue',
      'Deployment complete. All 5 pods are ready.',
      'Smoke tests passed',
      'Traffic switched to green',
    ]);
    // The runbook's PromQL divides each 5xx series by itself: 1, while the service fails about 0.2 % of requests.
    expect(r.stdout).toContain('Error rate too high: 1');
    expect(await trueErrorRatio()).toBeLessThan(0.01);
    expect(r.stdout).toContain('Rollback complete');

    expect(await image('platform-production-green')).toBe('registry.platform.com/workflow-engine:v1.25.0');
    expect(await vsWeights()).toBe('100 0');
  }, 60_000);

  it('deploy-blue-green.sh with its error ratio fixed moves the traffic to green and keeps blue for a switch back', async () => {
    const r = await runScript('deploy-blue-green', ['v1.25.0'], ['error ratio']);
    expect(r.code, explain(r)).toBe(0);
    expectSaid(r, [
      'Active environment: blue',
      'Deployment complete. All 5 pods are ready.',
      'Production validation passed',
      'Active environment is now: green',
    ]);

    expect(await vsWeights()).toBe('0 100');
    expect(
      await kubectl(
        'get',
        'deployment',
        'workflow-engine',
        '-n',
        'platform-production-green',
        '-o',
        'jsonpath={.status.readyReplicas}',
      ),
    ).toBe('5');
    expect(await image('platform-production-blue')).toBe('registry.platform.com/workflow-engine:v1.24.0');
    // The users' requests now reach green's pods, and no longer blue's.
    await trafficMoves('blue', 'green');
  }, 60_000);

  it('deploy-blue-green.sh, the next release (to blue), reports a switch it does not make until its weights are fixed', async () => {
    // Release after release: green is live, so this release goes to blue.
    const printed = await runScript('deploy-blue-green', ['v1.26.0'], ['error ratio']);
    expect(printed.code, explain(printed)).toBe(0);
    expectSaid(printed, ['Active environment: green', 'Active environment is now: blue']);
    expect(await image('platform-production-blue')).toBe('registry.platform.com/workflow-engine:v1.26.0');
    // What an SRE would notice: the users are still on green.
    expect(await vsWeights()).toBe('0 100');
    expect(recentRequests('platform-production-blue')).toBe(0);

    const fixed = await runScript('deploy-blue-green', ['v1.26.0'], ['error ratio', 'blue weights']);
    expect(fixed.code, explain(fixed)).toBe(0);
    expect(fixed.stdout).toContain('Active environment is now: blue');
    expect(await vsWeights()).toBe('100 0');
    await trafficMoves('green', 'blue');
  }, 60_000);

  it('rolling-update.sh, unchanged, rolls platform-production to the new image', async () => {
    const r = await runScript('rolling-update', ['workflow-engine', 'v1.25.0', 'platform-production'], []);
    expect(r.code, explain(r)).toBe(0);
    expectSaid(r, ['Deployment validated successfully', 'Rolling update completed successfully']);

    expect(await image('platform-production')).toBe('registry.platform.com/workflow-engine:v1.25.0');
    const [ready, replicas] = (
      await kubectl(
        'get',
        'deployment',
        'workflow-engine',
        '-n',
        'platform-production',
        '-o',
        'jsonpath={.status.readyReplicas} {.spec.replicas}',
      )
    ).split(' ');
    expect(ready).toBe(replicas);
    const images = await kubectl(
      'get',
      'pods',
      '-n',
      'platform-production',
      '-l',
      'app=workflow-engine',
      '-o',
      'jsonpath={.items[*].spec.containers[0].image}',
    );
    expect(new Set(images.split(' '))).toEqual(new Set(['registry.platform.com/workflow-engine:v1.25.0']));
  }, 60_000);

  it('validate-deployment.sh confirms the rolled version; as printed it fails on the same false alarm', async () => {
    const printed = await runScript(
      'validate-deployment',
      ['workflow-engine', 'platform-production', 'v1.25.0'],
      [],
    );
    expect(printed.code, explain(printed)).toBe(1);
    expect(printed.stdout).toContain('Version correct: v1.25.0');
    expect(printed.stderr).toContain('Error rate too high: 1 (threshold: 0.02)');
    expect(await trueErrorRatio('workflow-engine')).toBeLessThan(0.02);

    const r = await runScript(
      'validate-deployment',
      ['workflow-engine', 'platform-production', 'v1.25.0'],
      ['error ratio'],
    );
    expect(r.code, explain(r)).toBe(0);
    expectSaid(r, ['Version correct: v1.25.0', 'Smoke tests passed']);
    expect(r.stdout).toMatch(/Error rate OK: 0\.\d/);
    expect(r.stdout).toMatch(/P95 latency OK: \d+(\.\d+)?ms/);
    expect(r.stdout).toContain('Deployment validation successful');
  }, 60_000);
});
