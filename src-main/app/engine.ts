import { homedir, userInfo } from 'node:os';
import type { ContextSummary } from '../../src-shared/bridge/contract.ts';
import { DomainError } from '../../src-shared/bridge/errors.ts';
import { createFilePlanStore } from '../adapters/plan-store/file-plan-store.ts';
import { onCredentialMessages } from '../adapters/kube/exec-credentials.ts';
import { createKubeCluster } from '../adapters/kube/kube.adapter.ts';
import {
  kubeconfigForContext,
  kubeconfigPaths,
  loadKubeconfig,
  type MergedKubeconfig,
} from '../adapters/kube/kubeconfig.ts';
import { EventHub, type Handlers } from '../bridge/dispatch.ts';
import type { ClusterPort } from '../ports/cluster.port.ts';
import { join } from 'node:path';
import { probeContext } from './context-probe.ts';
import { consoleDataDir } from './paths.ts';
import { planHandlers } from './handlers/plan.handlers.ts';
import { releaseHandlers } from './handlers/release.handlers.ts';
import { flagHandlers } from './handlers/flag.handlers.ts';
import { ReleaseService, type ReleaseServiceOptions } from './release-service.ts';
import type { EmbeddedSandbox } from './sandbox-provider.ts';
import { startWorkloadFeed } from './workload-feed.ts';
import { sameTarget, startWorkloadDetailFeed, type DetailFeed } from './workload-detail-feed.ts';

export interface EngineOptions {
  readonly shell: 'electron' | 'web';
  readonly version: string;
  readonly env: NodeJS.ProcessEnv;
  readonly home?: string;
  /** Where Switchyard keeps plans and the release journal; default `~/.switchyard`. */
  readonly dataDir?: string;
  /** Contexts whose name matches are marked production (default /prod/i). */
  readonly productionPattern?: RegExp;
  readonly sandbox?: EmbeddedSandbox;
  /** Prometheus that judges releases on real clusters. */
  readonly prometheusUrl?: string;
  /** Options for the sandboxes rehearsals start (e.g. a fixed token in tests). */
  readonly rehearsalSandbox?: ReleaseServiceOptions['rehearsalSandbox'];
}

export interface Engine {
  readonly handlers: Handlers;
  readonly hub: EventHub;
  dispose(): Promise<void>;
}

