import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { stringify as toYaml } from 'yaml';
import type { Clock } from '../ports/clock.port.ts';
import { createScaledClock } from '../adapters/clock/scaled-clock.ts';
import { admit } from './admission.ts';
import { createApiHandler } from './api-server.ts';
import type { SandboxWrite } from './audit.ts';
import { podProfile } from './controllers/context.ts';
import { ControlPlane } from './controllers/control-plane.ts';
import { renderMetrics } from './metrics.ts';
import { faultRule, validateFault, type SandboxFault } from './fault-injector/behaviour-faults.ts';
import { ProfileBook } from './profiles.ts';
import { defaultRbacObjects } from './rbac.ts';
import { customResourceDefinitions, resourceForKind, storageKey } from './resources.ts';
import { generatedObjects, loadScenario } from './scenario.ts';
import type { KubeObject } from './selectors.ts';
import { ApiError, badRequest } from './status.ts';
import { selfSignedCertificate } from './self-signed.ts';
import { ObjectStore } from './store.ts';
import { TrafficModel, type WindowStats } from './traffic.ts';

export type { SandboxWrite } from './audit.ts';
export type { SandboxFault } from './fault-injector/behaviour-faults.ts';
export { validateFault } from './fault-injector/behaviour-faults.ts';
export type { WindowStats } from './traffic.ts';

/** How to start a sandbox. */
export interface SandboxOptions {
  /** TCP port on 127.0.0.1; 0 or absent = a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** `reference` (default), `large`, or a path to a scenario YAML file. */
  scenario?: string;
  /** Clock speed: sandbox ms per real ms (default 1; 60 makes a 10-minute pause take 10 s). */
  speed?: number;
  /** Bearer token clients must send; default a random one. */
  token?: string;
  /** How many past changes a watch can resume from before it gets 410 Gone (default 100,000). */
  watchHistory?: number;
  /** Real milliseconds between bookmarks on watches that allow them (default 60,000, as the API server). */
  bookmarkIntervalMs?: number;
  /** Bearer token of the read-only user `sandbox-viewer` (bound to the `view` ClusterRole); default a random one. */
  viewerToken?: string;
}

/** The sandbox's non-admin user: may read workloads (ClusterRole `view`), nothing else unless RBAC says so. */
const SANDBOX_VIEWER = 'sandbox-viewer';

/** A running sandbox cluster. */
export interface SandboxHandle {
  /** `http://127.0.0.1:PORT` (the same port also answers HTTPS with a self-signed certificate). */
  readonly url: string;
  /** Bearer token; requests without it get 401. */
  readonly token: string;
  /** Bearer token of `sandbox-viewer`, whose requests RBAC decides (403 for what `view` does not grant). */
  readonly viewerToken: string;
  /** The sandbox's scaled clock (engine timers should use the same one). */
  readonly clock: Clock;
  /**
   * A kubeconfig for this sandbox (context default `sandbox`, bearer token, `insecure-skip-tls-verify: true`).
   * Its server is `https://` on the same port as `url`: kubectl sends a token only over TLS.
   * With `viewer`, a second context `<contextName>-viewer` signs in as `sandbox-viewer`.
   */
  kubeconfigYaml(contextName?: string, options?: { viewer?: boolean }): string;
  /** Writes `kubeconfigYaml(contextName, options)` to `path` with mode 0600. */
  writeKubeconfig(path: string, contextName?: string, options?: { viewer?: boolean }): void;
  /** Changes the behaviour profile of a service version at run time. Throws RangeError for out-of-range values. */
  setFault(f: SandboxFault): void;
  /** Every mutating API request so far, oldest first. */
  audit(): SandboxWrite[];
  /**
   * Per-version figures over the last `windowSeconds` (default 120) of sandbox time, the same
   * numbers `GET /_sandbox/stats` serves: `job` is the pods' `app` label (the runbook's `job`
   * label), `version` the image tag; namespace and version are optional filters. Rates are
   * ratios, latencies milliseconds; request-derived values are null when there was no traffic.
   */
  stats(q: {
    namespace?: string;
    job: string;
    version?: string;
    /** Only requests served with this feature-flag variant. */
    variant?: string;
    windowSeconds?: number;
  }): WindowStats;
  /** Sets the request rate (per second of sandbox time) of a traffic source, adding it when new. */
  setTraffic(t: { namespace: string; host: string; rps: number }): void;
  /** The request paths (with their queries) of the watches open now, e.g. to prove a client stopped its own. */
  openWatches(): string[];
  /** Stops serving, ends watches and timers. */
  close(): Promise<void>;
}

