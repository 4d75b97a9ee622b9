import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';

/*
 * The sandbox at cluster scale: `large` (1,000 Deployments, 10,000 pods) and `huge` (5,000 Deployments, 50,000 pods).
 * Each runs in its own process (as `switchyard sandbox --scenario NAME`) so its memory is measured alone; the same
 * list is timed through @kubernetes/client-node and through the kubectl on PATH.
 */

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-'));

interface Figures {
  scenario: string;
  pods: number;
  listMs: number;
  kubectlListMs: number | null;
  watchEventsPerSecond: number;
  rssMb: number;
  peakRssMb: number;
  startupMs: number;
}

function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const kb = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb ?? 0) / 1024);
}

async function kubectlList(kubeconfig: string): Promise<{ ms: number; lines: number } | null> {
  try {
    const t0 = performance.now();
    const { stdout } = await run(
      'kubectl',
      ['--kubeconfig', kubeconfig, 'get', 'pods', '-A', '--no-headers'],
      {
        maxBuffer: 1 << 30,
        timeout: 300_000,
      },
    );
    return { ms: Math.round(performance.now() - t0), lines: stdout.split('\n').filter(Boolean).length };
  } catch (error) {
    console.log(
      `kubectl list failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
    return null;
  }
}

async function bench(scenario: string): Promise<Figures> {
  const kubeconfig = join(dir, `${scenario}.kubeconfig`);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['bin/switchyard.mjs', 'sandbox', '--scenario', scenario, '--port', '0', '--kubeconfig-out', kubeconfig],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the ${scenario} sandbox exited with code ${code}`)));
  });
  const startupMs = Math.round(performance.now() - started);
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);

    const listTimes: number[] = [];
    let pods = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      pods = (await core.listPodForAllNamespaces()).items.length;
      listTimes.push(performance.now() - t0);
    }
    listTimes.sort((a, b) => a - b);
    const listMs = Math.round(listTimes[1]!);
    console.log(
      `${scenario}: list ${pods} pods through @kubernetes/client-node: median ${listMs} ms (of ${listTimes.map(Math.round).join(', ')})`,
    );
    const kubectl = await kubectlList(kubeconfig);
    if (kubectl) console.log(`${scenario}: kubectl get pods -A: ${kubectl.lines} lines in ${kubectl.ms} ms`);

    // A watch without a resourceVersion starts with every pod as an ADDED event, as a client's first watch does
    // (replaying from resourceVersion 1 is no longer possible for `huge`: its history outgrows the 100,000 events
    // a watch can resume from, and the server answers 410 as a real one would).
    let events = 0;
    let first = 0;
    let last = 0;
    const ctl = await new k8s.Watch(kc).watch(
      '/api/v1/pods',
      {},
      () => {
        const now = performance.now();
        if (events++ === 0) first = now;
        last = now;
      },
      () => undefined,
    );
    for (let quiet = 0; quiet < 5;) {
      const before = events;
      await new Promise((r) => setTimeout(r, 100));
      quiet = events === before && events > 0 ? quiet + 1 : 0;
    }
    ctl.abort();
    const watchEventsPerSecond = Math.round(events / Math.max(0.001, (last - first) / 1000));
    console.log(`${scenario}: watch delivered ${events} pod events at ${watchEventsPerSecond} events/s`);

    const rssMb = memoryMb(child.pid!, 'VmRSS');
    const peakRssMb = memoryMb(child.pid!, 'VmHWM');
    console.log(
      `${scenario}: sandbox resident memory ${rssMb} MB (peak ${peakRssMb} MB); startup ${startupMs} ms`,
    );
    return {
      scenario,
      pods,
      listMs,
      kubectlListMs: kubectl?.ms ?? null,
      watchEventsPerSecond,
      rssMb,
      peakRssMb,
      startupMs,
    };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

const large = await bench('large');
const huge = await bench('huge');
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: 'sandbox',
    list_10k_pods_ms: large.listMs,
    target_list_10k_pods_ms: 1500,
    kubectl_list_10k_pods_ms: large.kubectlListMs,
    list_50k_pods_ms: huge.listMs,
    target_list_50k_pods_ms: 6000,
    kubectl_list_50k_pods_ms: huge.kubectlListMs,
    watch_events_per_s: Math.min(large.watchEventsPerSecond, huge.watchEventsPerSecond),
    target_watch_events_per_s: 20000,
    rss_large_mb: large.rssMb,
    rss_huge_mb: huge.rssMb,
    peak_rss_huge_mb: huge.peakRssMb,
    target_rss_huge_mb: 600,
    startup_large_ms: large.startupMs,
    startup_huge_ms: huge.startupMs,
  }),
);
