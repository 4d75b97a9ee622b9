import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { kubeconfigForContext, kubeconfigPaths, loadKubeconfig } from '../../../adapters/kube/kubeconfig.ts';
import type { ContextSource } from '../../../app/runtime.ts';
import { createScaledClock } from '../../../engine/scaled-clock.ts';
import type { Clock } from '../../../ports/clock.port.ts';
import { startSandbox, type SandboxHandle } from '../../../sandbox/sandbox.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../output.ts';

/** Where a run connects: the kubeconfig of one context, the clock, and the sandbox when it is one. */
export interface RunConnection {
  context: string;
  kubeconfigYaml: string;
  clock: Clock;
  /** Set when the context is a Switchyard sandbox (embedded or in another process). */
  sandbox?: { url: string; token: string; speed: number };
  /** The in-process sandbox this run started, closed when the run ends. */
  embedded?: SandboxHandle;
  /** The same, as the runtime opens it. */
  source: ContextSource;
}

/** Resolves the context's kubeconfig, starts the embedded sandbox for `--context sandbox` without a kubeconfig, and syncs the clock with a sandbox. */
export async function connect(
  context: string,
  opts: { kubeconfig?: string; speed?: string },
  io: CliIo,
): Promise<RunConnection> {
  const speed = opts.speed === undefined ? undefined : Number(opts.speed);
  if (speed !== undefined && !(speed > 0 && Number.isFinite(speed)))
    throw new CliError([`--speed must be a positive number, got "${opts.speed}".`], ExitCode.usage);
  if (context === 'sandbox' && !opts.kubeconfig && io.env.KUBECONFIG === undefined) {
    const embedded = await startSandbox({ speed: speed ?? 1 });
    const kubeconfigYaml = embedded.kubeconfigYaml(context);
    return {
      context,
      kubeconfigYaml,
      clock: embedded.clock,
      sandbox: { url: embedded.url, token: embedded.token, speed: speed ?? 1 },
      embedded,
      source: { kind: 'sandbox', context, sandbox: embedded, kubeconfig: kubeconfigYaml },
    };
  }
  const paths = opts.kubeconfig ? [resolve(io.cwd, opts.kubeconfig)] : kubeconfigPaths(io.env);
  const merged = loadKubeconfig(paths, {
    implicitDefault: !opts.kubeconfig && io.env.KUBECONFIG === undefined,
  });
  const yaml = kubeconfigForContext(merged, context);
  if (!yaml)
    throw new CliError([
      `No context "${context}" in ${paths.join(', ') || 'the kubeconfig'}.`,
      ...merged.problems.map((p) => `${p.file}: ${p.message}`),
    ]);
  const sandbox = await probeSandbox(yaml);
  if (!sandbox) {
    if (speed !== undefined)
      throw new CliError(
        [`--speed works only against the sandbox; context "${context}" is a real cluster.`],
        ExitCode.usage,
      );
    return {
      context,
      kubeconfigYaml: yaml,
      clock: createScaledClock(1),
      source: { kind: 'cluster', context, kubeconfig: yaml },
    };
  }
  if (speed !== undefined && speed !== sandbox.speed)
    throw new CliError(
      [
        `The sandbox of context "${context}" runs at speed ${sandbox.speed}; start it with --speed ${speed} or leave --speed out.`,
      ],
      ExitCode.usage,
    );
  return {
    context,
    kubeconfigYaml: yaml,
    clock: createScaledClock(sandbox.speed, sandbox.nowMs),
    sandbox,
    source: { kind: 'cluster', context, kubeconfig: yaml, sandbox },
  };
}

/** Asks `/_sandbox/clock` of the context's server; a Switchyard sandbox answers with its time and speed. */
async function probeSandbox(
  kubeconfigYaml: string,
): Promise<{ url: string; token: string; speed: number; nowMs: number } | undefined> {
  const doc = parseYaml(kubeconfigYaml) as {
    clusters?: { cluster?: { server?: string } }[];
    users?: { user?: { token?: string } }[];
  };
  const server = doc.clusters?.[0]?.cluster?.server;
  const token = doc.users?.[0]?.user?.token;
  if (!server || !token) return undefined;
  const url = new URL(server);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') return undefined;
  // The sandbox serves plain HTTP and TLS on one port; plain HTTP avoids its self-signed certificate here.
  const base = `http://${url.host}`;
  try {
    const res = await fetch(`${base}/_sandbox/clock`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(2_000),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { nowMs?: unknown; speed?: unknown };
    if (typeof body.nowMs !== 'number' || typeof body.speed !== 'number') return undefined;
    return { url: base, token, speed: body.speed, nowMs: body.nowMs };
  } catch {
    return undefined;
  }
}
