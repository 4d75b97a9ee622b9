import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { JOURNAL_FILES } from '../../../../src-main/engine/journal/file-journal.ts';
import { startSandbox, type SandboxHandle } from '../../../../src-main/sandbox/sandbox.ts';
import { until } from '../../sandbox/clients.ts';
import { laptopFlags, leaseApi, rollingPlanFile } from '../../../support/laptop.ts';

const ROOT = join(import.meta.dirname, '../../../..');
const NS = 'platform-production';
const LEASE = 'switchyard-deployment-workflow-engine';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-lease-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PLAN = rollingPlanFile(dir, 'v1.26.0');

/**
 * A plain-HTTP proxy in front of the sandbox that forwards everything but the first write to the workload or its
 * router (dry runs and the Lease pass), which it holds unanswered: the release is then exactly between taking
 * its lease and its first mutation.
 */
async function holdFirstMutation(
  upstream: string,
): Promise<{ url: string; held: () => boolean; close(): void }> {
  let held: IncomingMessage | null = null;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    const write = req.method !== 'GET';
    if (!held && write && /\/apis\/(apps|networking\.istio\.io)\//.test(url) && !/dryRun=/.test(url)) {
      held = req;
      return;
    }
    const up = request(`${upstream}${url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held !== null,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `switchyard run …` in a process of its own, as a second terminal or laptop runs it. */
function switchyard(args: string[]): { child: ChildProcess; out: () => string; exit: Promise<Exit> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/switchyard.mjs'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const exit = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, out: () => stdout, exit };
}

describe('SIGKILL between the lease and the first mutation', () => {
  let sb: SandboxHandle | undefined;
  let proxy: Awaited<ReturnType<typeof holdFirstMutation>> | undefined;
  afterAll(async () => {
    proxy?.close();
    await sb?.close();
  });

  it('the resume takes its own lease back and completes; another release is refused, and once the lease is stale needs --take-over', async () => {
    sb = await startSandbox({ speed: 100 });
    proxy = await holdFirstMutation(sb.url);
    const direct = join(dir, 'sandbox.kubeconfig');
    sb.writeKubeconfig(direct, 'sandbox');
    const viaProxy = join(dir, 'proxy.kubeconfig');
    writeFileSync(viaProxy, readFileSync(direct, 'utf8').replace(/https:\/\/127\.0\.0\.1:\d+/, proxy.url), {
      mode: 0o600,
    });
    const kc = new KubeConfig();
    kc.loadFromString(sb.kubeconfigYaml());
    const leases = leaseApi(sb);
    const apps = kc.makeApiClient(AppsV1Api);
    const on = (kubeconfig: string, journal: string) => laptopFlags(kubeconfig, join(dir, journal));

    // Laptop A starts a rolling update; its first mutation never arrives, and the process is killed right there.
    const a = switchyard(['run', PLAN, ...on(viaProxy, 'laptop-a'), '--yes']);
    const id = await until(
      () => (proxy!.held() ? /^release (\S+)$/m.exec(a.out())?.[1] : undefined),
      60_000,
      'the first mutation',
    );
    a.child.kill('SIGKILL');
    expect((await a.exit).signal).toBe('SIGKILL');
    const lease = await leases.readNamespacedLease({ name: LEASE, namespace: NS });
    expect(lease.spec?.holderIdentity).toBe(id);
    // Nothing was changed yet: the Deployment still runs the old version.
    const workload = await apps.readNamespacedDeployment({ name: 'workflow-engine', namespace: NS });
    expect(workload.spec?.template.spec?.containers[0]?.image).toBe(
      'registry.platform.com/workflow-engine:v1.24.0',
    );

    // Laptop B: refused while the lease is fresh, naming the killed release.
    const live = await switchyard(['run', PLAN, ...on(direct, 'laptop-b'), '--yes']).exit;
    expect(live.code).toBe(1);
    expect(live.stderr).toContain(
      `error: deployment platform-production/workflow-engine is held by release ${id} of ${userInfo().username} on ${hostname()} (since `,
    );
    expect(live.stderr).toContain('a second release of it is refused until that one ends.');

    // What the cluster shows 60 s after the kill: the holder stopped renewing. B must now confirm a takeover.
    const current = await leases.readNamespacedLease({ name: LEASE, namespace: NS });
    await leases.replaceNamespacedLease({
      name: LEASE,
      namespace: NS,
      body: { ...current, spec: { ...current.spec, renewTime: new V1MicroTime(Date.now() - 60_000) } },
    });
    const stale = await switchyard(['run', PLAN, ...on(direct, 'laptop-b'), '--yes']).exit;
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(
      /\(\d+ s ago\)\); it stopped renewing its 30 s lease, .*run again with --take-over/,
    );
    expect((await leases.readNamespacedLease({ name: LEASE, namespace: NS })).spec?.holderIdentity).toBe(id);

    // Laptop A's resume continues from the journal: same release id, so it takes its own lease back.
    const resumed = await switchyard(['run', '--resume', id, ...on(direct, 'laptop-a')]).exit;
    expect(resumed.code, `${resumed.stdout}\n${resumed.stderr}`).toBe(0);
    expect(resumed.stdout).toMatch(/^completed: /m);
    const audit = readFileSync(join(dir, 'laptop-a', id, JOURNAL_FILES.audit), 'utf8');
    expect(audit).not.toContain('taking over');
    await expect(leases.readNamespacedLease({ name: LEASE, namespace: NS })).rejects.toMatchObject({
      code: 404,
    });
  }, 240_000);
});
