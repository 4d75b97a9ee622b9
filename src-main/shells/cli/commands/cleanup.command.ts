import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.ts';
import { emit, type CliIo } from '../output.ts';
import type { RegisterCommand } from './register-command.ts';

/**
 * `switchyard cleanup NAMESPACE/NAME --context C`: removes the canary Deployment (`NAME-canary`) Switchyard's
 * releases left scaled to 0. Releases never delete it themselves (the next release adopts it); this is the one
 * place it goes away, and only when the user asks. Refuses a canary that is not Switchyard's or still has
 * replicas (exit 1).
 */
export const registerCleanup: RegisterCommand = (program: Command, io: CliIo) => {
  program
    .command('cleanup <target>')
    .description("remove the canary Deployment NAME-canary Switchyard's releases left (scaled to 0)")
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--json', 'print JSON')
    .action(async (target: string, opts: { kubeconfig?: string; context?: string; json?: boolean }) => {
      const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(target);
      if (!m)
        throw new CliError(
          [
            `Name the workload as NAMESPACE/NAME (e.g. platform-production/workflow-engine), got "${target}".`,
          ],
          ExitCode.usage,
        );
      if (!opts.context)
        throw new CliError(['--context is required: say on which cluster to clean up.'], ExitCode.usage);
      // Loaded on use, as `run` does: the Kubernetes client costs seconds that `--help` should not pay.
      const { connect } = await import('./run-connect.ts');
      const { removeLeftCanary } = await import('../../../adapters/kube/canary-cleanup.ts');
      const conn = await connect(
        opts.context,
        { ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}) },
        io,
      );
      try {
        const removed = await removeLeftCanary(conn.kubeconfigYaml, m[1]!, m[3]!);
        emit(
          io,
          Boolean(opts.json),
          { removed },
          () =>
            `Removed Deployment ${removed.deployment} (${removed.image}${removed.release ? `, left by release ${removed.release}` : ''}).`,
        );
      } finally {
        await conn.embedded?.close();
      }
    });
};