/** How long before the sandbox starts its scenario's objects were created (sandbox-clock ms). */
const SEED_AGE_MS = 3_600_000;

/** Real milliseconds between controller and traffic ticks. */
const tickMs = 100;

/**
 * Starts an embedded sandbox cluster: a Kubernetes API server on 127.0.0.1 with simulated
 * controllers, traffic and metrics, seeded from a scenario. `/metrics` needs no token (it serves
 * only numbers, so a Prometheus scrape config needs no credentials); everything else does. Its
 * series carry their own `job` label, so a scrape config needs `honor_labels: true`.
 * Rejects when the scenario cannot be loaded or the port is taken.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const scaled = createScaledClock(options.speed ?? 1);
  // The scenario is laid down an hour in the past, so its objects and pods are an hour old, each started after
  // it was created; the clock then steps to now.
  let seedOffsetMs = -SEED_AGE_MS;
  const clock: Clock = { speed: scaled.speed, now: () => scaled.now() + seedOffsetMs, sleep: scaled.sleep };
  const token = options.token ?? randomBytes(24).toString('hex');
  const viewerToken = options.viewerToken ?? randomBytes(24).toString('hex');
  const scenario = loadScenario(options.scenario ?? 'reference');
  const store = new ObjectStore(clock, options.watchHistory ?? 100_000);
  const profiles = new ProfileBook(scenario.profiles);
  const plane = new ControlPlane(store, clock, profiles, scenario.registry);
  const traffic = new TrafficModel(store, clock, profiles, scenario.traffic);
  const writes: SandboxWrite[] = [];

  const seed = (o: KubeObject) => {
    const type = resourceForKind(o.apiVersion ?? '', o.kind ?? '');
    if (!type || type.virtual)
      throw new Error(
        `Scenario ${scenario.name} has an object of an unserved kind ${o.apiVersion}/${o.kind}.`,
      );
    const obj = structuredClone(o);
    if (type.namespaced) obj.metadata.namespace ??= 'default';
    obj.apiVersion = type.group ? `${type.group}/${type.versions[0]}` : type.versions[0];
    store.create(storageKey(type), admit(type, obj, undefined));
  };
  for (const name of ['default', 'kube-system'])
    seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (const o of [...defaultRbacObjects(SANDBOX_VIEWER), ...customResourceDefinitions()]) seed(o);
  for (let i = 1; i <= 3; i++) {
    seed({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: `sandbox-node-${i}`,
        labels: { 'kubernetes.io/hostname': `sandbox-node-${i}`, 'kubernetes.io/os': 'linux' },
      },
      spec: {},
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          },
        ],
        addresses: [{ type: 'InternalIP', address: `172.18.0.${i + 1}` }],
        nodeInfo: {
          kubeletVersion: 'v1.31.0',
          kubeProxyVersion: 'v1.31.0',
          osImage: 'Switchyard sandbox',
          architecture: 'amd64',
          operatingSystem: 'linux',
          containerRuntimeVersion: 'containerd://1.7.0',
          kernelVersion: '6.1.0',
          // Fields every client's NodeSystemInfo requires (Python's list_node raises without them).
          machineID: `5a4d1c0e9b7f4e2a8c3d00000000000${i}`,
          systemUUID: `5a4d1c0e-9b7f-4e2a-8c3d-00000000000${i}`,
          bootID: `b0075a4d-1c0e-4e2a-8c3d-00000000000${i}`,
        },
        capacity: { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
        allocatable: { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      },
    });
  }
  const objects = [...scenario.objects, ...(scenario.generate ? generatedObjects(scenario.generate) : [])];
  for (const o of [
    ...objects.filter((x) => x.kind === 'Namespace'),
    ...objects.filter((x) => x.kind !== 'Namespace'),
  ])
    seed(o);
  plane.settle();
  seedOffsetMs = 0;
  // An hour on, what depends on time alone (availability after minReadySeconds) has come true.
  plane.settle();
  traffic.restart();

  const stats = (q: {
    namespace?: string;
    job: string;
    version?: string;
    variant?: string;
    windowSeconds?: number;
  }): WindowStats => traffic.stats({ ...q, windowSeconds: q.windowSeconds ?? 120 });
  const setFault = (f: SandboxFault) => {
    validateFault(f);
    const current = profiles.resolve(f.namespace ?? '', f.service, f.version ?? '', f.variant);
    profiles.setFault(faultRule(f, current));
  };
  const setTraffic = (t: { namespace: string; host: string; rps: number }) => {
    if (!(t.rps >= 0))
      throw new RangeError(`rps must be zero or more requests per second, got ${String(t.rps)}.`);
    const existing = traffic.sources.find((s) => s.namespace === t.namespace && s.host === t.host);
    if (existing) existing.rps = t.rps;
    else traffic.sources.push({ namespace: t.namespace, host: t.host, rps: t.rps });
  };

  const api = createApiHandler({
    store,
    clock,
    token,
    recordWrite: (w) => writes.push(w),
    admit,
    ...(options.bookmarkIntervalMs ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
    metrics: () => renderMetrics(store, traffic, clock),
    users: [{ token: viewerToken, user: { username: SANDBOX_VIEWER, groups: ['system:authenticated'] } }],
    podProfile: (pod) => podProfile(plane.ctx, pod),
    control: async (method, path, query, body) => {
      try {
        if (method === 'GET' && path === 'clock') return { nowMs: clock.now(), speed: clock.speed };
        if (method === 'GET' && path === 'audit') return writes;
        if (method === 'POST' && path === 'faults') {
          setFault(body as SandboxFault);
          return { ok: true };
        }
        if (method === 'POST' && path === 'traffic') {
          setTraffic(body as { namespace: string; host: string; rps: number });
          return { ok: true };
        }
        if (method === 'GET' && path === 'stats') {
          const job = query.get('job');
          if (!job) throw badRequest('stats needs a job (the service name).');
          const windowSeconds = Number(query.get('windowSeconds') ?? 120);
          if (!(windowSeconds > 0))
            throw badRequest(
              `windowSeconds must be a positive number of seconds, got ${query.get('windowSeconds')}.`,
            );
          return stats({
            job,
            windowSeconds,
            ...(query.get('namespace') ? { namespace: query.get('namespace')! } : {}),
            ...(query.get('version') ? { version: query.get('version')! } : {}),
            ...(query.get('variant') ? { variant: query.get('variant')! } : {}),
          });
        }
      } catch (err) {
        if (err instanceof RangeError) throw badRequest(err.message);
        throw err;
      }
      throw new ApiError(404, 'NotFound', `the sandbox has no control endpoint ${method} /_sandbox/${path}`);
    },
  });

  const plain = createServer(api.handle);
  const secure = createHttpsServer(selfSignedCertificate(), api.handle);
  plain.keepAliveTimeout = 30_000;
  secure.keepAliveTimeout = 30_000;
  // One port speaks both: a TLS handshake starts with byte 0x16, plain HTTP with a method name.
  const sockets = new Set<Socket>();
  const server = createNetServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (!first) return socket.destroy();
      socket.unshift(first);
      (first[0] === 0x16 ? secure : plain).emit('connection', socket);
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  traffic.tick();
  const timer = setInterval(() => {
    plane.tick();
    traffic.tick();
  }, tickMs);
  timer.unref();

  const kubeconfigYaml = (contextName = 'sandbox', opts: { viewer?: boolean } = {}) =>
    toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: contextName,
          cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true },
        },
      ],
      users: [
        { name: contextName, user: { token } },
        ...(opts.viewer ? [{ name: `${contextName}-viewer`, user: { token: viewerToken } }] : []),
      ],
      contexts: [
        {
          name: contextName,
          context: { cluster: contextName, user: contextName, namespace: 'platform-production' },
        },
        ...(opts.viewer
          ? [
              {
                name: `${contextName}-viewer`,
                context: {
                  cluster: contextName,
                  user: `${contextName}-viewer`,
                  namespace: 'platform-production',
                },
              },
            ]
          : []),
      ],
      'current-context': contextName,
      preferences: {},
    });

  return {
    url,
    token,
    viewerToken,
    clock,
    kubeconfigYaml,
    writeKubeconfig: (path, contextName, opts) =>
      writeFileSync(path, kubeconfigYaml(contextName, opts), { mode: 0o600 }),
    setFault,
    audit: () => [...writes],
    stats,
    setTraffic,
    openWatches: () => api.openWatches(),
    close: async () => {
      clearInterval(timer);
      api.closeWatches();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      plain.closeAllConnections();
      secure.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