/** The composition root: wires adapters into the bridge handlers for any shell. */
export function createEngine(options: EngineOptions): Engine {
  const hub = new EventHub();
  // Sign-in prompts of credential plugins (device codes) from every client this process makes reach the console.
  const stopCredentialMessages = onCredentialMessages((context, line) =>
    hub.emit('cluster:credentialMessage', { context, line: line.slice(0, 2000) }),
  );
  const production = options.productionPattern ?? /prod/i;
  const connections = new Map<string, Promise<ClusterPort>>();
  let merged: MergedKubeconfig | null = null;
  let feed: { stop(): void } | null = null;
  let detailFeed: DetailFeed | null = null;
  let namespaceFeed: { context: string; stop(): void } | null = null;

  /** Follows the namespaces of the context whose workloads are watched (a namespace created later appears). */
  function followNamespaces(context: string): void {
    if (namespaceFeed?.context === context) return;
    namespaceFeed?.stop();
    let stopped = false;
    let watch: { stop(): void } | undefined;
    namespaceFeed = {
      context,
      stop() {
        stopped = true;
        watch?.stop();
      },
    };
    connect(context).then(
      (c) => {
        if (stopped) return;
        // Not allowed to watch: the console re-reads them on focus instead.
        watch = c.watchNamespaces?.(
          (namespaces) => hub.emit('cluster:namespaces', { context, namespaces }),
          () => undefined,
        );
      },
      () => undefined,
    );
  }

  function readKubeconfig(): MergedKubeconfig {
    merged = loadKubeconfig(kubeconfigPaths(options.env, options.home ?? homedir()), {
      implicitDefault: options.env.KUBECONFIG === undefined || options.env.KUBECONFIG === '',
    });
    return merged;
  }

  function connect(context: string): Promise<ClusterPort> {
    const existing = connections.get(context);
    if (existing) return existing;
    const pending = (async () => {
      if (options.sandbox && context === options.sandbox.contextName) {
        return createKubeCluster(context, await options.sandbox.kubeconfig());
      }
      const config = merged ?? readKubeconfig();
      const yaml = kubeconfigForContext(config, context);
      if (yaml === null)
        throw new DomainError('notFound', `There is no context named "${context}" in the kubeconfig.`);
      return createKubeCluster(context, yaml);
    })();
    connections.set(context, pending);
    pending.catch(() => connections.delete(context));
    return pending;
  }

  const dataDir = options.dataDir ?? consoleDataDir(options.home ?? homedir());
  const releases = new ReleaseService({
    dataDir,
    hub,
    user: safeUser(),
    shell: options.shell,
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.prometheusUrl ? { prometheusUrl: options.prometheusUrl } : {}),
    ...(options.rehearsalSandbox ? { rehearsalSandbox: options.rehearsalSandbox } : {}),
    kubeconfigFor: async (context) => {
      const yaml = kubeconfigForContext(merged ?? readKubeconfig(), context);
      if (yaml === null)
        throw new DomainError('notFound', `There is no context named "${context}" in the kubeconfig.`);
      return yaml;
    },
  });

  const handlers: Handlers = {
    ...planHandlers(createFilePlanStore(join(dataDir, 'plans'))),
    ...releaseHandlers(releases),
    ...flagHandlers(releases),
    'app:info': async () => ({ version: options.version, shell: options.shell }),

    'cluster:listContexts': async () => {
      const config = readKubeconfig();
      connections.clear();
      const contexts: ContextSummary[] = config.contexts.map((c) => {
        const clusterName = typeof c.value.cluster === 'string' ? c.value.cluster : '';
        const cluster = config.clusters.find((k) => k.name === clusterName);
        return {
          name: c.name,
          cluster: clusterName,
          server: typeof cluster?.value.server === 'string' ? cluster.value.server : '',
          user: typeof c.value.user === 'string' ? c.value.user : '',
          ...(typeof c.value.namespace === 'string' ? { namespace: c.value.namespace } : {}),
          isSandbox: false,
          isProduction: production.test(c.name),
          isCurrent: c.name === config.currentContext,
        };
      });
      if (options.sandbox && !contexts.some((c) => c.name === options.sandbox?.contextName)) {
        contexts.push({
          name: options.sandbox.contextName,
          cluster: options.sandbox.contextName,
          server: options.sandbox.url() ?? 'built-in',
          user: 'sandbox-admin',
          isSandbox: true,
          isProduction: false,
          isCurrent: false,
        });
      }
      const current = contexts.find((c) => c.isCurrent)?.name;
      const selected = current ?? options.sandbox?.contextName ?? contexts[0]?.name ?? null;
      return { contexts, selected, problems: [...config.problems] };
    },

    'cluster:listNamespaces': async ({ context }) => {
      const cluster = await connect(context);
      const [namespaces, withWorkloads] = await Promise.all([
        cluster.listNamespaces(),
        // Only a hint for which namespace to open: a refusal or a failure leaves it out.
        cluster.namespacesWithWorkloads?.().catch(() => undefined),
      ]);
      return { namespaces, ...(withWorkloads ? { withWorkloads } : {}) };
    },

    'cluster:workloadDetail': async ({ context, namespace, kind, name, pod }) => {
      const cluster = await connect(context);
      if (!cluster.describeWorkload)
        throw new DomainError('notFound', `Context "${context}" cannot show a workload's pods.`);
      return cluster.describeWorkload(namespace, kind, name, pod);
    },

    'cluster:workloadPlanFacts': async ({ context, namespace, kind, name }) => {
      const cluster = await connect(context);
      if (!cluster.workloadPlanFacts)
        throw new DomainError('notFound', `Context "${context}" cannot read a workload for a plan.`);
      return { ...(await cluster.workloadPlanFacts(namespace, kind, name)), context };
    },

    'cluster:probeContext': ({ context }) => probeContext(context, () => connect(context)),

    'cluster:listWorkloads': async ({ context, namespace }) => ({
      workloads: await (await connect(context)).listWorkloads(namespace),
    }),

    'cluster:watchWorkloads': async ({ context, namespace }) => {
      feed?.stop();
      // A drill-down belongs to the namespace's feed: a page (re)loading or moving namespace ends it.
      detailFeed?.stop();
      detailFeed = null;
      followNamespaces(context);
      feed = startWorkloadFeed(connect(context), { context, namespace }, (e) =>
        hub.emit('cluster:workloads', e),
      );
      return { watching: true as const };
    },

    'cluster:watchWorkloadDetail': async ({ pod, ...target }) => {
      if (detailFeed && sameTarget(detailFeed.target, target)) {
        if (pod) detailFeed.showLog(pod);
        return { watching: true as const };
      }
      detailFeed?.stop();
      detailFeed = startWorkloadDetailFeed(connect(target.context), target, pod, (e) =>
        hub.emit('cluster:workloadDetail', e),
      );
      return { watching: true as const };
    },

    'cluster:unwatchWorkloadDetail': async () => {
      detailFeed?.stop();
      detailFeed = null;
      return { watching: false as const };
    },

    'cluster:unwatchWorkloads': async () => {
      feed?.stop();
      feed = null;
      namespaceFeed?.stop();
      namespaceFeed = null;
      return { watching: false as const };
    },
  };

  return {
    handlers,
    hub,
    async dispose() {
      feed?.stop();
      namespaceFeed?.stop();
      detailFeed?.stop();
      await releases.dispose();
      stopCredentialMessages();
      await options.sandbox?.close();
    },
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
