import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { SandboxFault, SandboxWrite } from '../../../app/sandbox-access.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { emit, type CliIo } from '../output.ts';
import type { RegisterCommand } from './register-command.ts';

/** Where `switchyard sandbox` writes its kubeconfig when `--kubeconfig-out` is not given. */
export function defaultSandboxKubeconfig(env: NodeJS.ProcessEnv): string {
  return join(env.HOME ?? env.USERPROFILE ?? '.', '.switchyard', 'sandbox.kubeconfig');
}

/** Parses a latency like `900ms`, `1.5s` or `900` (milliseconds); returns milliseconds or undefined. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m) return undefined;
  return m[2] === 's' ? Number(m[1]) * 1000 : Number(m[1]);
}

/** Parses a ratio like `0.05` or `5%`; returns the ratio 0..1 or undefined. */
export function parseRatio(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  if (!m) return undefined;
  const v = m[2] ? Number(m[1]) / 100 : Number(m[1]);
  return v >= 0 && v <= 1 ? v : undefined;
}

interface Target {
  url: string;
  token: string;
}

function targetFrom(opts: { url?: string; token?: string; kubeconfig?: string }, io: CliIo): Target {
  if (opts.url || opts.token) {
    if (!opts.url || !opts.token)
      throw new CliError(
        ['--url and --token go together: give both, or --kubeconfig instead.'],
        ExitCode.usage,
      );
    return { url: opts.url.replace(/\/+$/, ''), token: opts.token };
  }
  const file = resolve(io.cwd, opts.kubeconfig ?? defaultSandboxKubeconfig(io.env));
  let doc: {
    clusters?: { name: string; cluster: { server: string } }[];
    users?: { name: string; user: { token?: string } }[];
    contexts?: { name: string; context: { cluster: string; user: string } }[];
    'current-context'?: string;
  };
  try {
    doc = parseYaml(readFileSync(file, 'utf8')) as typeof doc;
  } catch {
    throw new CliError([
      `Cannot read the sandbox kubeconfig ${file}; start one with "switchyard sandbox" or pass --url and --token.`,
    ]);
  }
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context']) ?? doc.contexts?.[0];
  const server = doc.clusters?.find((c) => c.name === ctx?.context.cluster)?.cluster.server;
  const token = doc.users?.find((u) => u.name === ctx?.context.user)?.user.token;
  if (!server || !token)
    throw new CliError([`The kubeconfig ${file} has no server and token for its current context.`]);
  // The sandbox answers plain HTTP and HTTPS on one port; plain HTTP avoids its self-signed certificate.
  return { url: server.replace(/^https:\/\/(127\.0\.0\.1|localhost)(:\d+)/, 'http://$1$2'), token };
}

