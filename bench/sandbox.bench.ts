import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as k8s from '@kubernetes/client-node';

// The sandbox runs in its own process (as `switchyard sandbox --scenario large`) so its memory is measured alone.
const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-'));
const started = performance.now();
const child = spawn(
  process.execPath,
  [
    'bin/switchyard.mjs',
    'sandbox',
    '--scenario',
    'large',
    '--port',
    '0',
    '--kubeconfig-out',
    join(dir, 'kubeconfig'),
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const kubeconfig = await new Promise<string>((resolve, reject) => {
  createInterface({ input: child.stdout! }).once('line', resolve);
  child.once('exit', (code) => reject(new Error(`the sandbox exited with code ${code}`)));
});
const startupMs = Math.round(performance.now() - started);

const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);

const listTimes: number[] = [];
let podCount = 0;
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const pods = await core.listPodForAllNamespaces();
  listTimes.push(performance.now() - t0);
  podCount = pods.items.length;
}
listTimes.sort((a, b) => a - b);
const listMs = Math.round(listTimes[1]!);
console.log(
  `list ${podCount} pods through @kubernetes/client-node: median ${listMs} ms (of ${listTimes.map(Math.round).join(', ')})`,
);

// Replays every pod change since the scenario was laid down: creations, scheduling and status updates.
let events = 0;
let first = 0;
let last = 0;
const watch = new k8s.Watch(kc);
const ctl = await watch.watch(
  '/api/v1/pods',
  { resourceVersion: '1' },
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
const eventsPerSecond = Math.round(events / Math.max(0.001, (last - first) / 1000));
console.log(`watch delivered ${events} pod events at ${eventsPerSecond} events/s`);

const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
const rssMb = Math.round(rssKb / 1024);
console.log(`sandbox resident memory: ${rssMb} MB (startup with the large scenario: ${startupMs} ms)`);

const exited = new Promise((r) => child.once('exit', r));
child.kill('SIGTERM');
await exited;
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: 'sandbox',
    pods: podCount,
    list_10k_pods_ms: listMs,
    target_list_10k_pods_ms: 1500,
    watch_events_per_s: eventsPerSecond,
    target_watch_events_per_s: 5000,
    rss_mb: rssMb,
    target_rss_mb: 300,
    startup_ms: startupMs,
  }),
);
