import { resolve } from 'node:path';
import { CliError, ExitCode } from '../exit-codes.ts';
import type { RegisterCommand } from './register-command.ts';

/** `switchyard web`: serves the console on 127.0.0.1 until interrupted. */
export const registerWeb: RegisterCommand = (program, io) => {
  program
    .command('web')
    .description(
      'serve the console on 127.0.0.1 for a browser; the first line printed is its URL with the access token',
    )
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option(
      '--prometheus <url>',
      'Prometheus that judges releases on real clusters (default: $SWITCHYARD_PROMETHEUS_URL)',
    )
    .option('--data-dir <dir>', 'where plans and the release journal live (default: ~/.switchyard)')
    .action(async (opts: { port?: string; prometheus?: string; dataDir?: string }) => {
      const port = opts.port === undefined ? 0 : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new CliError(
          [`--port must be a whole number from 0 to 65535, got "${opts.port}"`],
          ExitCode.usage,
        );
      }
      // Loaded on use, so `switchyard --help` does not pay for the engine and the Kubernetes client.
      const [
        { createEngine },
        { createSandboxProvider },
        { projectRoot },
        { appVersion },
        { createDispatcher },
        { ensureRendererBuilt },
        { startWebShell },
      ] = await Promise.all([
        import('../../../app/engine.ts'),
        import('../../../app/sandbox-provider.ts'),
        import('../../../app/paths.ts'),
        import('../../web/app-version.ts'),
        import('../../../bridge/dispatch.ts'),
        import('../../web/renderer-build.ts'),
        import('../../web/web-server.ts'),
      ]);
      const rendererDir = await ensureRendererBuilt(projectRoot);
      const prometheusUrl = opts.prometheus ?? io.env.SWITCHYARD_PROMETHEUS_URL;
      const sandbox = createSandboxProvider();
      const engine = createEngine({
        shell: 'web',
        version: appVersion(),
        env: io.env,
        sandbox,
        ...(prometheusUrl ? { prometheusUrl } : {}),
        ...(opts.dataDir ? { dataDir: resolve(io.cwd, opts.dataDir) } : {}),
      });
      const dispatcher = createDispatcher(engine.handlers, {
        onInternalError: (channel, error) =>
          io.stderr.write(`internal error on ${channel}: ${String(error)}\n`),
      });
      let shell;
      try {
        shell = await startWebShell({ dispatcher, hub: engine.hub, rendererDir, port });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE')
          throw new CliError([`Port ${port} on 127.0.0.1 is already in use; pick another with --port.`]);
        throw error;
      }
      io.stdout.write(`${shell.url}\n`);
      io.stderr.write('Switchyard console is serving on 127.0.0.1 only. Press Ctrl+C to stop.\n');
      // While the browser loads the page, start the sandbox and connect to it when the console opens on it,
      // so its first probe finds the connection made. Not a real cluster: a credential plugin's sign-in line
      // would be sent before the page listens. A failure here is the console's to show when it probes.
      void engine.handlers['cluster:listContexts']({})
        .then(({ selected }) =>
          selected === sandbox.contextName
            ? engine.handlers['cluster:probeContext']({ context: selected })
            : undefined,
        )
        .catch(() => undefined);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await shell.close();
      await engine.dispose();
    });
};