async function call<T>(
  target: Target,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${target.url}/_sandbox/${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch {
    throw new CliError([`No sandbox answers at ${target.url}; is "switchyard sandbox" running?`]);
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (res.status === 401) throw new CliError([`The sandbox at ${target.url} refused the token.`]);
  if (!res.ok) throw new CliError([body.message ?? `The sandbox answered HTTP ${res.status}.`]);
  return body as T;
}

const connectionOptions = (c: Command) =>
  c
    .option('--url <url>', 'sandbox URL (with --token)')
    .option('--token <token>', 'sandbox bearer token (with --url)')
    .option(
      '--kubeconfig <file>',
      'kubeconfig written by "switchyard sandbox" (default ~/.switchyard/sandbox.kubeconfig)',
    )
    .option('--json', 'print JSON');

/** `switchyard sandbox`: runs the embedded cluster until interrupted; `sandbox fault` and `sandbox audit` talk to a running one. */
export const registerSandbox: RegisterCommand = (program, io) => {
  const sandbox = program
    .command('sandbox')
    .description(
      'run the embedded sandbox cluster on 127.0.0.1 until interrupted; the first line printed is its kubeconfig path',
    )
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option(
      '--kubeconfig-out <file>',
      'where to write the kubeconfig (default ~/.switchyard/sandbox.kubeconfig)',
    )
    .option(
      '--scenario <name>',
      'reference (default), large, huge, flags (a service behind an OpenFeature flag), or a scenario file',
      'reference',
    )
    .option('--speed <x>', 'clock speed: 60 makes a 10-minute pause take 10 s', '1')
    .option(
      '--prometheus-config <file>',
      "write a Prometheus configuration that scrapes this sandbox (with honor_labels, and the clock's speed noted)",
    )
    .action(
      async (opts: {
        port?: string;
        kubeconfigOut?: string;
        scenario: string;
        speed: string;
        prometheusConfig?: string;
      }) => {
        const port = opts.port === undefined ? 0 : Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new CliError(
            [`--port must be a whole number from 0 to 65535, got "${opts.port}"`],
            ExitCode.usage,
          );
        const speed = Number(opts.speed);
        if (!(speed > 0) || !Number.isFinite(speed))
          throw new CliError([`--speed must be a positive number, got "${opts.speed}"`], ExitCode.usage);
        // Loaded on use: the sandbox's server and controllers are no cost to the other commands.
        const { prometheusScrapeConfig, startSandbox } = await import('../../../app/sandbox-access.ts');
        let handle;
        try {
          handle = await startSandbox({ port, scenario: opts.scenario, speed });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
            throw new CliError([`Port ${port} on 127.0.0.1 is already in use; pick another with --port.`]);
          throw new CliError([error instanceof Error ? error.message : String(error)]);
        }
        const file = resolve(io.cwd, opts.kubeconfigOut ?? defaultSandboxKubeconfig(io.env));
        mkdirSync(dirname(file), { recursive: true });
        handle.writeKubeconfig(file, undefined, { viewer: true });
        if (opts.prometheusConfig) {
          const promFile = resolve(io.cwd, opts.prometheusConfig);
          mkdirSync(dirname(promFile), { recursive: true });
          writeFileSync(promFile, prometheusScrapeConfig(handle.url, speed));
          io.stderr.write(`Prometheus scrape configuration written to ${promFile}.\n`);
        }
        io.stdout.write(`${file}\n`);
        io.stderr.write(
          `Sandbox cluster serving ${handle.url} (scenario ${opts.scenario}, speed ${speed}). Press Ctrl+C to stop.\n`,
        );
        await new Promise<void>((done) => {
          process.once('SIGINT', () => done());
          process.once('SIGTERM', () => done());
        });
        await handle.close();
      },
    );

  connectionOptions(
    sandbox
      .command('fault')
      .description('change how a service version behaves in a running sandbox')
      .argument('<service>', "service (the pods' app label)")
      .argument('<version>', 'image tag, e.g. v1.25.0')
      .option('--namespace <ns>', 'only in this namespace')
      .option('--variant <name>', 'only requests served with this feature-flag variant, e.g. on')
      .option('--error-rate <ratio>', 'share of requests failing with 5xx: 0.05 or 5%')
      .option('--p95 <latency>', '95th percentile latency: 900ms or 1.2s')
      .option('--saturation <ratio>', 'saturation: 0.8 or 80%')
      .option('--crash-loop', 'containers exit shortly after each start')
      .option('--no-crash-loop', 'stop crash-looping')
      .option('--never-ready', 'containers never pass readiness')
      .option('--no-never-ready', 'let containers become ready again')
      .option('--image-pull-fails', 'image pulls fail: ErrImagePull, then ImagePullBackOff')
      .option('--no-image-pull-fails', 'let images pull again')
      .option('--oom-kill', 'containers are OOM-killed after turning ready, and restart')
      .option('--no-oom-kill', 'stop OOM kills')
      .option('--slow-start <duration>', 'time from pod creation to the container running: 90s or 2m'),
  ).action(
    async (
      service: string,
      version: string,
      opts: {
        namespace?: string;
        variant?: string;
        errorRate?: string;
        p95?: string;
        saturation?: string;
        crashLoop?: boolean;
        neverReady?: boolean;
        imagePullFails?: boolean;
        oomKill?: boolean;
        slowStart?: string;
        url?: string;
        token?: string;
        kubeconfig?: string;
        json?: boolean;
      },
      cmd: Command,
    ) => {
      const problems: string[] = [];
      const fault: SandboxFault = {
        service,
        version,
        ...(opts.namespace ? { namespace: opts.namespace } : {}),
        ...(opts.variant ? { variant: opts.variant } : {}),
      };
      if (opts.errorRate !== undefined) {
        const v = parseRatio(opts.errorRate);
        if (v === undefined)
          problems.push(`--error-rate must be a ratio from 0 to 1 or a percentage, got "${opts.errorRate}"`);
        else fault.errorRate = v;
      }
      if (opts.saturation !== undefined) {
        const v = parseRatio(opts.saturation);
        if (v === undefined)
          problems.push(`--saturation must be a ratio from 0 to 1 or a percentage, got "${opts.saturation}"`);
        else fault.saturation = v;
      }
      if (opts.p95 !== undefined) {
        const v = parseDurationMs(opts.p95);
        if (v === undefined || v <= 0)
          problems.push(`--p95 must be a latency like 900ms or 1.2s, got "${opts.p95}"`);
        else fault.p95Ms = v;
      }
      const src = (name: string) => cmd.getOptionValueSource(name);
      if (src('crashLoop') === 'cli') fault.crashLoop = Boolean(opts.crashLoop);
      if (src('neverReady') === 'cli') fault.neverReady = Boolean(opts.neverReady);
      if (src('imagePullFails') === 'cli') fault.imagePullFails = Boolean(opts.imagePullFails);
      if (src('oomKill') === 'cli') fault.oomKill = Boolean(opts.oomKill);
      if (opts.slowStart !== undefined) {
        const minutes = /^(\d+(?:\.\d+)?)m$/.exec(opts.slowStart.trim());
        const v = minutes ? Number(minutes[1]) * 60_000 : parseDurationMs(opts.slowStart);
        if (v === undefined || v < 0)
          problems.push(`--slow-start must be a duration like 90s or 2m, got "${opts.slowStart}"`);
        else fault.startupSeconds = v / 1000;
      }
      if (problems.length > 0) throw new CliError(problems, ExitCode.usage);
      const changed = Object.keys(fault).filter(
        (k) => !['service', 'version', 'namespace', 'variant'].includes(k),
      );
      if (changed.length === 0)
        throw new CliError(
          [
            'Say what to change: --error-rate, --p95, --saturation, --crash-loop, --never-ready, --image-pull-fails, --oom-kill or --slow-start.',
          ],
          ExitCode.usage,
        );
      await call(targetFrom(opts, io), 'faults', { method: 'POST', body: fault });
      emit(
        io,
        Boolean(opts.json),
        { fault },
        () =>
          `Fault set on ${service} ${version}${opts.variant ? ` (variant ${opts.variant})` : ''}: ${changed.map((k) => `${k}=${String(fault[k as keyof SandboxFault])}`).join(', ')}`,
      );
    },
  );

  connectionOptions(
    sandbox
      .command('audit')
      .description('list the writes a running sandbox received (verb, resource, name, client)'),
  ).action(async (opts: { url?: string; token?: string; kubeconfig?: string; json?: boolean }) => {
    const writes = await call<SandboxWrite[]>(targetFrom(opts, io), 'audit');
    emit(io, Boolean(opts.json), { writes }, () =>
      writes.length === 0
        ? 'No writes yet.'
        : writes
            .map(
              (w) =>
                `${w.time}\t${w.code}\t${w.verb}\t${w.group ? `${w.resource}.${w.group}` : w.resource}\t${w.namespace ? `${w.namespace}/` : ''}${w.name ?? ''}\t${w.userAgent}`,
            )
            .join('\n'),
    );
  });
};
