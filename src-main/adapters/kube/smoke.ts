import { execFile } from 'node:child_process';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Colour, ProbeTally, SmokeCheck, SmokeResult } from '../../ports/release.port.ts';
import { sleep } from '../abortable-sleep.ts';
import { ClusterError } from './kube-errors.ts';
import type { KubeObjects } from './kube-objects.ts';

/**
 * Warm-up and smoke checks of a blue-green colour before it takes traffic: HTTP GETs to its ready pods through
 * the API server's pod proxy, and commands run as argv (never through a shell) with the colour in their
 * environment.
 */
export class ColourProbes {
  constructor(
    private readonly o: KubeObjects,
    private readonly deployment: (colour: Colour) => Promise<V1Deployment>,
  ) {}

  /** Sends `requests` GETs to `path` on `colour`'s ready pods, `intervalMs` apart. */
  async warmup(
    colour: Colour,
    path: string,
    requests: number,
    intervalMs: number,
    signal?: AbortSignal,
  ): Promise<ProbeTally> {
    const pods = await this.o.readyPods(await this.deployment(colour));
    const tally: ProbeTally = { ok: 0, failed: 0 };
    for (let i = 0; i < requests; i++) {
      if (signal?.aborted) break;
      const pod = pods[i % Math.max(1, pods.length)];
      const status = pod ? await this.proxyGet(pod, path) : 0;
      if (status >= 200 && status < 400) tally.ok++;
      else tally.failed++;
      if (intervalMs > 0 && i < requests - 1) await sleep(intervalMs, signal).catch(() => undefined);
    }
    return tally;
  }

  /** Runs `checks` against `colour`, in order. */
  async smoke(colour: Colour, checks: readonly SmokeCheck[], signal?: AbortSignal): Promise<SmokeResult[]> {
    const dep = await this.deployment(colour);
    const pods = await this.o.readyPods(dep);
    const results: SmokeResult[] = [];
    for (const check of checks) {
      if (check.kind === 'http') {
        const pod = pods[0];
        const status = pod ? await this.proxyGet(pod, check.path) : 0;
        results.push({
          check,
          ok: status === check.expectStatus,
          detail: pod
            ? `GET ${check.path} on pod ${pod.metadata?.name} answered ${status === 0 ? 'nothing' : status}, expected ${check.expectStatus}.`
            : `No ready pod of ${dep.metadata?.name} to send GET ${check.path} to.`,
        });
      } else {
        results.push(
          await runCommand(
            check,
            {
              SWITCHYARD_COLOUR: colour,
              SWITCHYARD_NAMESPACE: this.o.ns,
              SWITCHYARD_WORKLOAD: dep.metadata?.name ?? '',
            },
            signal,
          ),
        );
      }
    }
    return results;
  }

  private async proxyGet(pod: V1Pod, path: string): Promise<number> {
    const container =
      pod.spec?.containers?.find((c) => c.name === this.o.plan.target.container) ?? pod.spec?.containers?.[0];
    const port =
      container?.ports?.find((p) => p.name === 'http')?.containerPort ??
      container?.ports?.[0]?.containerPort ??
      8080;
    try {
      await this.o.k.write(`probing pod ${pod.metadata?.name}`, () =>
        this.o.k.core.connectGetNamespacedPodProxyWithPath({
          name: `${pod.metadata?.name}:${port}`,
          namespace: pod.metadata?.namespace ?? this.o.ns,
          path: path.replace(/^\//, ''),
        }),
      );
      return 200;
    } catch (error) {
      return error instanceof ClusterError && error.status !== undefined ? error.status : 0;
    }
  }
}

function runCommand(
  check: Extract<SmokeCheck, { kind: 'command' }>,
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<SmokeResult> {
  const [file, ...args] = check.argv;
  if (!file) return Promise.resolve({ check, ok: false, detail: 'The smoke command is empty.' });
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, ...env }, timeout: 120_000, signal, windowsHide: true },
      (error, _stdout, stderr) => {
        if (!error) return resolve({ check, ok: true, detail: `${file} exited with 0.` });
        const code = (error as { code?: unknown }).code;
        const why =
          typeof code === 'number'
            ? `exited with ${code}`
            : typeof code === 'string'
              ? `could not run (${code})`
              : error.message;
        const tail = stderr.trim().split('\n').slice(-1)[0];
        resolve({ check, ok: false, detail: `${file} ${why}${tail ? `: ${tail}` : ''}.` });
      },
    );
  });
}
